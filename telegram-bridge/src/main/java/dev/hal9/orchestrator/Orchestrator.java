package dev.hal9.orchestrator;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bundled agent loop: a chat model driving MCP tools (hal9's, or any MCP server's) for one principal at a
 * time. Each turn runs at most {@code maxSteps} model steps and stops at a token budget; tool errors go back to
 * the model as results; payments the guard holds for a person are reported to the caller, who shows them to the
 * user (the model is told it cannot approve them). The conversation is kept per principal.
 */
public final class Orchestrator {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static final String SYSTEM = "You are hal9, an agent with real tools: a browser, shopping, wallets and smart "
            + "contracts. Tools return handles (bs_..., ct_..., ord_..., pay_...); pass them back to the tools, never "
            + "invent them. Anything that moves value (payments, deployments, checkouts) waits for a person to approve "
            + "it: you cannot approve it and must not ask the tools to; tell the user it is waiting and what it is. "
            + "Be brief and concrete.";

    /** A payment the guard holds for a person, as a tool result described it. */
    public record Pending(
            String id, String summary, String amount, String asset, String to, Map<String, Object> preview) {}

    /**
     * An image a tool returned, to show the user: its bytes (a screenshot), or the address of a picture a result
     * named (a product's image URL).
     */
    public record Image(byte[] data, String mimeType, String url) {}

    /** At most this many pictures named by URL are shown per turn. */
    private static final int MAX_PICTURES = 3;

    /** What a turn produced: the reply to show, payments waiting for the user's decision, and images. */
    public record Turn(String reply, List<Pending> pending, int steps, int tokens, List<Image> images) {
        public Turn(String reply, List<Pending> pending, int steps, int tokens) {
            this(reply, pending, steps, tokens, List.of());
        }
    }

    private final ChatModel model;
    private final List<McpSyncClient> servers;
    private final Conversations conversations;
    private final int maxSteps;
    private final int tokenBudget;

    public Orchestrator(
            ChatModel model, List<McpSyncClient> servers, Conversations conversations, int maxSteps, int tokenBudget) {
        this.model = model;
        this.servers = List.copyOf(servers);
        this.conversations = conversations;
        this.maxSteps = maxSteps;
        this.tokenBudget = tokenBudget;
    }

    /** Runs one user turn for a principal; never throws for a model or tool failure (the reply says what failed). */
    public Turn turn(String principal, String text) {
        return turn(principal, text, step -> {});
    }

    /** {@link #turn(String, String)}, telling {@code progress} what each step does ("using evm_send"). */
    public Turn turn(String principal, String text, java.util.function.Consumer<String> progress) {
        Map<String, McpSyncClient> owners = new LinkedHashMap<>();
        List<ChatModel.ToolSpec> specs = new ArrayList<>();
        for (McpSyncClient server : servers) {
            for (McpSchema.Tool tool : server.listTools().tools()) {
                if (owners.putIfAbsent(tool.name(), server) == null) {
                    specs.add(new ChatModel.ToolSpec(
                            tool.name(),
                            tool.description() == null ? "" : tool.description(),
                            JSON.convertValue(tool.inputSchema(), new TypeReference<Map<String, Object>>() {})));
                }
            }
        }
        List<ChatModel.Message> history = conversations.load(principal);
        history.add(ChatModel.Message.user(text));
        List<ChatModel.Message> prompt = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        List<Image> images = new ArrayList<>();
        int tokens = 0;
        for (int step = 1; step <= maxSteps; step++) {
            prompt.clear();
            prompt.add(ChatModel.Message.system(SYSTEM));
            prompt.addAll(history);
            ChatModel.Reply reply;
            try {
                reply = model.next(prompt, specs);
            } catch (ChatModel.ModelException e) {
                String sorry = "Sorry, I could not reach my language model (" + e.getMessage() + "). Try again in a "
                        + "moment.";
                conversations.save(principal, history);
                return new Turn(sorry, pending, step, tokens);
            }
            tokens += reply.tokens();
            if (reply.toolCalls().isEmpty()) {
                String content = reply.content() == null ? "" : reply.content();
                history.add(ChatModel.Message.assistant(content, List.of()));
                conversations.save(principal, history);
                return new Turn(content, pending, step, tokens, images);
            }
            history.add(ChatModel.Message.assistant(reply.content(), reply.toolCalls()));
            for (ChatModel.ToolCall call : reply.toolCalls()) {
                progress.accept("using " + call.name());
                history.add(ChatModel.Message.tool(call.id(), run(owners, call, pending, images)));
            }
            if (tokenBudget > 0 && tokens >= tokenBudget) {
                String stop = "I stopped here: this turn used its token budget (" + tokens + "). Ask me to go on.";
                history.add(ChatModel.Message.assistant(stop, List.of()));
                conversations.save(principal, history);
                return new Turn(stop, pending, step, tokens, images);
            }
        }
        String stop = "I stopped after " + maxSteps + " tool steps without finishing; ask me to go on, or narrow "
                + "the request.";
        history.add(ChatModel.Message.assistant(stop, List.of()));
        conversations.save(principal, history);
        return new Turn(stop, pending, maxSteps, tokens, images);
    }

