package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 2: one principal could lock everyone out. A {@code chain.read} token opened 9,999 MCP sessions in
 * 12 s, reaching the global cap; everyone else got 503 and /health stayed 200. Now each principal has a cap on
 * sessions and on GET streams, and readiness answers 503 with a reason when every session slot is taken. The server
 * here runs with small caps (4 sessions, 2 per principal, 1 stream per principal) so that they are quick to reach.
 */
class SessionLimitsTest {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void onePrincipalCannotTakeEverySessionAndReadinessReportsSaturation() throws Exception {
        try (PackagedServer server = PackagedServer.http(
                PackagedServer.newHome(),
                Map.of(
                        "HAL9_SERVER_SESSIONS_MAX", "4",
                        "HAL9_SERVER_SESSIONS_PER__PRINCIPAL", "2",
                        "HAL9_SERVER_STREAMS_PER__PRINCIPAL", "1"),
                "--auth",
                "token")) {
            String alice = token(server, "alice");
            String bob = token(server, "bob");
            String carol = token(server, "carol");

            String first = initialize(server, alice)
                    .headers()
                    .firstValue("Mcp-Session-Id")
                    .orElseThrow();
            assertThat(initialize(server, alice).statusCode()).isEqualTo(200);
            HttpResponse<String> third = initialize(server, alice);
            assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
            assertThat(third.body()).contains("server.sessions.per-principal");

            // alice's cap left room for others; filling the server is what readiness reports
            assertThat(health(server).statusCode()).isEqualTo(200);
            assertThat(initialize(server, bob).statusCode()).isEqualTo(200);
            assertThat(initialize(server, bob).statusCode()).isEqualTo(200);
            HttpResponse<String> full = health(server);
            assertThat(full.statusCode()).as(full.body()).isEqualTo(503);
            assertThat(full.body()).contains("\"sessions\":\"SATURATED\"", "server.sessions.max");
            assertThat(initialize(server, carol).statusCode()).isEqualTo(503);

            HttpResponse<String> ended = http.send(
                    request(server, alice)
                            .header("Mcp-Session-Id", first)
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ended.statusCode()).isEqualTo(200);
            assertThat(health(server).statusCode()).isEqualTo(200);
            assertThat(initialize(server, carol).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void onePrincipalHasACapOnOpenStreams() throws Exception {
        try (PackagedServer server = PackagedServer.http(
                PackagedServer.newHome(), Map.of("HAL9_SERVER_STREAMS_PER__PRINCIPAL", "1"), "--auth", "token")) {
            String alice = token(server, "alice");
            String session = initialize(server, alice)
                    .headers()
                    .firstValue("Mcp-Session-Id")
                    .orElseThrow();
            HttpRequest listen = request(server, alice)
                    .header("Mcp-Session-Id", session)
                    .header("Accept", "text/event-stream")
                    .GET()
                    .build();
            HttpResponse<java.io.InputStream> open = http.send(listen, HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream stream = open.body()) {
                assertThat(open.statusCode()).isEqualTo(200);
                // a server without the cap opens this stream too, and its body never ends: read only what a
                // refusal carries
                HttpResponse<java.io.InputStream> second = http.send(listen, HttpResponse.BodyHandlers.ofInputStream());
                try (java.io.InputStream refused = second.body()) {
                    assertThat(second.statusCode()).isEqualTo(429);
                    assertThat(new String(refused.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                            .contains("server.streams.per-principal");
                }
            }
        }
    }

    @Test
    void onePrincipalCannotHoldEveryLegacySseConnection() throws Exception {
        try (PackagedServer server = PackagedServer.http(
                PackagedServer.newHome(),
                Map.of("HAL9_SERVER_SESSIONS_MAX", "2", "HAL9_SERVER_STREAMS_PER__PRINCIPAL", "1"),
                "--auth",
                "token")) {
            String alice = token(server, "alice");
            String bob = token(server, "bob");
            String carol = token(server, "carol");
            try (java.io.InputStream first = sse(server, alice, 200)) {
                // a server without the cap opens this one too, and its body never ends: read only a refusal's
                assertThat(refusal(server, alice, 429)).contains("server.streams.per-principal");
                try (java.io.InputStream second = sse(server, bob, 200)) {
                    HttpResponse<String> full = health(server);
                    assertThat(full.statusCode()).as(full.body()).isEqualTo(503);
                    assertThat(full.body()).contains("\"sessions\":\"SATURATED\"");
                    assertThat(refusal(server, carol, 503)).contains("server.sessions.max");
                }
            }
        }
    }

    private java.io.InputStream sse(PackagedServer server, String secret, int status) throws Exception {
        HttpResponse<java.io.InputStream> open = http.send(
                HttpRequest.newBuilder(URI.create(server.base() + "/sse"))
                        .header("Authorization", "Bearer " + secret)
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (open.statusCode() != status) {
            open.body().close();
        }
        assertThat(open.statusCode()).isEqualTo(status);
        return open.body();
    }

    private String refusal(PackagedServer server, String secret, int status) throws Exception {
        try (java.io.InputStream refused = sse(server, secret, status)) {
            return new String(refused.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private String token(PackagedServer server, String principal) {
        Peers.Result created = server.cli("token", "create", "--principal", principal, "--capability", "chain.read");
        assertThat(created.exit()).as(created.stderr()).isZero();
        return created.stdout().strip();
    }

    private HttpResponse<String> initialize(PackagedServer server, String secret) throws Exception {
        return http.send(
                request(server, secret)
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json, text/event-stream")
                        .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> health(PackagedServer server) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.base() + "/health/ready"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(PackagedServer server, String secret) {
        return HttpRequest.newBuilder(URI.create(server.mcpUrl()))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + secret);
    }
}
