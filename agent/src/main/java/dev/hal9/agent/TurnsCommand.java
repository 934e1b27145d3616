package dev.hal9.agent;

import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.tool.DefaultToolCallingManager;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.ToolCallback;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hal9-agent turns}: the agent behind the Telegram bridge, a process the bridge starts and talks to in JSON
 * lines over its stdin and stdout. The bridge keeps Telegram, the links of chats to principals and the tokens it mints
 * for them; this process keeps the model, the conversations and the MCP connections, one per principal under the
 * token the bridge gave for them, so that Spring AI never enters the server's classpath.
 *
 * <p>In, one JSON object per line:
 *
 * <ul>
 *   <li>{@code {"type":"turn","id":ID,"principal":P,"token":T,"text":TEXT}}: a user's message;
 *   <li>{@code {"type":"reset","principal":P}}: a fresh conversation;
 *   <li>{@code {"type":"answer","id":ID,"yes":true|false|null}}: the person's answer to a question (null: none).
 * </ul>
 *
 * <p>Out: {@code {"type":"ready"}} once; {@code {"type":"progress","id":ID,"step":"using evm_send"}} as a turn goes;
 * {@code {"type":"question","id":QID,"principal":P,"message":M}} when the server asks the user a yes/no question (the
 * guard's "Approve this payment?"); {@code {"type":"done","id":ID,"reply":R,"pending":[{"id","summary"}],
 * "images":[{"data","mimeType"} or {"url"}]}} when a turn ends. Turns run at once, each on a virtual thread. The end
 * of stdin ends the process. Tokens arrive only on stdin and are never written or logged.
 */
@Command(
        name = "turns",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "The Telegram bridge's agent: turns in JSON lines over stdin and stdout (the bridge starts it).")
