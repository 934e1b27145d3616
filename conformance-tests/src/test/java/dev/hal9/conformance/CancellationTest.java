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

    /** The same over stdio, with the notification written by hand as a client would send it. */
    @Test
    void notificationsCancelledStopsACallOverStdio() throws Exception {
        java.nio.file.Path home = PackagedServer.newHome();
        ProcessBuilder builder = new ProcessBuilder(PackagedServer.stdioCommand(home));
        builder.environment().putAll(PackagedServer.environment(home));
        Process process = builder.start();
        Peers.drain(process.getErrorStream());
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread.ofVirtual().start(() -> {
            try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        var stdin = process.getOutputStream();
        java.util.function.Consumer<String> send = line -> {
            try {
                stdin.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                stdin.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            send.accept("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}");
            assertThat(lines.poll(30, java.util.concurrent.TimeUnit.SECONDS)).contains("protocolVersion");
            send.accept("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            send.accept("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                    + "\"browser_session\",\"arguments\":{\"action\":\"open\"}}}");
            String opened = lines.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            Matcher session = Pattern.compile("\"session\":\"(bs_[a-z0-9]+)\"").matcher(String.valueOf(opened));
            assertThat(session.find()).as(opened).isTrue();
            send.accept("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"browser_wait\","
                    + "\"arguments\":{\"session\":\"" + session.group(1) + "\",\"until\":\"time\",\"value\":\"30000\","
                    + "\"snapshot\":false},\"_meta\":{\"progressToken\":\"wait-3\"}}}");
            // the wait is running once it reports its first progress
            String progress = lines.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(progress).as("browser_wait's progress").contains("notifications/progress", "wait-3");
            send.accept("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":3,"
                    + "\"reason\":\"changed my mind\"}}");
            String answer;
            do { // progress the wait reported before it saw the cancellation
                answer = lines.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            } while (answer != null && answer.contains("notifications/progress"));
            // a wait of 30 s that answers "cancelled" ended on the cancellation, not on its own
            assertThat(answer).as("the wait ends on the cancellation").contains("\"id\":3", "cancelled");
        } finally {
            stdin.close();
            process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

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
            // aborted: the call threw on the abort, before the 30 s wait could answer (how long it took is in the
            // output, for people; no test asserts time)
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
