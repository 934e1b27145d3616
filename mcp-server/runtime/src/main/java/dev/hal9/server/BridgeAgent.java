package dev.hal9.server;

import dev.hal9.bridge.Agent;
import dev.hal9.orchestrator.ChatModel;
import dev.hal9.orchestrator.Conversations;
import dev.hal9.orchestrator.Orchestrator;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * The bridge's {@link Agent}: for each linked principal, an MCP client to the hal9 server under a token the
 * bridge mints for that principal (and revokes when it stops), the orchestrator over it, and the approvals API
 * under a separate approver token for the person's taps. The model never sees either token.
 */
final class BridgeAgent implements Agent, AutoCloseable {

    static final String TOKEN_NAME = "telegram-bridge";

    private final Store store;
    private final ChatModel model;
    private final URI endpoint;
    private final String base;
    private final Conversations conversations;
    private final int maxSteps;
    private final int tokenBudget;
    private final Map<String, McpSyncClient> clients = new ConcurrentHashMap<>();
    /** Servers from an mcpServers file, shared by every user (they hold no per-user state of hal9's). */
    private final List<McpSyncClient> shared;

    private final Map<String, String> approvers = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    BridgeAgent(Store store, ChatModel model, URI endpoint, int maxSteps, int tokenBudget, List<McpSyncClient> shared) {
        this.store = store;
        this.shared = List.copyOf(shared);
        this.model = model;
        this.endpoint = endpoint;
        this.base = endpoint.getScheme() + "://" + endpoint.getAuthority();
        this.conversations = new Conversations(store.familyState("orchestrator"), 200);
        this.maxSteps = maxSteps;
        this.tokenBudget = tokenBudget;
        revokeOurs(); // tokens of an earlier run: their secrets died with it
    }

    @Override
    public Orchestrator.Turn turn(String principal, String text, java.util.function.Consumer<String> progress) {
        McpSyncClient client;
        try {
            client = clients.computeIfAbsent(principal, this::connect);
        } catch (RuntimeException e) {
            return new Orchestrator.Turn(
                    "Sorry, hal9's server is not reachable right now; try again in a moment.", List.of(), 0, 0);
        }
        List<McpSyncClient> servers = new java.util.ArrayList<>(List.of(client));
        servers.addAll(shared);
        return new Orchestrator(model, servers, conversations, maxSteps, tokenBudget).turn(principal, text, progress);
    }

    @Override
    public void reset(String principal) {
        conversations.reset(principal);
    }

    @Override
    public String tool(String principal, String name, Map<String, Object> arguments) {
        try {
            McpSchema.CallToolResult result = clients.computeIfAbsent(principal, this::connect)
                    .callTool(new McpSchema.CallToolRequest(name, arguments));
            StringBuilder text = new StringBuilder();
            result.content().forEach(c -> {
                if (c instanceof McpSchema.TextContent t) {
                    text.append(t.text());
                }
            });
            return text.isEmpty() ? "(nothing)" : text.toString();
        } catch (RuntimeException e) {
            return "Sorry, hal9's server could not answer that just now.";
        }
    }

    @Override
    public String decide(String principal, String paymentId, boolean approve) {
        String token = approvers.computeIfAbsent(
                principal, p -> store.createToken(p, TOKEN_NAME + " approvals", Set.of("payments.approve"))
                        .secret());
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(base + "/approvals/" + paymentId + "/" + (approve ? "approve" : "decline")))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = dev.hal9.api.internal.Json.MAPPER.readTree(response.body());
            if (response.statusCode() == 200) {
                return approve
                        ? "Approved: " + body.path("summary").asString("") + ". It is being sent."
                        : "Declined: nothing was sent.";
            }
            return "Not done: "
                    + body.path("error").asString("the server said no (HTTP " + response.statusCode() + ")");
        } catch (IOException | RuntimeException e) {
            return "Not done: hal9's server could not be reached; try again.";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "Not done: interrupted.";
        }
    }

    private McpSyncClient connect(String principal) {
        String secret = store.createToken(principal, TOKEN_NAME, Set.of("*")).secret();
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base)
                        .endpoint(endpoint.getPath())
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                        .build())
                .requestTimeout(Duration.ofSeconds(300))
                .clientInfo(new McpSchema.Implementation("hal9-telegram-bridge", Hal9.VERSION))
                .build();
        client.initialize();
        return client;
    }

    private void revokeOurs() {
        for (Store.TokenInfo token : store.listTokens()) {
            if (token.revokedAt() == null
                    && token.name() != null
                    && token.name().startsWith(TOKEN_NAME)) {
                store.revokeToken(token.id());
            }
        }
    }

    @Override
    public void close() {
        clients.values().forEach(McpSyncClient::closeGracefully);
        shared.forEach(McpSyncClient::closeGracefully);
        revokeOurs();
    }
}
