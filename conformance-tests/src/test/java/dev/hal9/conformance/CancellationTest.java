package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * notifications/cancelled from a client written by others (the TS SDK, on abort) stops the call in flight:
 * the 30 s wait ends at once, /metrics counts it as cancelled, and the server goes on serving.
 */
class CancellationTest {

    private static final Pattern CANCELLED = Pattern.compile(
            "hal9_tool_calls_total\\{[^}]*hal9_outcome=\"cancelled\"[^}]*mcp_tool_name=\"browser_wait\"[^}]*\\} (\\d+)");

    @Test
    void anAbortedCallIsCancelledOnTheServer() throws Exception {
        try (PackagedServer server = PackagedServer.http()) {
            Peers.Result result = Peers.run(
                    List.of(Peers.node22(), "clients/cancel-client.mjs", server.mcpUrl()),
                    PackagedServer.environment(server.home),
                    Duration.ofSeconds(90));
            assertThat(result.exit()).as(result.stderr()).isZero();
            JsonNode seen = JsonMapper.builder()
                    .build()
                    .readTree(
                            result.stdout().strip().lines().reduce((a, b) -> b).orElseThrow());
            assertThat(seen.get("aborted").asBoolean()).isTrue();
            assertThat(seen.get("abortedAfterMs").asLong()).isLessThan(20_000);
            assertThat(seen.get("stillServing").asBoolean()).isTrue();

            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String metrics = "";
            while (System.nanoTime() < deadline) {
                metrics = http.send(
                                HttpRequest.newBuilder(URI.create(server.base() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                if (CANCELLED.matcher(metrics).find()) {
                    break;
                }
                Thread.sleep(200);
            }
            Matcher matcher = CANCELLED.matcher(metrics);
            assertThat(matcher.find())
                    .as("a cancelled browser_wait in /metrics:%n%s", metrics)
                    .isTrue();
            assertThat(matcher.group(1)).isEqualTo("1");
        }
    }
}