    /** Starts a fresh conversation for a principal. */
    public void reset(String principal) {
        conversations.reset(principal);
    }

    private static String run(
            Map<String, McpSyncClient> owners, ChatModel.ToolCall call, List<Pending> pending, List<Image> images) {
        McpSyncClient server = owners.get(call.name());
        if (server == null) {
            return "error: there is no tool named " + call.name();
        }
        Map<String, Object> arguments;
        try {
            arguments = call.arguments() == null || call.arguments().isBlank()
                    ? Map.of()
                    : JSON.readValue(call.arguments(), new TypeReference<Map<String, Object>>() {});
        } catch (RuntimeException e) {
            return "error: the arguments were not a JSON object; send them as JSON";
        }
        McpSchema.CallToolResult result;
        try {
            result = server.callTool(new McpSchema.CallToolRequest(call.name(), arguments));
        } catch (RuntimeException e) {
            return "error: the tool call failed: " + e.getMessage();
        }
        collectPending(result.structuredContent(), pending);
        collectPictures(result.structuredContent(), images);
        StringBuilder text = new StringBuilder(Boolean.TRUE.equals(result.isError()) ? "error: " : "");
        for (McpSchema.Content content : result.content()) {
            if (content instanceof McpSchema.TextContent t) {
                text.append(t.text());
            } else if (content instanceof McpSchema.ImageContent image) {
                images.add(new Image(java.util.Base64.getDecoder().decode(image.data()), image.mimeType(), null));
                text.append("[an image, shown to the user]");
            } else {
                text.append("[").append(content.type()).append(" content]");
            }
        }
        return text.toString();
    }

    /** Finds picture URLs ("image" fields with an http(s) address) in a structured result, a few per turn. */
    private static void collectPictures(Object structured, List<Image> images) {
        if (images.stream().filter(i -> i.url() != null).count() >= MAX_PICTURES) {
            return;
        }
        if (structured instanceof Map<?, ?> map) {
            if (map.get("image") instanceof String url && url.matches("https?://\\S+")) {
                images.add(new Image(null, null, url));
            }
            map.values().forEach(v -> collectPictures(v, images));
        } else if (structured instanceof List<?> list) {
            list.forEach(v -> collectPictures(v, images));
        }
    }

    /** Finds payments waiting for a person anywhere in a structured result (payment, or payments[]). */
    @SuppressWarnings("unchecked")
    private static void collectPending(Object structured, List<Pending> pending) {
        if (structured instanceof Map<?, ?> map) {
            if ("pending".equals(map.get("state")) && map.get("id") instanceof String id && id.startsWith("pay_")) {
                pending.add(new Pending(
                        id,
                        String.valueOf(map.get("summary")),
                        String.valueOf(map.get("amount")),
                        String.valueOf(map.get("asset")),
                        String.valueOf(map.get("to")),
                        map.get("preview") instanceof Map<?, ?> p ? (Map<String, Object>) p : Map.of()));
                return;
            }
            map.values().forEach(v -> collectPending(v, pending));
        } else if (structured instanceof List<?> list) {
            list.forEach(v -> collectPending(v, pending));
        }
    }
}
