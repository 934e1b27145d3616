package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stdio server that shares its data directory with another process shuts down quietly (issue 13, item 12). About
 * one run in five printed ~30 lines of {@code Error opening database: "Sleep interrupted"}: closing the guard
 * interrupted its worker while it read from the other process's H2 (AUTO_SERVER) socket, the interrupt closed the
 * socket, and H2's reconnect failed on the interrupt flag.
 *
 * <p>To make that moment certain rather than one in five, the process that owns the database (an HTTP server) is
 * paused with SIGSTOP while the stdio server runs, so the stdio server's guard worker is surely blocked on that
 * socket when the stdio server is told to stop; the owner is resumed after that.
 */
class QuietShutdownTest {

    @Test
    void aStdioServerSharingTheDataDirectoryStopsWithoutDatabaseErrors() throws Exception {
        Path home = PackagedServer.newHome();
        try (PackagedServer owner = PackagedServer.http(home, Map.of())) {
            // the same data directory as the owner's ($XDG_DATA_HOME/hal9), so the stdio server reaches the database
            // through the owner's AUTO_SERVER port
            ProcessBuilder builder = new ProcessBuilder(
                    PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "serve", "--stdio");
            builder.environment().putAll(PackagedServer.environment(home));
            builder.environment().put("HAL9_GUARD_WORKER__INTERVAL__MS", "20"); // a round every 20 ms
            Process stdio = builder.start();
            Peers.Drain stderr = Peers.drain(stdio.getErrorStream());
            OutputStream stdin = stdio.getOutputStream();
            BufferedReader stdout =
                    new BufferedReader(new InputStreamReader(stdio.getInputStream(), StandardCharsets.UTF_8));
            stdin.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                            + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n"
                            + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                            + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                            + "\"payment_status\",\"arguments\":{}}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            String line;
            do {
                line = stdout.readLine();
                assertThat(line).as("the stdio server answers payment_status").isNotNull();
            } while (!line.contains("\"id\":2"));

            signal("STOP", owner.pid());
            try {
                // the guard's next round (20 ms away) waits on the paused owner's socket: seen in a thread dump
                String blocked = awaitThreads(stdio.pid(), dump -> guardWaitsOnTheSocket(dump));
                stdin.close();
                // the stdio server is closing while its worker is still blocked
                awaitThreads(stdio.pid(), dump -> dump.contains("Hal9.close") && guardWaitsOnTheSocket(dump));
                assertThat(blocked).contains("hal9-guard");
            } finally {
                signal("CONT", owner.pid());
            }
            assertThat(stdio.waitFor(60, TimeUnit.SECONDS))
                    .as("the stdio server exits")
                    .isTrue();
            stderr.thread.join(10_000);
            assertThat(stderr.text())
                    .as("the stdio server's stderr")
                    .doesNotContain("Error opening database")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
            assertThat(owner.alive()).isTrue();
            assertThat(home.resolve("data").resolve("hal9").resolve("hal9.mv.db"))
                    .exists();
        }
    }

    /** The guard's worker is in a read of the H2 server's socket. */
    private static boolean guardWaitsOnTheSocket(String dump) {
        for (String thread : dump.split("\n\s*\n")) {
            if (thread.contains("hal9-guard") && thread.contains("org.h2") && thread.contains("read")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The stdio server's threads, virtual ones too (jcmd's Thread.dump_to_file), dumped until one dump shows what
     * the test waits for; returns that dump.
     */
    private static String awaitThreads(long pid, java.util.function.Predicate<String> wanted) throws Exception {
        Path jcmd = Path.of(PackagedServer.java()).resolveSibling("jcmd");
        Path file = java.nio.file.Files.createTempFile("hal9-threads", ".txt");
        String dump = "";
        for (int i = 0; i < 300; i++) {
            Peers.Result result = Peers.run(
                    List.of(jcmd.toString(), String.valueOf(pid), "Thread.dump_to_file", "-overwrite", file.toString()),
                    Map.of(),
                    Duration.ofSeconds(30));
            assertThat(result.exit()).as(result.stderr()).isZero();
            dump = java.nio.file.Files.readString(file);
            if (wanted.test(dump)) {
                return dump;
            }
        }
        throw new AssertionError("the stdio server never got there; its last threads:\n" + dump);
    }

    private static void signal(String name, long pid) {
        Peers.Result result =
                Peers.run(List.of("kill", "-" + name, String.valueOf(pid)), Map.of(), Duration.ofSeconds(10));
        assertThat(result.exit()).as(result.stderr()).isZero();
    }
}
