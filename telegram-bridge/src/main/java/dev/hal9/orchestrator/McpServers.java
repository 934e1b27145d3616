package dev.hal9.orchestrator;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * More MCP servers for the orchestrator, from the {@code mcpServers} JSON that desktop clients use:
 * {@code {"mcpServers": {"name": {"command": "...", "args": [...], "env": {...}}, "other": {"url": "...",
 * "headers": {...}}}}}. Each becomes a started, initialized client; a server that cannot start is reported
 * by name.
 */
public final class McpServers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private McpServers() {}

    /** Starts the clients a file lists. */
    public static List<McpSyncClient> load(Path file, String clientVersion) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a readable mcpServers JSON file: " + e.getMessage());
        }
        JsonNode servers = root.path("mcpServers");
        if (!servers.isObject()) {
            throw new IllegalArgumentException(file + " has no \"mcpServers\" object");
        }
        List<McpSyncClient> clients = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : servers.properties()) {
            String name = entry.getKey();
            JsonNode server = entry.getValue();
            McpClient.SyncSpec spec;
            if (server.hasNonNull("command")) {
                List<String> args = new ArrayList<>();
                server.path("args").forEach(a -> args.add(a.asString()));
                Map<String, String> env = new LinkedHashMap<>();
                server.path("env")
                        .properties()
                        .forEach(e -> env.put(e.getKey(), e.getValue().asString()));
                ServerParameters parameters = ServerParameters.builder(
                                server.path("command").asString())
                        .args(args)
                        .env(env)
                        .build();
                spec = McpClient.sync(new StdioClientTransport(parameters, McpJsonDefaults.getMapper()));
            } else if (server.hasNonNull("url")) {
                URI url = URI.create(server.path("url").asString());
                HttpRequest.Builder requests = HttpRequest.newBuilder();
                server.path("headers")
                        .properties()
                        .forEach(h -> requests.header(h.getKey(), h.getValue().asString()));
                spec = McpClient.sync(
                        HttpClientStreamableHttpTransport.builder(url.getScheme() + "://" + url.getAuthority())
                                .endpoint(url.getPath())
                                .requestBuilder(requests)
                                .build());
            } else {
                throw new IllegalArgumentException("mcpServers." + name + " has neither \"command\" nor \"url\"");
            }
            McpSyncClient client = spec.requestTimeout(Duration.ofSeconds(120))
                    .initializationTimeout(Duration.ofSeconds(60))
                    .clientInfo(new McpSchema.Implementation("hal9-orchestrator", clientVersion))
                    .build();
            try {
                client.initialize();
            } catch (RuntimeException e) {
                clients.forEach(McpSyncClient::closeGracefully);
                throw new IllegalArgumentException("the MCP server '" + name + "' did not start: " + e.getMessage());
            }
            clients.add(client);
        }
        return clients;
    }
}
