package dev.hal9.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged hal9 jar run as a process, as a user runs it: on 127.0.0.1, a free port, and a home folder
 * of its own so that nothing touches the real user's data. Stopped by {@link #close()}.
 */
final class PackagedServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("hal9 listening on http://127\\.0\\.0\\.1:(\\d+)/mcp");

    private final Process process;
    private final Peers.Drain stderr;
    private final int port;
    final Path home;

    private PackagedServer(Process process, Peers.Drain stderr, int port, Path home) {
        this.process = process;
        this.stderr = stderr;
        this.port = port;
        this.home = home;
    }

    /** The jar the build just packaged. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("hal9.jar", "../mcp-server/runtime/target/hal9.jar"))
                .toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build mcp-server/runtime first");
        }
        return jar;
    }

    /**
     * How to start the jar: {@code java -jar}, or, for {@code --conformance-fixtures}, with the suite's fixtures (test
     * code, found by the server with ServiceLoader) on the class path beside it.
     */
    static List<String> launch(String... arguments) {
        if (!List.of(arguments).contains("--conformance-fixtures")) {
            return List.of(java(), "-jar", jar().toString());
        }
        Path fixtures;
        try {
            fixtures = Path.of(dev.hal9.conformance.fixtures.SuiteFixtures.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return List.of(java(), "-cp", jar() + java.io.File.pathSeparator + fixtures, "dev.hal9.server.cli.Main");
    }

    /** The agent's jar the build just packaged: {@code hal9 chat} runs it, a process of its own. */
    static Path agentJar() {
        Path jar = Path.of(System.getProperty("hal9-agent.jar", "../agent/target/hal9-agent.jar"))
                .toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build agent first");
        }
        return jar;
    }

    /** The java of the JDK running the tests (21 or newer). */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A fresh home folder; HOME and the XDG folders point into it. */
    static Path newHome() {
        try {
            return Files.createTempDirectory("hal9-home");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> environment(Path home) {
        return Map.of(
                "HOME", home.toString(),
                "XDG_DATA_HOME", home.resolve("data").toString(),
                "XDG_CONFIG_HOME", home.resolve("config").toString(),
                "XDG_CACHE_HOME", home.resolve("cache").toString(),
                // what ./hal9 bridge sets: the bot's model turns run in the agent's jar
                "HAL9_FAMILIES_TELEGRAM_AGENT__JAR", agentJar().toString());
    }

    /** The command that serves one client over stdio, for clients that start the server themselves. */
    static List<String> stdioCommand(Path home) {
        return List.of(
                java(),
                "-jar",
                jar().toString(),
                "serve",
                "--stdio",
                "--data-dir",
                home.resolve("data").toString());
    }

    /** Starts {@code hal9 serve --http 127.0.0.1:0} with extra arguments and waits until it listens. */
    static PackagedServer http(String... arguments) {
        return http(newHome(), Map.of(), arguments);
    }

    /** The same in a given home (to restart over the same data), with extra environment variables. */
    static PackagedServer http(Path home, Map<String, String> extraEnvironment, String... arguments) {
        return httpAt(home, 0, extraEnvironment, arguments);
    }

    /** The same on a chosen port of 127.0.0.1 (0: a free one), for settings that must name the server's URL. */
    static PackagedServer httpAt(Path home, int port, Map<String, String> extraEnvironment, String... arguments) {
        List<String> command = new ArrayList<>(launch(arguments));
        command.addAll(List.of("serve", "--http", "127.0.0.1:" + port));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment(home));
        builder.environment().putAll(extraEnvironment);
        try {
            Process process = builder.start();
            Peers.drain(process.getInputStream());
            Peers.Drain stderr = Peers.drain(process.getErrorStream());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Matcher matcher = LISTENING.matcher(stderr.text());
                if (matcher.find()) {
                    return new PackagedServer(process, stderr, Integer.parseInt(matcher.group(1)), home);
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("hal9 exited with " + process.exitValue() + ":\n" + stderr.text());
                }
                Thread.sleep(20);
            }
            process.destroyForcibly();
            throw new IllegalStateException("hal9 did not start listening within 60 s:\n" + stderr.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return port;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    String mcpUrl() {
        return base() + "/mcp";
    }

    String sseUrl() {
        return base() + "/sse";
    }

    /** The server's process id, for a test that pauses it (SIGSTOP) as a stalled peer. */
    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    String log() {
        return stderr.text();
    }

    /** Runs a hal9 CLI command against this server's home (e.g. {@code token create}). */
    Peers.Result cli(String... arguments) {
        return cli(home, arguments);
    }

    /** Runs a hal9 CLI command against a home, whether or not a server runs there. */
    static Peers.Result cli(Path home, String... arguments) {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
        command.addAll(List.of(arguments));
        return Peers.run(command, environment(home), Duration.ofSeconds(60));
    }

    /** Kills the process with SIGKILL, as a crash would: no shutdown hook runs. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
