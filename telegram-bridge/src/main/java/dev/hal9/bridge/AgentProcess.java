package dev.hal9.bridge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent behind the bot: hal9's agent jar ({@code hal9-agent.jar turns}), a process of its own with the model
 * (Spring AI), the conversations and the MCP tool loop, so that none of that is in the server's classpath. The bridge
 * sends it each turn with the principal's token and hears back its progress, the server's questions to the user and
 * the reply (the protocol is written on the agent's {@code TurnsCommand}). Started on the first turn and again after
 * it stops. Thread-safe.
 */
final class AgentProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentProcess.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The settings of the agent ({@code families.orchestrator.*}) the bridge hands on to its process. */
    static final List<String> SETTINGS = List.of(
            "provider",
            "base-url",
            "model",
            "max-steps",
            "token-budget",
            "timeout-seconds",
            "max-tokens",
            "mcp-servers");

    /** How long the agent may take to start (a JVM and Spring AI). */
    private static final Duration START = Duration.ofSeconds(120);

    /**
     * How long a turn may take in all: its model steps and tool calls each have their own timeouts in the agent,
     * so this only catches an agent that hangs.
     */
    private static final Duration TURN = Duration.ofMinutes(30);

    /** A turn the agent is working on. */
    private record Running(Consumer<String> progress, CompletableFuture<Agent.Turn> done) {}

    private final List<String> command;
    private final Map<String, String> environment;
    private final BiFunction<String, String, Optional<Boolean>> questions;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final AtomicLong turns = new AtomicLong();
    private Process process;
    private OutputStream stdin;
    private CompletableFuture<Void> ready;

    /**
     * @param command how to start the agent ({@link #command})
     * @param environment variables for it besides this process's own (its settings)
     * @param questions asks the user a server's yes/no question: (principal, message) to yes, no or no answer
     */
    AgentProcess(
            List<String> command,
            Map<String, String> environment,
            BiFunction<String, String, Optional<Boolean>> questions) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.questions = questions;
    }

    /**
     * The command that runs the agent's jar on this process's Java, for the server at {@code serverUrl}.
     *
     * @throws IllegalArgumentException if there is no such jar, saying how to get one
     */
    static List<String> command(Path agentJar, String serverUrl, Path dataDirectory) {
        if (!Files.isRegularFile(agentJar)) {
            throw new IllegalArgumentException(
                    "the agent's jar " + agentJar + " does not exist; './hal9 bridge' builds "
                            + "it (agent/target/hal9-agent.jar), or set families.telegram.agent-jar to one");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(
                java, "-jar", agentJar.toString(), "turns", "--url", serverUrl, "--data-dir", dataDirectory.toString());
    }

    /** The agent's settings as the server resolved them, as the variables its process reads first. */
    static Map<String, String> environment(Function<String, Optional<String>> setting) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String key : SETTINGS) {
            setting.apply(key)
                    .filter(value -> !value.isBlank())
                    .ifPresent(value -> variables.put(
                            "HAL9_FAMILIES_ORCHESTRATOR_"
                                    + key.toUpperCase(Locale.ROOT).replace("-", "__"),
                            value));
        }
        return variables;
    }

    /**
     * One turn for a principal under its token; never throws: when the agent cannot be started or stops, the reply
     * says so.
     */
    Agent.Turn turn(String principal, String token, String text, Consumer<String> progress) {
        String id = "t" + turns.incrementAndGet();
        Running turn = new Running(progress, new CompletableFuture<>());
        running.put(id, turn);
        try {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("type", "turn");
            message.put("id", id);
            message.put("principal", principal);
            message.put("token", token);
            message.put("text", text);
            send(message);
            return turn.done().get(TURN.toSeconds(), TimeUnit.SECONDS);
        } catch (IllegalStateException e) {
            return sorry(e.getMessage());
        } catch (ExecutionException e) {
            return sorry(e.getCause().getMessage());
        } catch (TimeoutException e) {
            return sorry("it has worked on this for " + TURN.toMinutes() + " minutes without an answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return sorry("the bridge is stopping");
        } finally {
            running.remove(id);
        }
    }

    /** A fresh conversation for a principal. */
    void reset(String principal) {
        try {
            send(Map.of("type", "reset", "principal", principal));
        } catch (IllegalStateException e) {
            LOG.warn("the conversation of {} was not reset: {}", principal, e.getMessage());
        }
    }

    private static Agent.Turn sorry(String why) {
        return new Agent.Turn(
                "Sorry, my agent is not working right now (" + why + "). Try again in a moment.", List.of(), List.of());
    }

    /** Writes a line to the agent, starting it first if it is not running; waits until it is ready. */
    private void send(Map<String, Object> message) {
        CompletableFuture<Void> started;
        OutputStream to;
        lock.lock();
        try {
            if (process == null || !process.isAlive()) {
                start();
            }
            started = ready;
            to = stdin;
        } finally {
            lock.unlock();
        }
        try {
            started.get(START.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("it did not start within " + START.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        byte[] line = (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            to.write(line);
            to.flush();
        } catch (IOException e) {
            throw new IllegalStateException("it stopped (" + e.getMessage() + ")", e);
        } finally {
            lock.unlock();
        }
    }

    /** Starts the process and the thread that reads its lines. Called with the lock held. */
    private void start() {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("its process could not be started: " + e.getMessage(), e);
        }
        CompletableFuture<Void> becameReady = new CompletableFuture<>();
        process = started;
        stdin = started.getOutputStream();
        ready = becameReady;
        Thread.ofVirtual().name("hal9-agent-lines").start(() -> read(started, becameReady));
    }

    private void read(Process from, CompletableFuture<Void> becameReady) {
        String said = null;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(from.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode message;
                try {
                    message = JSON.readTree(line);
                } catch (RuntimeException e) {
                    LOG.debug("the agent wrote a line that is not JSON");
                    continue;
                }
                switch (message.path("type").asString("")) {
                    case "ready" -> becameReady.complete(null);
                    case "error" -> said = message.path("message").asString("");
                    case "progress" -> {
                        Running turn = running.get(message.path("id").asString(""));
                        if (turn != null) {
                            turn.progress().accept(message.path("step").asString(""));
                        }
                    }
                    case "question" -> {
                        String id = message.path("id").asString("");
                        String principal = message.path("principal").asString("");
                        String text = message.path("message").asString("");
                        Thread.ofVirtual().name("hal9-agent-question").start(() -> answer(id, principal, text));
                    }
                    case "done" -> {
                        Running turn = running.get(message.path("id").asString(""));
                        if (turn != null) {
                            turn.done().complete(turn(message));
                        }
                    }
                    default -> LOG.debug("the agent wrote a line of an unknown type");
                }
            }
        } catch (IOException e) {
            LOG.debug("the agent's output ended: {}", e.getMessage());
        }
        int exit;
        try {
            exit = from.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = -1;
        }
        String why = said != null ? said : "its process exited with " + exit;
        LOG.warn("the agent stopped: {}", why);
        IllegalStateException stopped = new IllegalStateException(why);
        becameReady.completeExceptionally(stopped);
        running.values().forEach(turn -> turn.done().completeExceptionally(stopped));
    }

    private void answer(String id, String principal, String message) {
        Optional<Boolean> yes = questions.apply(principal, message);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("type", "answer");
        answer.put("id", id);
        answer.put("yes", yes.orElse(null));
        try {
            send(answer);
        } catch (IllegalStateException e) {
            LOG.warn("an answer could not reach the agent: {}", e.getMessage());
        }
    }

    private static Agent.Turn turn(JsonNode done) {
        List<Agent.Pending> pending = new ArrayList<>();
        done.path("pending")
                .forEach(p -> pending.add(new Agent.Pending(
                        p.path("id").asString(""), p.path("summary").asString(""))));
        List<Agent.Image> images = new ArrayList<>();
        for (JsonNode image : done.path("images")) {
            if (image.hasNonNull("url")) {
                images.add(new Agent.Image(null, null, image.path("url").asString()));
            } else if (image.hasNonNull("data")) {
                images.add(new Agent.Image(
                        Base64.getDecoder().decode(image.path("data").asString()),
                        image.path("mimeType").asString("image/png"),
                        null));
            }
        }
        return new Agent.Turn(done.path("reply").asString(""), pending, images);
    }

    /** Ends the agent: the end of its input stops it; one that does not stop within 10 s is killed. */
    @Override
    public void close() {
        Process stopping;
        lock.lock();
        try {
            stopping = process;
            process = null;
            if (stdin != null) {
                try {
                    stdin.close();
                } catch (IOException e) {
                    LOG.debug("closing the agent's input: {}", e.getMessage());
                }
            }
        } finally {
            lock.unlock();
        }
        if (stopping == null) {
            return;
        }
        try {
            if (!stopping.waitFor(10, TimeUnit.SECONDS)) {
                stopping.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.destroyForcibly();
        }
    }
}
