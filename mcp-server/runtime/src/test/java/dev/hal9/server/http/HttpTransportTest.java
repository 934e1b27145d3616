package dev.hal9.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.store.TokenStore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** hal9 over HTTP, driven by the MCP Java SDK's own client transports against the real Helidon server. */
class HttpTransportTest {

    private Hal9 hal9;
    private HttpServer server;
    private Path data;

    private String start(HttpServer.Auth auth) throws Exception {
        return start(auth, System::nanoTime);
    }

    private String start(HttpServer.Auth auth, java.util.function.LongSupplier nanoTime) throws Exception {
        data = Files.createTempDirectory("hal9-http-test");
        Settings settings = Settings.load(null, Map.of("HOME", data.toString()), Map.of("data-dir", data.toString()));
        hal9 = new Hal9(settings, Map.of("USER", "tester"), false);
        server = HttpServer.start(hal9, "127.0.0.1", 0, auth, nanoTime);
        return "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (hal9 != null) {
            hal9.close();
        }
    }

    @Test
    void streamableHttpListsAndCallsTools() throws Exception {
        String base = start(HttpServer.Auth.NONE);
        try (McpSyncClient client = client(
                HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp").build())) {
            assertThat(client.listTools().tools())
                    .extracting(McpSchema.Tool::name)
                    .contains("server_info");
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("server_info", Map.of()));
            assertThat(result.isError()).isFalse();
            assertThat(((Map<?, ?>) result.structuredContent()).get("principal"))
                    .isEqualTo("tester");
            assertThat(hal9.store().audit().recent(1)).singleElement().satisfies(row -> {
                assertThat(row.tool()).isEqualTo("server_info");
                assertThat(row.outcome()).isEqualTo("ok");
                assertThat(row.principal()).isEqualTo("tester");
            });
        }
    }

    @Test
    void legacySseServesOlderClients() throws Exception {
        String base = start(HttpServer.Auth.NONE);
        try (McpSyncClient client = client(
                HttpClientSseClientTransport.builder(base).sseEndpoint("/sse").build())) {
            assertThat(client.getCurrentInitializationResult().protocolVersion())
                    .isEqualTo("2024-11-05");
            assertThat(client.callTool(new McpSchema.CallToolRequest("server_info", Map.of()))
                            .isError())
                    .isFalse();
        }
    }

    @Test
    void tokensAuthenticateAndScopeCapabilities() throws Exception {
        String base = start(HttpServer.Auth.TOKEN);
        TokenStore.NewToken full = hal9.store().tokens().create("alice", "test", Set.of("*"));
        TokenStore.NewToken narrow = hal9.store().tokens().create("bob", "test", Set.of("browser"));

        HttpResponse<String> anonymous = post(base, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(post(base, "hal9_not-a-token").statusCode()).isEqualTo(401);

        try (McpSyncClient alice = client(bearer(base, full.secret()))) {
            Map<?, ?> info = (Map<?, ?>) alice.callTool(new McpSchema.CallToolRequest("server_info", Map.of()))
                    .structuredContent();
            assertThat(info.get("principal")).isEqualTo("alice");
        }
        try (McpSyncClient bob = client(bearer(base, narrow.secret()))) {
            McpSchema.CallToolResult denied = bob.callTool(new McpSchema.CallToolRequest("server_info", Map.of()));
            assertThat(denied.isError()).isTrue();
            assertThat(((McpSchema.TextContent) denied.content().get(0)).text()).contains("'server' capability");
        }

        hal9.store().tokens().revoke(hal9.store().tokens().list().get(0).id());
        assertThat(post(base, full.secret()).statusCode()).isEqualTo(401);
    }

    @Test
    void nonLoopbackWithoutAuthIsRefused() throws Exception {
        data = Files.createTempDirectory("hal9-http-test");
        Settings settings = Settings.load(null, Map.of(), Map.of("data-dir", data.toString()));
        hal9 = new Hal9(settings, Map.of("USER", "tester"), false);
        assertThatThrownBy(() -> HttpServer.start(hal9, "0.0.0.0", 0, HttpServer.Auth.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without authentication");
    }

    @Test
    void rebindingOriginsAreRejected() throws Exception {
        String base = start(HttpServer.Auth.NONE);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/mcp"))
                                .header("Origin", "http://evil.example.com")
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("Origin");
    }

    /**
     * Issue 13, item 13: a call of an unknown tool was answered "Unknown tool: invalid_tool_name" whatever was asked.
     * The error names the tool asked for and the close matches among the tools the caller may see.
     */
    @Test
    void anUnknownToolIsNamedWithTheToolsTheCallerMayCallThatAreClose() throws Exception {
        String base = start(HttpServer.Auth.TOKEN);
        TokenStore.NewToken full = hal9.store().tokens().create("alice", "test", Set.of("*"));
        TokenStore.NewToken narrow = hal9.store().tokens().create("bob", "test", Set.of("browser"));
        try (McpSyncClient alice = client(bearer(base, full.secret()))) {
            assertThatThrownBy(() -> alice.callTool(new McpSchema.CallToolRequest("server_infp", Map.of())))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("Unknown tool: 'server_infp'; did you mean server_info")
                    .hasMessageNotContaining("invalid_tool_name");
        }
        try (McpSyncClient bob = client(bearer(base, narrow.secret()))) {
            // bob may not see server_info, so it is no suggestion of his; his browser tools share the prefix
            assertThatThrownBy(() -> bob.callTool(new McpSchema.CallToolRequest("browser_navigat", Map.of())))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("Unknown tool: 'browser_navigat'; did you mean browser_navigate");
            assertThatThrownBy(() -> bob.callTool(new McpSchema.CallToolRequest("server_infp", Map.of())))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("Unknown tool: 'server_infp'")
                    .hasMessageNotContaining("server_info,")
                    .hasMessageNotContaining("server_info?");
        }
    }

    /**
     * Issue 13, item 14: every legacy SSE client that asked for a newer revision (TypeScript SDK clients ask for their
     * latest) made the SDK log a WARNING. It is ordinary negotiation: the answer is 2024-11-05, and nothing is logged
     * above INFO.
     */
    @Test
    void aLegacySseClientAskingForANewerRevisionIsOfferedOursWithoutAWarning() throws Exception {
        String base = start(HttpServer.Auth.NONE);
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger sdk = java.util.logging.Logger.getLogger("io.modelcontextprotocol");
        sdk.addHandler(capture);
        HttpClient http = HttpClient.newHttpClient();
        try {
            HttpResponse<java.util.stream.Stream<String>> stream = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/sse"))
                            .header("Accept", "text/event-stream")
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofLines());
            Iterator<String> lines = stream.body().iterator();
            String endpoint = null;
            while (endpoint == null && lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("data: ")) {
                    endpoint = line.substring(6);
                }
            }
            HttpResponse<String> accepted = http.send(
                    HttpRequest.newBuilder(URI.create(base + endpoint))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,"
                                    + "\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                                    + "\"capabilities\":{},\"clientInfo\":{\"name\":\"ts-like\",\"version\":\"1\"}}}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String answer = null;
            while (answer == null && lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("data: {")) {
                    answer = line;
                }
            }
            assertThat(answer).contains("\"protocolVersion\":\"2024-11-05\"");
            stream.body().close();
        } finally {
            sdk.removeHandler(capture);
        }
        assertThat(warnings).extracting(LogRecord::getMessage).isEmpty();
    }

    /**
     * Issue 13, item 14: /metrics was empty until the first tool call, so rates and alerts over it were undefined.
     * Every tool's call counter is published at zero from the start.
     */
    @Test
    void metricsHaveEveryToolsCallCounterAtZeroBeforeTheFirstCall() throws Exception {
        String base = start(HttpServer.Auth.NONE);
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (String outcome : List.of("ok", "error", "denied")) {
            assertThat(metrics)
                    .containsPattern("hal9_tool_calls_total\\{[^}]*hal9_outcome=\"" + outcome
                            + "\"[^}]*mcp_tool_name=\"server_info\"[^}]*} 0(\\.0)?\n");
        }
    }

    /**
     * Issue 13, item 2: sessions lived an hour without requests, so abandoned ones held their slots. A session idle
     * for server.sessions.idle-minutes (30) is ended; one used in the meantime lives on. The clock is the test's.
     */
    @Test
    void sessionsIdleForTheIdleMinutesAreEndedAndUsedOnesLive() throws Exception {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        String base = start(HttpServer.Auth.NONE, now::get);
        String idle = initialize(base);
        String used = initialize(base);
        now.addAndGet(Duration.ofMinutes(20).toNanos());
        assertThat(ping(base, used).statusCode()).isEqualTo(200);
        now.addAndGet(Duration.ofMinutes(11).toNanos());
        server.evictIdleSessions();
        assertThat(ping(base, idle).statusCode()).isEqualTo(404);
        assertThat(ping(base, used).statusCode()).isEqualTo(200);
    }

    private static String initialize(String base) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        mcp(base, null)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,"
                                        + "\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    private static HttpResponse<String> ping(String base, String session) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        mcp(base, session)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder mcp(String base, String session) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return request;
    }

    private static McpClientTransport bearer(String base, String secret) {
        return HttpClientStreamableHttpTransport.builder(base)
                .endpoint("/mcp")
                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                .build();
    }

    private static HttpResponse<String> post(String base, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"));
        if (secret != null) {
            request.header("Authorization", "Bearer " + secret);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static McpSyncClient client(McpClientTransport transport) {
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(30))
                .clientInfo(new McpSchema.Implementation("hal9-test", "1"))
                .build();
        client.initialize();
        return client;
    }
}
