package dev.hal9.agent;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.springframework.ai.tool.ToolCallback;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP servers whose tools the model gets: the hal9 server over Streamable HTTP (with a bearer token when it needs
 * one), and any more from a desktop-style {@code mcpServers} JSON file ({@code {"mcpServers": {"name": {"command":
 * "...", "args": [...], "env": {...}}, "other": {"url": "...", "headers": {...}}}}}). Each is a started, initialized
 * MCP SDK client; {@link #close()} closes them all. The HTTP ones carry the W3C trace context of the tool call that
 * made a request ({@code traceparent}), so a server that reads it can put its spans under the agent's. Not
 * thread-safe while opening; the clients are.
 */
final class McpConnections implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The transport-context key of the trace headers a call carries. */
    private static final String TRACE_HEADERS = "hal9.trace-headers";

    private final List<McpSyncClient> clients = new ArrayList<>();
    private final String clientVersion;

    McpConnections(String clientVersion) {
        this.clientVersion = clientVersion;
    }

    /** Connects to the hal9 server at its MCP endpoint; a RuntimeException says why it could not. */
    void connectHal9(URI endpoint, String token) {
        connectHal9(endpoint, token, "hal9-chat", "hal9 chat", null);
    }

    /**
     * Connects to the hal9 server as a named client; with {@code elicitation}, the client takes the server's
     * questions to the user (the guard's "Approve this payment?") and answers with what it returns.
     */
    void connectHal9(
            URI endpoint,
            String token,
            String clientName,
            String clientTitle,
            Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> elicitation) {
        HttpRequest.Builder requests = HttpRequest.newBuilder();
        if (token != null && !token.isBlank()) {
            requests.header("Authorization", "Bearer " + token);
        }
        McpClient.SyncSpec spec = McpClient.sync(HttpClientStreamableHttpTransport.builder(
                                endpoint.getScheme() + "://" + endpoint.getAuthority())
                        .endpoint(endpoint.getPath())
                        .requestBuilder(requests)
                        .httpRequestCustomizer(McpConnections::traceContext)
                        .build())
                .transportContextProvider(McpConnections::currentTraceContext)
                // a checkout or a deployment waits for its page or its chain: longer than a model's answer
                .requestTimeout(Duration.ofSeconds(900))
                .clientInfo(McpSchema.Implementation.builder(clientName, clientVersion)
                        .title(clientTitle)
                        .build());
        if (elicitation != null) {
            spec.capabilities(
                            McpSchema.ClientCapabilities.builder().elicitation().build())
                    .elicitation(elicitation);
        }
        McpSyncClient client = spec.build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            client.closeGracefully();
            throw e;
        }
        clients.add(client);
    }

    /** Starts the servers a file lists; an IllegalArgumentException names the file or the server that failed. */
    void connectAll(Path file) {
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
                                        .httpRequestCustomizer(McpConnections::traceContext)
                                        .build())
                        .transportContextProvider(McpConnections::currentTraceContext);
            } else {
                throw new IllegalArgumentException("mcpServers." + name + " has neither \"command\" nor \"url\"");
            }
            McpSyncClient client = spec.requestTimeout(Duration.ofSeconds(120))
                    .initializationTimeout(Duration.ofSeconds(60))
                    .clientInfo(McpSchema.Implementation.builder("hal9-orchestrator", clientVersion)
                            .title("hal9 chat")
                            .build())
                    .build();
            try {
                client.initialize();
            } catch (RuntimeException e) {
                client.closeGracefully();
                throw new IllegalArgumentException("the MCP server '" + name + "' did not start: " + e.getMessage());
            }
            clients.add(client);
        }
    }

    /**
     * The trace context of the calling thread's span, taken when a sync client's call starts (on the caller's thread:
     * the SDK asks this supplier as it subscribes, before any of its own threads run the request).
     */
    private static McpTransportContext currentTraceContext() {
        Map<String, String> headers = Tracing.traceHeaders();
        return headers.isEmpty()
                ? McpTransportContext.EMPTY
                : McpTransportContext.create(Map.of(TRACE_HEADERS, headers));
    }

    /** Adds the W3C {@code traceparent} (and {@code tracestate}) of the call that made the request. */
    private static void traceContext(
            HttpRequest.Builder request, String method, URI uri, String body, McpTransportContext context) {
        if (context.get(TRACE_HEADERS) instanceof Map<?, ?> headers) {
            headers.forEach((name, value) -> request.setHeader(name.toString(), value.toString()));
        }
    }

    /** Every server's tools as tool callbacks; of two tools with one name, the first server's (hal9's) wins. */
    List<ToolCallback> tools(UnaryOperator<String> encoding, Tracing tracing) {
        return tools(encoding, tracing, new HashSet<>());
    }

    /** {@link #tools(UnaryOperator, Tracing)} but for the names in {@code taken}, which it adds its own to. */
    List<ToolCallback> tools(UnaryOperator<String> encoding, Tracing tracing, Set<String> taken) {
        Set<String> seen = taken;
        List<ToolCallback> tools = new ArrayList<>();
        for (McpSyncClient client : clients) {
            for (McpSchema.Tool tool : client.listTools().tools()) {
                if (seen.add(tool.name())) {
                    tools.add(new McpTool(client, tool, encoding, tracing));
                }
            }
        }
        return tools;
    }

    @Override
    public void close() {
        clients.forEach(McpSyncClient::closeGracefully);
    }
}
