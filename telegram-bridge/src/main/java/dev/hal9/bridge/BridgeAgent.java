package dev.hal9.bridge;

import dev.hal9.api.BearerTokens;
import dev.hal9.api.FamilyState;
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

    private final BearerTokens tokens;
    private final String version;
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

    private final Links links;
    private final Prompts prompts;

    BridgeAgent(
            BearerTokens tokens,
            FamilyState state,
            String version,
            ChatModel model,
            URI endpoint,
            int maxSteps,
            int tokenBudget,
            List<McpSyncClient> shared,
            Links links,
            Prompts prompts) {
        this.links = links;
        this.prompts = prompts;
        this.tokens = tokens;
        this.version = version;
        this.shared = List.copyOf(shared);
        this.model = model;
        this.endpoint = endpoint;
        this.base = endpoint.getScheme() + "://" + endpoint.getAuthority();
        this.conversations = new Conversations(state, 200);
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
    public java.util.Optional<Payment> payment(String principal, String paymentId) {
        if (!paymentId.matches("pay_[A-Za-z0-9]{1,40}")) {
            return java.util.Optional.empty();
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/approvals/api/" + paymentId))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + approver(principal))
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return java.util.Optional.empty();
            }
            JsonNode body = dev.hal9.api.internal.Json.MAPPER.readTree(response.body());
            java.util.List<String> moves = new java.util.ArrayList<>();
            body.path("moves").forEach(m -> moves.add(m.asString()));
            Map<String, String> preview = new java.util.LinkedHashMap<>();
            body.path("preview")
                    .properties()
                    .forEach(e -> preview.put(e.getKey(), e.getValue().asString()));
            return java.util.Optional.of(new Payment(
                    body.path("id").asString(),
                    body.path("state").asString(),
                    body.path("summary").asString(),
                    moves,
                    preview));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    private String approver(String principal) {
        return approvers.computeIfAbsent(
                principal, p -> tokens.mint(p, TOKEN_NAME + " approvals", Set.of("payments.approve")));
    }

    @Override
    public String decide(String principal, String paymentId, boolean approve) {
        String token = approver(principal);
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
        String secret = tokens.mint(principal, TOKEN_NAME, Set.of("*"));
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base)
                        .endpoint(endpoint.getPath())
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                        .build())
                .requestTimeout(Duration.ofSeconds(900))
                .clientInfo(new McpSchema.Implementation("hal9-telegram-bridge", version))
                .capabilities(
                        McpSchema.ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> elicit(principal, request))
                .build();
        client.initialize();
        return client;
    }

    /**
     * A server's question to the user (the guard's "Approve this payment?") as a Telegram prompt. A yes/no question
     * (one boolean field) is asked with two buttons; anything richer is declined, since a chat cannot show forms.
     */
    @SuppressWarnings("unchecked")
    private McpSchema.ElicitResult elicit(String principal, McpSchema.ElicitRequest request) {
        java.util.Optional<Long> chat = links.chatOf(principal);
        Map<String, Object> schema =
                request instanceof McpSchema.ElicitFormRequest form ? form.requestedSchema() : null;
        Map<String, Object> properties =
                schema == null ? Map.of() : (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        List<String> booleans = properties.entrySet().stream()
                .filter(e -> e.getValue() instanceof Map<?, ?> p && "boolean".equals(p.get("type")))
                .map(Map.Entry::getKey)
                .toList();
        if (chat.isEmpty() || booleans.size() != 1 || properties.size() != 1) {
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
        }
        java.util.Optional<Boolean> yes = prompts.ask(chat.get(), request.message(), Duration.ofMinutes(10));
        if (yes.isEmpty()) {
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.CANCEL, null);
        }
        return yes.get()
                ? new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of(booleans.get(0), true))
                : new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
    }

    private void revokeOurs() {
        tokens.revokeNamed(TOKEN_NAME);
    }

    @Override
    public void close() {
        clients.values().forEach(McpSyncClient::closeGracefully);
        shared.forEach(McpSyncClient::closeGracefully);
        revokeOurs();
    }
}
