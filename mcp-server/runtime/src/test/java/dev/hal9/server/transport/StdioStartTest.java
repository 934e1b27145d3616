package dev.hal9.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.Principal;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stdio server leaves H2 and Flyway alone until the client has its first listing (issue 14, item 5: the store
 * opened during the handshake and shared the machine's two cores with it), and opens the store then, once.
 */
class StdioStartTest {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

    private Path data;
    private Hal9 hal9;

    @BeforeEach
    void start() throws Exception {
        data = Files.createTempDirectory("hal9-stdio-start");
        Settings settings = Settings.load(null, Map.of("HOME", data.toString()), Map.of("data-dir", data.toString()));
        hal9 = new Hal9(settings, Map.of("USER", "tester"), false);
    }

    @AfterEach
    void stop() {
        hal9.close();
    }

    /** Runs one stdio session over these lines; returns what the server wrote. */
    private String serve(AtomicInteger started, String... lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdioTransport transport = new StdioTransport(
                new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)),
                out,
                Principal.local("tester"),
                hal9.cancellations(),
                hal9.unknownTools(),
                hal9::modern);
        hal9.serve(transport);
        transport.afterHandshake(() -> {
            assertThat(hal9.store().database().ready())
                    .as("nothing opened the store before")
                    .isFalse();
            started.incrementAndGet();
            hal9.startDeferred();
        });
        transport.run();
        return out.toString(StandardCharsets.UTF_8);
    }

    private boolean databaseFileExists() throws Exception {
        try (Stream<Path> files = Files.list(data)) {
            return files.anyMatch(file -> file.getFileName().toString().endsWith(".mv.db"));
        }
    }

    @Test
    void theHandshakeAloneOpensNothing() throws Exception {
        AtomicInteger started = new AtomicInteger();
        String written = serve(started, INITIALIZE, INITIALIZED);
        assertThat(written).contains("\"protocolVersion\":\"2025-11-25\"");
        assertThat(started).hasValue(0);
        assertThat(hal9.store().database().ready()).isFalse();
        assertThat(databaseFileExists()).isFalse();
    }

    @Test
    void theFirstListingStartsTheStoreOnce() throws Exception {
        AtomicInteger started = new AtomicInteger();
        String written = serve(
                started,
                INITIALIZE,
                INITIALIZED,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
        assertThat(written).contains("\"id\":2").contains("\"server_info\"");
        assertThat(started).hasValue(1);
        assertThat(hal9.store().awaitOpen().database().ready()).isTrue();
        assertThat(databaseFileExists()).isTrue();
    }

    @Test
    void aModernClientsFirstListingStartsItToo() {
        AtomicInteger started = new AtomicInteger();
        String written = serve(
                started,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{" + META + "}}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{" + META + "}}");
        assertThat(written).contains("\"supportedVersions\":[\"2026-07-28\"]");
        assertThat(started).hasValue(1);
    }
}