final class TurnsCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger(TurnsCommand.class.getName());
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How long a question to the user stays open. */
    private static final Duration QUESTION_OPEN = Duration.ofMinutes(10);

    @Option(names = "--url", required = true, paramLabel = "URL", description = "The hal9 server's MCP endpoint.")
    URI url;

    @Mixin
    AgentOptions options;

    private final InputStream in;
    private final PrintStream out;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong questions = new AtomicLong();
    private final Map<String, CompletableFuture<Optional<Boolean>>> open = new ConcurrentHashMap<>();

    TurnsCommand() {
        this(System.in, System.out);
    }

    /** The lines go to the stdout this was made with; anything else that prints goes to stderr instead. */
    TurnsCommand(InputStream in, OutputStream out) {
        this.in = in;
        this.out = new PrintStream(out, false, StandardCharsets.UTF_8);
    }

    /** One principal's MCP connection under the token the bridge gave, and the agent over its tools. */
    private record Session(String token, McpConnections connection, Agent agent) {}

    @Override
    public Integer call() throws Exception {
        // stdout carries the lines: a library that prints must not break one
        System.setOut(System.err);
        String apiKey = System.getenv("HAL9_LLM_API_KEY");
        Main.configureLogging(options.verbose, apiKey);
        AgentSettings settings;
        ChatModel model;
        try {
            settings = AgentSettings.load(options.config, System.getenv(), options.overrides());
            model = ChatModels.create(settings, apiKey);
        } catch (IllegalArgumentException e) {
            write(Map.of("type", "error", "message", e.getMessage()));
            return 2;
        }
        ToolCallingManager toolCalls = DefaultToolCallingManager.builder()
                .unlimitedCallsPerTool() // the turn's max-steps is the limit
                .unlimitedTotalToolCalls()
                .build();
        Map<String, Session> sessions = new ConcurrentHashMap<>();
        try (Tracing tracing = Tracing.create(settings.otlpEndpoint(), settings, Main.VERSION);
                McpConnections shared = new McpConnections(Main.VERSION);
                Conversations conversations = Conversations.open(settings.dataDirectory(), 200)) {
            if (settings.mcpServers().isPresent()) {
                try {
                    shared.connectAll(settings.mcpServers().get());
                } catch (IllegalArgumentException e) {
                    write(Map.of("type", "error", "message", e.getMessage()));
                    return 1;
                }
            }
            write(Map.of("type", "ready"));
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message;
                try {
                    message = JSON.readTree(line);
                } catch (RuntimeException e) {
                    LOG.warning("a line that is not JSON was ignored");
                    continue;
                }
                switch (message.path("type").asString("")) {
                    case "turn" -> {
                        String id = message.path("id").asString("");
                        String principal = message.path("principal").asString("");
                        String token = message.path("token").asString("");
                        String text = message.path("text").asString("");
                        Thread.ofVirtual().name("hal9-turn-" + id).start(() -> {
                            Agent.Turn turn;
                            try {
                                Session session = sessions.get(principal);
                                if (session == null || !session.token().equals(token)) {
                                    // connected outside the map: a map's compute would hold its lock over I/O
                                    Session fresh = connect(
                                            principal,
                                            token,
                                            shared,
                                            settings,
                                            model,
                                            toolCalls,
                                            conversations,
                                            tracing,
                                            apiKey);
                                    Session before = sessions.put(principal, fresh);
                                    if (before != null) {
                                        before.connection().close();
                                    }
                                    session = fresh;
                                }
                                turn = session.agent().turn(principal, text, step -> write(progress(id, step)));
                            } catch (RuntimeException e) {
                                LOG.log(Level.WARNING, "a turn failed: " + e.getMessage(), options.verbose ? e : null);
                                Session broken = sessions.remove(principal);
                                if (broken != null) {
                                    broken.connection().close();
                                }
                                turn = new Agent.Turn(
                                        "Sorry, hal9's server is not reachable right now; try again in a moment.",
                                        List.of(),
                                        0,
                                        0,
                                        e.getClass().getName(),
                                        List.of());
                            }
                            write(done(id, turn));
                        });
                    }
                    case "reset" ->
                        conversations.reset(message.path("principal").asString(""));
                    case "answer" -> {
                        CompletableFuture<Optional<Boolean>> question =
                                open.remove(message.path("id").asString(""));
                        if (question != null) {
                            JsonNode yes = message.path("yes");
                            question.complete(yes.isBoolean() ? Optional.of(yes.asBoolean()) : Optional.empty());
                        }
                    }
                    default -> LOG.warning("a line of an unknown type was ignored");
                }
            }
            open.values().forEach(question -> question.complete(Optional.empty()));
            sessions.values().forEach(session -> session.connection().close());
        }
        return 0;
    }

    private Session connect(
            String principal,
            String token,
            McpConnections shared,
            AgentSettings settings,
            ChatModel model,
            ToolCallingManager toolCalls,
            Conversations conversations,
            Tracing tracing,
            String apiKey) {
        McpConnections connection = new McpConnections(Main.VERSION);
        connection.connectHal9(
                url, token, "hal9-telegram-bridge", "hal9 Telegram bridge", request -> ask(principal, request));
        Set<String> taken = new HashSet<>();
        List<ToolCallback> tools =
                new ArrayList<>(connection.tools(ChatModels.toolResultEncoding(settings.provider()), tracing, taken));
        tools.addAll(shared.tools(ChatModels.toolResultEncoding(settings.provider()), tracing, taken));
        Agent agent = new Agent(
                model,
                tools,
                toolCalls,
                conversations,
                settings.maxSteps(),
                settings.tokenBudget(),
                ChatModels.failures(settings, apiKey),
                tracing);
        return new Session(token, connection, agent);
    }

    /**
     * A server's question to the user, passed to the bridge. A yes/no question (one boolean field) is asked; anything
     * richer is declined, since a chat cannot show forms.
     */
    @SuppressWarnings("unchecked")
    private McpSchema.ElicitResult ask(String principal, McpSchema.ElicitFormRequest request) {
        Map<String, Object> schema = request.requestedSchema();
        Map<String, Object> properties =
                schema == null ? Map.of() : (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        List<String> booleans = properties.entrySet().stream()
                .filter(e -> e.getValue() instanceof Map<?, ?> p && "boolean".equals(p.get("type")))
                .map(Map.Entry::getKey)
                .toList();
        if (booleans.size() != 1 || properties.size() != 1) {
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
        }
        String id = "q" + questions.incrementAndGet();
        CompletableFuture<Optional<Boolean>> answer = new CompletableFuture<>();
        open.put(id, answer);
        write(Map.of("type", "question", "id", id, "principal", principal, "message", request.message()));
        Optional<Boolean> yes;
        try {
            yes = answer.get(QUESTION_OPEN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            yes = Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            yes = Optional.empty();
        } finally {
            open.remove(id);
        }
        if (yes.isEmpty()) {
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.CANCEL, null);
        }
        return yes.get()
                ? new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of(booleans.get(0), true))
                : new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
    }

    private static Map<String, Object> progress(String id, String step) {
        return Map.of("type", "progress", "id", id, "step", step);
    }

    private static Map<String, Object> done(String id, Agent.Turn turn) {
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("type", "done");
        done.put("id", id);
        done.put("reply", turn.reply());
        done.put(
                "pending",
                turn.pending().stream()
                        .map(p -> Map.of("id", p.id(), "summary", p.summary()))
                        .toList());
        done.put(
                "images",
                turn.images().stream()
                        .map(image -> image.url() != null
                                ? Map.of("url", image.url())
                                : Map.of(
                                        "data",
                                        Base64.getEncoder().encodeToString(image.data()),
                                        "mimeType",
                                        image.mimeType() == null ? "image/png" : image.mimeType()))
                        .toList());
        done.put("steps", turn.steps());
        done.put("tokens", turn.tokens());
        return done;
    }

    /** One line on stdout; lines of concurrent turns never interleave. */
    private void write(Map<String, Object> message) {
        String line = JSON.writeValueAsString(message);
        writing.lock();
        try {
            out.println(line);
            out.flush();
        } finally {
            writing.unlock();
        }
    }
}
