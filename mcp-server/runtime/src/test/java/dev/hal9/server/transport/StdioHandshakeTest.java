package dev.hal9.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.Principal;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stdio start answers the handshake from what the same build and settings answered before, while the server is
 * still being built (issue 14, item 5: the first answers took 2-3 times as long as a Node server's), and checks
 * those answers against the server's own once it is there.
 */
class StdioHandshakeTest {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    private Path data;
    private Path file;
    private Hal9 hal9;

    @BeforeEach
    void start() throws Exception {
        data = Files.createTempDirectory("hal9-handshake");
        file = data.resolve("cache").resolve("handshake-stdio.txt");
        Settings settings = Settings.load(null, Map.of("HOME", data.toString()), Map.of("data-dir", data.toString()));
        hal9 = new Hal9(settings, Map.of("USER", "tester"), false);
    }

    @AfterEach
    void stop() {
        hal9.close();
    }

    /** The lines a session wrote, each as it came; a test waits for a count, bounded by a timeout. */
    private static final class Lines extends OutputStream {
        private final StringBuilder partial = new StringBuilder();
        private final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(partial.toString());
                partial.setLength(0);
                notifyAll();
            } else {
                partial.append((char) b);
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }

        synchronized List<String> await(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (lines.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " lines, got " + lines);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return List.copyOf(lines);
        }
    }

    /** The server side as {@code serve --stdio} builds it, writing to {@code out}. */
    private StdioTransport transport(OutputStream out, StdioHandshake handshake) {
        StdioTransport transport = new StdioTransport(
                InputStream.nullInputStream(),
                out,
                Principal.local("tester"),
                hal9.cancellations(),
                hal9.unknownTools(),
                hal9::modern);
        transport.keepHandshake(handshake);
        hal9.serve(transport);
        transport.start();
        return transport;
    }

    private static InputStream input(String... lines) {
        return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A first start: the server is ready at once, answers everything and leaves its answers in the file. */
    private List<String> firstStart() throws Exception {
        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        new StdioStart(input(INITIALIZE, INITIALIZED, LIST), out, handshake)
                .run(CompletableFuture.completedFuture(transport(out, handshake)));
        assertThat(handshake.answeredEarly()).isZero();
        return out.await(2);
    }

    @Test
    void aSecondStartAnswersTheHandshakeBeforeTheServerIsThereAndExactlyAsItWould() throws Exception {
        List<String> first = firstStart();
        assertThat(first.get(1)).contains("\"server_info\"");
        assertThat(Files.readString(file)).startsWith("key\n").contains("initialize 2025-11-25\t");

        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        PipedOutputStream client = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(client, 1 << 20);
        CompletableFuture<StdioTransport> server = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().start(() -> new StdioStart(stdin, out, handshake).run(server));
        client.write((INITIALIZE + "\n" + INITIALIZED + "\n" + LIST + "\n").getBytes(StandardCharsets.UTF_8));
        client.flush();

        assertThat(out.await(2)).as("answered with no server yet").isEqualTo(first);
        assertThat(handshake.answeredEarly()).isEqualTo(2);

        server.complete(transport(out, handshake));
        client.write("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n".getBytes(StandardCharsets.UTF_8));
        client.flush();
        List<String> lines = out.await(3);
        assertThat(lines.get(2))
                .as("the server checked the handshake without sending it again")
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}");
        client.close();
        reader.join(Duration.ofSeconds(30));
        assertThat(out.await(3)).hasSize(3);
    }

    @Test
    void anOutOfDateToolListIsFollowedByListChangedAndReplacedInTheFile() throws Exception {
        firstStart();
        String stale = Files.readString(file).replaceAll("(?m)^tools/list\t.*$", "tools/list\t{\"tools\":[]}");
        Files.writeString(file, stale);

        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        CompletableFuture<StdioTransport> server = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform()
                .start(() -> new StdioStart(input(INITIALIZE, INITIALIZED, LIST), out, handshake).run(server));
        assertThat(out.await(2).get(1)).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}");

        server.complete(transport(out, handshake));
        assertThat(out.await(3).get(2))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
        reader.join(Duration.ofSeconds(30));
        assertThat(Files.readString(file)).contains("\"server_info\"");
        assertThat(out.await(3).get(0)).contains("\"listChanged\":true");
    }

    @Test
    void anotherKeyMeansTheServerAnswersAndTheFileIsRewritten() throws Exception {
        firstStart();
        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "other settings");
        CompletableFuture<StdioTransport> server = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform()
                .start(() -> new StdioStart(input(INITIALIZE, INITIALIZED, LIST), out, handshake).run(server));
        server.complete(transport(out, handshake));
        reader.join(Duration.ofSeconds(30));
        assertThat(out.await(2).get(1)).contains("\"server_info\"");
        assertThat(handshake.answeredEarly()).isZero();
        assertThat(Files.readString(file)).startsWith("other settings\n");
    }

    @Test
    void aRequestBeforeTheHandshakeKeepsEverythingAfterItForTheServer() throws Exception {
        firstStart();
        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        CompletableFuture<StdioTransport> server = new CompletableFuture<>();
        String ping = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}";
        Thread reader = Thread.ofPlatform()
                .start(() -> new StdioStart(input(ping, INITIALIZE, INITIALIZED, LIST), out, handshake).run(server));
        server.complete(transport(out, handshake));
        reader.join(Duration.ofSeconds(30));
        assertThat(handshake.answeredEarly()).isZero();
        List<String> lines = out.await(2);
        List<String> answers = lines.stream()
                .filter(line -> line.contains("\"id\":1,") || line.contains("\"id\":2,"))
                .toList();
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0)).contains("protocolVersion");
        assertThat(answers.get(1)).contains("\"server_info\"");
    }

    @Test
    void aServerThatCannotStartAnswersTheWaitingRequestsWithWhy() throws Exception {
        firstStart();
        Lines out = new Lines();
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        CompletableFuture<StdioTransport> server = new CompletableFuture<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        String call = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"server_info\","
                + "\"arguments\":{}}}";
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                new StdioStart(input(INITIALIZE, INITIALIZED, LIST, call), out, handshake).run(server);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        out.await(2);
        server.completeExceptionally(new IllegalStateException("the database is locked by another process"));
        assertThat(out.await(3).get(2))
                .contains("\"id\":3")
                .contains("hal9 could not start: the database is locked by another process");
        reader.join(Duration.ofSeconds(30));
        assertThat(thrown.get()).isInstanceOf(CompletionException.class);
    }

    @Test
    void onlyAPlainStrictHandshakeIsAnsweredFromTheFile() throws Exception {
        firstStart();
        List<String> declined = List.of(
                INITIALIZE.replace("}}}", "}},"), // a trailing comma
                INITIALIZE.replace("{\"protocolVersion\"", "{\"_meta\":{},\"protocolVersion\""),
                INITIALIZE.replace("\"id\":1", "\"id\":1.5"),
                INITIALIZE.replace("\"id\":1", "\"id\":01"),
                INITIALIZE.replace("\"jsonrpc\":\"2.0\"", "\"jsonrpc\":\"1.0\""),
                INITIALIZE.replace("\"clientInfo\":{\"name\":\"t\",", "\"clientInfo\":{"),
                INITIALIZE.replace("2025-11-25", "2025-06-18"), // never answered by the server here
                INITIALIZE.replace("}}}", "}},\"extra\":1}"),
                "[" + INITIALIZE + "]",
                INITIALIZE + " x");
        for (String line : declined) {
            StdioHandshake handshake = StdioHandshake.load(file, "key");
            StdioHandshake.Kind kind = handshake.classify(line, true);
            assertThat(kind instanceof StdioHandshake.Handshake h ? h.answer() : null)
                    .as(line)
                    .isNull();
        }
        StdioHandshake handshake = StdioHandshake.load(file, "key");
        assertThat(handshake.classify(LIST, true))
                .as("no tools/list before an initialize answered here")
                .isEqualTo(new StdioHandshake.Handshake(new StdioHandshake.Request("tools/list", "n:2", "2"), null));
        StdioHandshake.Kind answered = handshake.classify(
                INITIALIZE
                        .replace("\"id\":1", "\"id\":\"a\\\"b\"")
                        .replace("{\"protocolVersion\"", "{ \"protocolVersion\""),
                true);
        assertThat(answered).isInstanceOf(StdioHandshake.Handshake.class);
        assertThat(((StdioHandshake.Handshake) answered).answer())
                .startsWith("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",");
        assertThat(handshake.classify(INITIALIZE, true))
                .as("a second initialize is the server's to refuse")
                .isEqualTo(new StdioHandshake.Handshake(
                        new StdioHandshake.Request("initialize 2025-11-25", "n:1", "1"), null));
        assertThat(handshake.classify(INITIALIZED, true)).isInstanceOf(StdioHandshake.Initialized.class);
    }
}
