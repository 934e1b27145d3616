package dev.hal9.bridge;

import dev.hal9.api.BearerTokens;
import dev.hal9.api.internal.Json;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The bridge's {@link Agent}: for each linked principal, a token the bridge mints for that principal (and revokes
 * when it stops), under which the agent's process ({@link AgentProcess}) runs the principal's turns and the bridge
 * calls a tool directly (/wallet); and the approvals API under a separate approver token for the person's taps. The
 * model never sees either token.
 */
final class BridgeAgent implements Agent, AutoCloseable {

    static final String TOKEN_NAME = "telegram-bridge";

    private final BearerTokens tokens;
    private final String version;
    private final AgentProcess agent;
    private final URI endpoint;
    private final String base;
    /** The token each principal's turns and tools go under, minted once per run. */
    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    private final Map<String, McpSyncClient> clients = new ConcurrentHashMap<>();

    private final Map<String, String> approvers = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Links links;
    private final Prompts prompts;

    /**
     * @param agent started with the command and settings for the agent's process; this asks the person the
     *     server's questions it passes on
     */
    BridgeAgent(
            BearerTokens tokens,
            String version,
            Function<BiFunction<String, String, Optional<Boolean>>, AgentProcess> agent,
            URI endpoint,
            Links links,
            Prompts prompts) {
        this.links = links;
        this.prompts = prompts;
        this.tokens = tokens;
        this.version = version;
        this.endpoint = endpoint;
        this.base = endpoint.getScheme() + "://" + endpoint.getAuthority();
        this.agent = agent.apply(this::ask);
        revokeOurs(); // tokens of an earlier run: their secrets died with it
    }

    @Override
    public Turn turn(String principal, String text, Consumer<String> progress) {
        return agent.turn(principal, secret(principal), text, progress);
    }

    @Override
    public void reset(String principal) {
        agent.reset(principal);
    }

    private String secret(String principal) {
        return secrets.computeIfAbsent(principal, p -> tokens.mint(p, TOKEN_NAME, Set.of("*")));
    }

    @Override
    public String tool(String principal, String name, Map<String, Object> arguments) {
        try {
            McpSchema.CallToolResult result =
                    client(principal).callTool(new McpSchema.CallToolRequest(name, arguments));
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
    public Optional<Payment> payment(String principal, String paymentId) {
        if (!paymentId.matches("pay_[A-Za-z0-9]{1,40}")) {
            return Optional.empty();
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/approvals/api/" + paymentId))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + approver(principal))
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode body = Json.MAPPER.readTree(response.body());
            List<String> moves = new ArrayList<>();
            body.path("moves").forEach(m -> moves.add(m.asString()));
            Map<String, String> preview = new LinkedHashMap<>();
            body.path("preview")
                    .properties()
                    .forEach(e -> preview.put(e.getKey(), e.getValue().asString()));
            return Optional.of(new Payment(
                    body.path("id").asString(),
                    body.path("state").asString(),
                    body.path("summary").asString(),
                    moves,
                    preview));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
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
            JsonNode body = Json.MAPPER.readTree(response.body());
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

    /** The principal's client, connected outside the map: a map's compute would hold its lock over the I/O. */
    private McpSyncClient client(String principal) {
        McpSyncClient known = clients.get(principal);
        if (known != null) {
            return known;
        }
        McpSyncClient made = connect(principal);
        McpSyncClient first = clients.putIfAbsent(principal, made);
        if (first != null) {
            made.closeGracefully();
            return first;
        }
        return made;
    }

    private McpSyncClient connect(String principal) {
        String secret = secret(principal);
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
     * A server's yes/no question to the user (the guard's "Approve this payment?"), asked with two buttons in the
     * principal's chat: yes, no, or no answer within 10 minutes (or no chat).
     */
    private Optional<Boolean> ask(String principal, String message) {
        Optional<Long> chat = links.chatOf(principal);
        return chat.isEmpty() ? Optional.empty() : prompts.ask(chat.get(), message, Duration.ofMinutes(10));
    }

    /**
     * A server's question to the user, on the bridge's own connection (a tool called directly), as a Telegram
     * prompt. A yes/no question (one boolean field) is asked with two buttons; anything richer is declined, since a
     * chat cannot show forms.
     */
    @SuppressWarnings("unchecked")
    private McpSchema.ElicitResult elicit(String principal, McpSchema.ElicitRequest request) {
        Map<String, Object> schema =
                request instanceof McpSchema.ElicitFormRequest form ? form.requestedSchema() : null;
        Map<String, Object> properties =
                schema == null ? Map.of() : (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        List<String> booleans = properties.entrySet().stream()
                .filter(e -> e.getValue() instanceof Map<?, ?> p && "boolean".equals(p.get("type")))
                .map(Map.Entry::getKey)
                .toList();
        if (links.chatOf(principal).isEmpty() || booleans.size() != 1 || properties.size() != 1) {
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
        }
        Optional<Boolean> yes = ask(principal, request.message());
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
        agent.close();
        clients.values().forEach(McpSyncClient::closeGracefully);
        revokeOurs();
    }
}
