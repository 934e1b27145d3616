package dev.hal9.tools.contracts;

import dev.hal9.api.ToolException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One long-lived Node process running {@code worker.mjs}, which keeps solc-js and solhint loaded so that a compile
 * costs the compiler's work, not a Node start and a 9 MB compiler load. Requests are JSON lines matched by id;
 * solc-js is single-threaded, so they run one at a time. A request that outlives its timeout gets the worker
 * killed (a stuck compile cannot be interrupted otherwise); a dead worker is started again on the next request.
 * Thread-safe.
 */
final class SolcWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SolcWorker.class);
    /** Built on the first compile: listing the tools at start-up should not pay for a mapper. */
    private static final class Mapper {
        static final JsonMapper JSON = JsonMapper.builder().build();
    }

    private final String node;
    private final Path toolchain;
    private final Path script;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    private final Deque<String> lastErrors = new ArrayDeque<>();

    private Process process;
    private BufferedWriter input;
    private Map<String, String> versions;

    /**
     * @param node the Node.js binary (a name on PATH or a path)
     * @param toolchain a folder whose node_modules holds solc, solhint and @openzeppelin/contracts
     * @param workDirectory where the worker script is written
     * @param timeout how long one request may take
     */
    SolcWorker(String node, Path toolchain, Path workDirectory, Duration timeout) {
        this.node = node;
        this.toolchain = toolchain;
        this.script = workDirectory.resolve("worker.mjs");
        this.timeout = timeout;
    }

    /** The versions of solc, solhint, OpenZeppelin Contracts and Node the worker runs. */
    Map<String, String> versions() {
        lock.lock();
        try {
            ensureStarted();
            return versions;
        } finally {
            lock.unlock();
        }
    }

    /** Compiles solc standard JSON input; returns solc's standard JSON output. */
    JsonNode compile(Map<String, Object> standardJson) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "compile");
        request.put("input", standardJson);
        return ask(request).path("output");
    }

    /** Runs solhint's rules over the sources; returns its reports. */
    JsonNode lint(Map<String, String> sources, Map<String, Object> rules) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "lint");
        request.put("sources", sources);
        request.put("rules", rules);
        return ask(request).path("reports");
    }

    private JsonNode ask(Map<String, Object> request) {
        lock.lock();
        try {
            ensureStarted();
            return send(request);
        } finally {
            lock.unlock();
        }
    }

    private JsonNode send(Map<String, Object> request) {
        long id = ids.incrementAndGet();
        Map<String, Object> message = new LinkedHashMap<>(request);
        message.put("id", id);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            input.write(Mapper.JSON.writeValueAsString(message));
            input.write('\n');
            input.flush();
            JsonNode response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.has("error")) {
                throw new ToolException(
                        "the Solidity worker failed: " + response.path("error").asString());
            }
            return response;
        } catch (TimeoutException e) {
            LOG.warn("the Solidity worker took longer than {} s; killing it", timeout.toSeconds());
            stop();
            throw new ToolException("the Solidity worker did not finish within " + timeout.toSeconds() + " s and was "
                    + "restarted; a smaller contract, or a larger families.contracts.timeout-seconds, may help");
        } catch (IOException | ExecutionException e) {
            stop();
            throw new ToolException(
                    "the Solidity worker stopped unexpectedly" + errors() + "; the next call starts " + "it again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("the call was cancelled while the Solidity worker was busy");
        } finally {
            waiting.remove(id);
        }
    }

    private void ensureStarted() {
        if (process != null && process.isAlive()) {
            return;
        }
        if (!Files.isDirectory(toolchain.resolve("node_modules/solc"))
                || !Files.isDirectory(toolchain.resolve("node_modules/solhint"))
                || !Files.isDirectory(toolchain.resolve("node_modules/@openzeppelin/contracts"))) {
            throw new ToolException("the Solidity toolchain is not installed at " + toolchain + ": run 'npm ci' there "
                    + "(the build does it when npm is present), or point families.contracts.toolchain at a folder "
                    + "with solc, solhint and @openzeppelin/contracts in its node_modules");
        }
        try (InputStream source = SolcWorker.class.getResourceAsStream("worker.mjs")) {
            Files.createDirectories(script.getParent());
            Path temporary = Files.createTempFile(script.getParent(), "worker", ".tmp");
            Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temporary, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ToolException("cannot write the Solidity worker to " + script + ": " + e.getMessage());
        }
        ProcessBuilder builder = new ProcessBuilder(node, script.toString(), toolchain.toString());
        builder.environment().put("NO_UPDATE_NOTIFIER", "1");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new ToolException("contract tools need Node.js 20 or newer, and '" + node + "' could not be started ("
                    + e.getMessage() + "); install Node.js (e.g. apt-get install nodejs) or set "
                    + "families.contracts.node to its path");
        }
        Process started = process;
        input = new BufferedWriter(new OutputStreamWriter(started.getOutputStream(), StandardCharsets.UTF_8));
        synchronized (lastErrors) {
            lastErrors.clear();
        }
        Thread.ofVirtual().name("solc-worker-out").start(() -> readAnswers(started));
        Thread.ofVirtual().name("solc-worker-err").start(() -> readErrors(started));
        JsonNode version = send(Map.of("op", "version"));
        Map<String, String> found = new LinkedHashMap<>();
        for (String name : new String[] {"solc", "solhint", "openzeppelin", "node"}) {
            found.put(name, version.path(name).asString());
        }
        versions = Map.copyOf(found);
        LOG.info("Solidity worker started: {}", versions);
    }

    private void readAnswers(Process started) {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                JsonNode answer;
                try {
                    answer = Mapper.JSON.readTree(line);
                } catch (RuntimeException e) {
                    LOG.debug("the Solidity worker wrote a line that is not JSON: {}", line);
                    continue;
                }
                CompletableFuture<JsonNode> future =
                        waiting.get(answer.path("id").asLong(-1));
                if (future != null) {
                    future.complete(answer);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        waiting.values().forEach(f -> f.completeExceptionally(new IOException("the worker exited")));
    }

    private void readErrors(Process started) {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                LOG.debug("solc worker: {}", line);
                synchronized (lastErrors) {
                    lastErrors.addLast(line);
                    while (lastErrors.size() > 5) {
                        lastErrors.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private String errors() {
        synchronized (lastErrors) {
            return lastErrors.isEmpty() ? "" : " (" + String.join(" / ", lastErrors) + ")";
        }
    }

    private void stop() {
        Process running = process;
        process = null;
        if (running != null) {
            running.destroyForcibly();
            try {
                running.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Where the toolchain is: the setting, else the build's system property, else next to the server's jar. */
    static Path locate(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        String property = System.getProperty("hal9.contracts.toolchain");
        if (property != null && !property.isBlank()) {
            return Path.of(property).toAbsolutePath();
        }
        try {
            Path here = Path.of(SolcWorker.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
            for (Path folder = here; folder != null; folder = folder.getParent()) {
                Path candidate = folder.resolve("tools/contracts/toolchain");
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // falls through
        }
        return Path.of("tools/contracts/toolchain").toAbsolutePath();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            stop();
        } finally {
            lock.unlock();
        }
    }
}
