package dev.hal9.agent;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.ToolCallback;

/**
 * The agent loop: a Spring AI chat model driving MCP tools for one principal at a time, with the tool calls executed
 * by Spring AI's {@link ToolCallingManager} under the agent's own rules. A turn takes at most {@code maxSteps} model
 * steps and stops at a token budget; tool errors go back to the model as results; payments the guard holds for a
 * person are reported to the caller (the model is told it cannot approve them); a model that fails gets the user a
 * friendly reply. Each principal's conversation (what the user said and the agent answered) is kept in
 * {@link Conversations}. Thread-safe when its conversations are.
 */
final class Agent {

    static final String SYSTEM = "You are hal9, an agent with real tools: a browser, shopping, wallets and smart "
            + "contracts. Tools return handles (bs_..., ct_..., ord_..., pay_...); pass them back to the tools, never "
            + "invent them. Anything that moves value (payments, deployments, checkouts) waits for a person to approve "
            + "it: you cannot approve it and must not ask the tools to; tell the user it is waiting and what it is. "
            + "Be brief and concrete.";

    /** A payment the guard holds for a person, as a tool result described it. */
    record Pending(String id, String summary) {}

    /**
     * An image a tool returned, to show the user: its bytes (a screenshot), or the address of a picture a result
     * named (a product's image URL).
     */
    record Image(byte[] data, String mimeType, String url) {}

    /**
     * What a turn produced: the reply to show, the payments waiting for the user's decision, and the images to show.
     *
     * @param failure the error type of the model call that failed the turn, or null
     */
    record Turn(String reply, List<Pending> pending, int steps, int tokens, String failure, List<Image> images) {}

    /** At most this many pictures named by URL are shown per turn. */
    private static final int MAX_PICTURES = 3;

    /**
     * What the tools of one turn found, and the ids of the calls the model asked for; passed to the tools in the tool
     * context. Thread-safe.
     */
    static final class Recorder {
        private final List<Pending> pending = new CopyOnWriteArrayList<>();
        private final List<Image> images = new CopyOnWriteArrayList<>();
        private final List<AssistantMessage.ToolCall> asked = new CopyOnWriteArrayList<>();
        private final Consumer<String> progress;

        /** A recorder for a turn nobody watches. */
        Recorder() {
            this(step -> {});
        }

        /** @param progress hears what each step does ("using evm_send"), for a user watching the turn */
        Recorder(Consumer<String> progress) {
            this.progress = progress;
        }

        /** A tool is about to be called. */
        void using(String tool) {
            progress.accept("using " + tool);
        }

        /** An image a tool returned (base64, as MCP carries it). */
        void image(String base64, String mimeType) {
            images.add(new Image(Base64.getDecoder().decode(base64), mimeType, null));
        }

        /** Finds picture URLs ("image" fields with an http(s) address) in a structured result, a few per turn. */
        void collectPictures(Object structured) {
            if (images.stream().filter(i -> i.url() != null).count() >= MAX_PICTURES) {
                return;
            }
            if (structured instanceof Map<?, ?> map) {
                if (map.get("image") instanceof String url && url.matches("https?://\\S+")) {
                    images.add(new Image(null, null, url));
                }
                map.values().forEach(this::collectPictures);
            } else if (structured instanceof List<?> list) {
                list.forEach(this::collectPictures);
            }
        }

        List<Image> images() {
            return List.copyOf(images);
        }

        /** The calls of one model step, in the order Spring AI executes them. */
        void expect(List<AssistantMessage.ToolCall> calls) {
            asked.clear();
            asked.addAll(calls);
        }

        /**
         * The id the model gave the next call of a tool. Spring AI hands a tool only its arguments, and executes a
         * step's calls one after another in the order the model asked for them: the first unclaimed call of that
         * name is this one.
         */
        String claimCallId(String tool) {
            for (AssistantMessage.ToolCall call : asked) {
                if (tool.equals(call.name()) && asked.remove(call)) {
                    return call.id();
                }
            }
            return null;
        }

        /** Finds payments waiting for a person anywhere in a structured result (payment, or payments[]). */
        void collectPending(Object structured) {
            if (structured instanceof Map<?, ?> map) {
                if ("pending".equals(map.get("state")) && map.get("id") instanceof String id && id.startsWith("pay_")) {
                    pending.add(new Pending(id, String.valueOf(map.get("summary"))));
                    return;
                }
                map.values().forEach(this::collectPending);
            } else if (structured instanceof List<?> list) {
                list.forEach(this::collectPending);
            }
        }

        List<Pending> pending() {
            return List.copyOf(pending);
        }
    }

