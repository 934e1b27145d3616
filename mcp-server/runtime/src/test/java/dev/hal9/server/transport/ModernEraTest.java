package dev.hal9.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.Principal;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.http.HttpServer;
import dev.hal9.server.store.TokenStore;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Revision 2026-07-28 beside the session revisions on one server: the routing per request and the tolerance the
 * README documents (a probe before initialize, a body/header version mismatch, an unknown version), on the real
 * Helidon server and the real stdio transport.
 */
class ModernEraTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"%s\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

    private final HttpClient http = HttpClient.newHttpClient();
    private Hal9 hal9;
    private HttpServer server;

    private String start() throws Exception {
        return start(HttpServer.Auth.NONE);
    }

    private String start(HttpServer.Auth auth) throws Exception {
        Path data = Files.createTempDirectory("hal9-modern-test");
        Settings settings = Settings.load(null, Map.of("HOME", data.toString()), Map.of("data-dir", data.toString()));
        hal9 = new Hal9(settings, Map.of("USER", "tester"), false);
        server = HttpServer.start(hal9, "127.0.0.1", 0, auth, System::nanoTime);
        return "http://127.0.0.1:" + server.port() + "/mcp";
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

    private HttpResponse<String> post(String url, String header, String method, String name, String body)
            throws Exception {
        return post(url, header, method, name, body, null);
    }

    private HttpResponse<String> post(String url, String header, String method, String name, String body, String bearer)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("Mcp-Method", method)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (header != null) {
            request.header("MCP-Protocol-Version", header);
        }
        if (name != null) {
            request.header("Mcp-Name", name);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String request(String method, String version, String params) {
        String meta = META.formatted(version);
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":{" + meta
                + (params.isEmpty() ? "" : "," + params) + "}}";
    }

    @Test
    void aProbeBeforeInitializeIsAnsweredByTheModernEra() throws Exception {
        String url = start();
        HttpResponse<String> response =
                post(url, "2026-07-28", "server/discover", null, request("server/discover", "2026-07-28", ""));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(response.body()).get("result");
        assertThat(result.get("supportedVersions").toString()).isEqualTo("[\"2026-07-28\"]");
        assertThat(result.get("resultType").asString()).isEqualTo("complete");
        assertThat(result.at("/_meta/io.modelcontextprotocol~1serverInfo/name").asString())
                .isEqualTo("hal9");
        assertThat(result.has("ttlMs")).isTrue();
        assertThat(result.get("cacheScope").asString()).isEqualTo("private");
    }

    @Test
    void aProbeWithoutMetaGetsInvalidParamsNeverAnInternalError() throws Exception {
        String url = start();
        HttpResponse<String> response = post(
                url,
                "2026-07-28",
                "server/discover",
                null,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/code").asInt()).isEqualTo(-32602);
    }

    @Test
    void aBodyVersionThatTheHeaderContradictsIsAHeaderMismatch() throws Exception {
        String url = start();
        HttpResponse<String> response =
                post(url, "2025-11-25", "tools/list", null, request("tools/list", "2026-07-28", ""));
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32020);
        assertThat(error.get("message").asString()).contains("MCP-Protocol-Version");
    }

    @Test
    void anUnknownVersionNamesTheSupportedOnes() throws Exception {
        String url = start();
        HttpResponse<String> response = post(url, "v999", "tools/list", null, request("tools/list", "v999", ""));
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).isEqualTo(-32022);
        assertThat(error.at("/data/supported").toString()).isEqualTo("[\"2026-07-28\"]");
        assertThat(error.at("/data/requested").asString()).isEqualTo("v999");
    }

    @Test
    void mcpNameMustMatchTheToolCalled() throws Exception {
        String url = start();
        HttpResponse<String> response = post(
                url,
                "2026-07-28",
                "tools/call",
                "other_tool",
                request("tools/call", "2026-07-28", "\"name\":\"server_info\",\"arguments\":{}"));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/code").asInt()).isEqualTo(-32020);
    }

    @Test
    void aStatelessToolCallRunsAsThePrincipalAndIsAudited() throws Exception {
        String url = start();
        HttpResponse<String> response = post(
                url,
                "2026-07-28",
                "tools/call",
                "server_info",
                request("tools/call", "2026-07-28", "\"name\":\"server_info\",\"arguments\":{}"));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode result = JSON.readTree(response.body()).get("result");
        assertThat(result.get("resultType").asString()).isEqualTo("complete");
        assertThat(result.at("/structuredContent/principal").asString()).isEqualTo("tester");
        assertThat(hal9.store().audit().recent(1)).singleElement().satisfies(row -> {
            assertThat(row.tool()).isEqualTo("server_info");
            assertThat(row.principal()).isEqualTo("tester");
        });
    }

    /** As in the session era: tools/list shows a token only what it may call, and calling the rest is refused. */
    @Test
    void aTokenSeesAndCallsOnlyItsCapabilities() throws Exception {
        String url = start(HttpServer.Auth.TOKEN);
        TokenStore.NewToken full = hal9.store().tokens().create("alice", "test", java.util.Set.of("*"));
        TokenStore.NewToken narrow = hal9.store().tokens().create("bob", "test", java.util.Set.of("browser"));
        assertThat(post(url, "2026-07-28", "tools/list", null, request("tools/list", "2026-07-28", ""), full.secret())
                        .body())
                .contains("\"server_info\"");
        JsonNode listed = JSON.readTree(post(
                                url,
                                "2026-07-28",
                                "tools/list",
                                null,
                                request("tools/list", "2026-07-28", ""),
                                narrow.secret())
                        .body())
                .at("/result/tools");
        assertThat(listed.toString()).doesNotContain("server_info");
        HttpResponse<String> denied = post(
                url,
                "2026-07-28",
                "tools/call",
                "server_info",
                request("tools/call", "2026-07-28", "\"name\":\"server_info\",\"arguments\":{}"),
                narrow.secret());
        JsonNode result = JSON.readTree(denied.body()).get("result");
        assertThat(result.get("isError").asBoolean()).isTrue();
        assertThat(result.at("/content/0/text").asString()).contains("'server' capability");
        assertThat(post(url, "2026-07-28", "tools/list", null, request("tools/list", "2026-07-28", ""))
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void removedMethodsAreNotFoundWithA404() throws Exception {
        String url = start();
        for (String method : List.of("initialize", "ping", "logging/setLevel", "resources/subscribe")) {
            HttpResponse<String> response = post(url, "2026-07-28", method, null, request(method, "2026-07-28", ""));
            assertThat(response.statusCode()).as(method).isEqualTo(404);
            assertThat(JSON.readTree(response.body()).at("/error/code").asInt())
                    .as(method)
                    .isEqualTo(-32601);
        }
    }

    @Test
    void initializeWithoutAClaimStillOpensASession() throws Exception {
        String url = start();
        HttpResponse<String> response = post(
                url,
                null,
                "initialize",
                null,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Mcp-Session-Id")).isPresent();
        assertThat(response.body()).contains("\"protocolVersion\":\"2025-11-25\"");
    }

    /** On stdio a dual-era client probes first, then a legacy one initializes: one process answers both. */
    @Test
    void stdioAnswersAProbeAndThenAnInitialize() throws Exception {
        start();
        String lines = request("server/discover", "2026-07-28", "") + "\n"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipedOutputStream client = new PipedOutputStream();
        StdioTransport transport = new StdioTransport(
                new PipedInputStream(client),
                out,
                Principal.local("tester"),
                hal9.cancellations(),
                hal9.unknownTools(),
                hal9::modern);
        hal9.serve(transport);
        Thread serving = Thread.ofVirtual().start(transport::run);
        client.write(lines.getBytes(StandardCharsets.UTF_8));
        client.flush();
        // both answers are written asynchronously; wait for the second line before ending stdin
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (out.toString(StandardCharsets.UTF_8).lines().count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        client.close();
        serving.join();
        String written = out.toString(StandardCharsets.UTF_8);
        assertThat(written).contains("\"supportedVersions\":[\"2026-07-28\"]");
        assertThat(written).contains("\"protocolVersion\":\"2025-11-25\"");
        assertThat(written).doesNotContain("-32603");
    }
}
