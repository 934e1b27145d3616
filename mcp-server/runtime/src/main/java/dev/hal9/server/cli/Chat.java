package dev.hal9.server.cli;

import dev.hal9.orchestrator.Conversations;
import dev.hal9.orchestrator.Orchestrator;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.store.Store;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hal9 chat}: a terminal chat with the bundled orchestrator, over a running hal9 server's MCP tools and any
 * OpenAI-compatible model. The conversation is kept in the store per principal, so it survives restarts.
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description =
                "Chat with an LLM that uses this server's tools (OpenAI-compatible API; key in HAL9_LLM_API_KEY).",
        footer = {
            "%nThe model: families.orchestrator.provider (openai, the default, for any OpenAI-compatible API; or",
            "anthropic), .base-url (default https://api.openai.com/v1), .model (gpt-4o-mini),",
            ".max-steps (8), .token-budget (20000), .timeout-seconds (60), .mcp-servers (a desktop-style mcpServers",
            "JSON file: more MCP servers whose tools the model may use). The server's token, if it needs one:",
            "HAL9_TOKEN. Type /new for a fresh conversation, /quit to leave."
        })
final class Chat implements Callable<Integer> {

    @Mixin
    Main.Common common = new Main.Common();

    @Option(
            names = "--url",
            defaultValue = "http://127.0.0.1:8931/mcp",
            paramLabel = "URL",
            description = "The hal9 server's MCP endpoint (default ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = "--principal",
            paramLabel = "ID",
            description = "Whose conversation this is (default: the token's owner as you name it, else $USER).")
    String principal;

    @Override
    public Integer call() throws Exception {
        Settings settings = common.settings(Map.of());
        String who = principal != null ? principal : System.getProperty("user.name", "local");
        dev.hal9.orchestrator.ChatModel model;
        try {
            model = dev.hal9.orchestrator.ChatModels.from(
                    key -> settings.family("orchestrator", key), System.getenv("HAL9_LLM_API_KEY"));
        } catch (IllegalArgumentException e) {
            System.err.println("hal9: " + e.getMessage());
            return 2;
        }
        URI endpoint = URI.create(url);
        String base = endpoint.getScheme() + "://" + endpoint.getAuthority();
        String token = System.getenv("HAL9_TOKEN");
        HttpRequest.Builder requests = HttpRequest.newBuilder();
        if (token != null && !token.isBlank()) {
            requests.header("Authorization", "Bearer " + token);
        }
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base)
                        .endpoint(endpoint.getPath())
                        .requestBuilder(requests)
                        .build())
                .requestTimeout(Duration.ofSeconds(300))
                .clientInfo(new McpSchema.Implementation("hal9-chat", Hal9.VERSION))
                .build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            System.err.println("hal9: cannot reach the server at " + url + " (" + e.getMessage() + "); start it with "
                    + "'hal9 serve', and set HAL9_TOKEN if it uses --auth token");
            return 1;
        }
        List<McpSyncClient> servers = new java.util.ArrayList<>(List.of(client));
        java.util.Optional<String> more = settings.family("orchestrator", "mcp-servers");
        if (more.isPresent() && !more.get().isBlank()) {
            try {
                servers.addAll(dev.hal9.orchestrator.McpServers.load(java.nio.file.Path.of(more.get()), Hal9.VERSION));
            } catch (IllegalArgumentException e) {
                System.err.println("hal9: " + e.getMessage());
                client.closeGracefully();
                return 1;
            }
        }
        try (Store store = Main.Tokens.openStore(common)) {
            Orchestrator orchestrator = new Orchestrator(
                    model,
                    servers,
                    new Conversations(store.familyState("orchestrator"), 200),
                    Integer.parseInt(setting(settings, "max-steps", "8")),
                    Integer.parseInt(setting(settings, "token-budget", "20000")));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("hal9 chat as " + who + " (/new for a fresh conversation, /quit to leave)");
            String line;
            while ((line = in.readLine()) != null) {
                String text = line.strip();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.equals("/quit")) {
                    break;
                }
                if (text.equals("/new")) {
                    orchestrator.reset(who);
                    System.out.println("hal9> (a fresh conversation)");
                    continue;
                }
                Orchestrator.Turn turn = orchestrator.turn(who, text);
                System.out.println("hal9> " + turn.reply());
                for (Orchestrator.Pending p : turn.pending()) {
                    System.out.println("hal9> waiting for a person: " + p.summary() + ". Approve with 'hal9 approve "
                            + p.id() + "' or decline with 'hal9 decline " + p.id() + "'; the model cannot approve it.");
                }
                System.out.flush();
            }
        } finally {
            servers.forEach(McpSyncClient::closeGracefully);
        }
        return 0;
    }

    private static String setting(Settings settings, String key, String fallback) {
        return settings.family("orchestrator", key).orElse(fallback);
    }
}