    private final ChatModel model;
    private final List<ToolCallback> tools;
    private final ToolCallingManager toolCalls;
    private final Conversations conversations;
    private final int maxSteps;
    private final int tokenBudget;
    private final Function<RuntimeException, String> describeFailure;
    private final Tracing tracing;

    /**
     * @param describeFailure what went wrong with the model, in words safe to show a user (no key, no trace)
     * @param tracing where the spans of turns and model calls go (the tools make their own)
     */
    Agent(
            ChatModel model,
            List<ToolCallback> tools,
            ToolCallingManager toolCalls,
            Conversations conversations,
            int maxSteps,
            int tokenBudget,
            Function<RuntimeException, String> describeFailure,
            Tracing tracing) {
        this.model = model;
        this.tools = List.copyOf(tools);
        this.toolCalls = toolCalls;
        this.conversations = conversations;
        this.maxSteps = maxSteps;
        this.tokenBudget = tokenBudget;
        this.describeFailure = describeFailure;
        this.tracing = tracing;
    }

    /** Runs one user turn for a principal; never throws for a model or tool failure (the reply says what failed). */
    Turn turn(String principal, String text) {
        return turn(principal, text, step -> {});
    }

    /** {@link #turn(String, String)}, telling {@code progress} what each step does ("using evm_send"). */
    Turn turn(String principal, String text, Consumer<String> progress) {
        Span span = tracing.startTurn();
        try (Scope current = span.makeCurrent()) {
            Turn turn = steps(principal, text, new Recorder(progress));
            if (turn.failure() != null) {
                Tracing.failed(span, turn.failure());
            } else {
                span.end();
            }
            return turn;
        } catch (RuntimeException e) {
            Tracing.failed(span, e.getClass().getName());
            throw e;
        }
    }

    private Turn steps(String principal, String text, Recorder recorder) {
        ToolCallingChatOptions options = ((ToolCallingChatOptions) model.getOptions())
                .mutate()
                .toolCallbacks(tools)
                .toolContext(Map.of(McpTool.RECORDER, recorder))
                .build();
        UserMessage user = new UserMessage(text);
        List<Message> messages = new ArrayList<>();
        messages.add(new SystemMessage(SYSTEM));
        messages.addAll(conversations.history(principal));
        messages.add(user);
        int tokens = 0;
        for (int step = 1; step <= maxSteps; step++) {
            Prompt prompt = new Prompt(messages, options);
            ChatResponse response;
            Span call = tracing.startChat();
            try {
                response = model.call(prompt);
            } catch (RuntimeException e) {
                Tracing.failed(call, e.getClass().getName());
                conversations.append(principal, List.of(user));
                String sorry = "Sorry, I could not reach my language model (" + describeFailure.apply(e)
                        + "). Try again in a moment.";
                return new Turn(
                        sorry, recorder.pending(), step, tokens, e.getClass().getName(), recorder.images());
            }
            Tracing.answered(call, response);
            tokens += tokens(response);
            if (!response.hasToolCalls()) {
                String content = response.getResult() == null
                                || response.getResult().getOutput().getText() == null
                        ? ""
                        : response.getResult().getOutput().getText();
                return finish(principal, user, content, recorder, step, tokens);
            }
            recorder.expect(response.getResults().stream()
                    .flatMap(generation -> generation.getOutput().getToolCalls().stream())
                    .toList());
            ToolExecutionResult executed = toolCalls.executeToolCalls(prompt, response);
            messages = new ArrayList<>(executed.conversationHistory());
            if (tokenBudget > 0 && tokens >= tokenBudget) {
                return finish(
                        principal,
                        user,
                        "I stopped here: this turn used its token budget (" + tokens + "). Ask me to go on.",
                        recorder,
                        step,
                        tokens);
            }
        }
        return finish(
                principal,
                user,
                "I stopped after " + maxSteps
                        + " tool steps without finishing; ask me to go on, or narrow the request.",
                recorder,
                maxSteps,
                tokens);
    }

    /** Starts a fresh conversation for a principal. */
    void reset(String principal) {
        conversations.reset(principal);
    }

    private Turn finish(String principal, UserMessage user, String reply, Recorder recorder, int steps, int tokens) {
        conversations.append(principal, List.of(user, new AssistantMessage(reply)));
        return new Turn(reply, recorder.pending(), steps, tokens, null, recorder.images());
    }

    private static int tokens(ChatResponse response) {
        Usage usage =
                response.getMetadata() == null ? null : response.getMetadata().getUsage();
        Integer total = usage == null ? null : usage.getTotalTokens();
        return total == null ? 0 : total;
    }
}
