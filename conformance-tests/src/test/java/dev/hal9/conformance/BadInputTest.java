package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Thousands of malformed or hostile messages over stdio and HTTP. Each must be answered with a JSON-RPC error
 * (or a tool result flagged isError, for arguments a tool rejects) or an HTTP 4xx; none may crash or wedge
 * the server, and a valid call afterwards must still work.
 */
class BadInputTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MESSAGES = 2_000;
    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}";
    private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    private static final String VALID_CALL = "{\"jsonrpc\":\"2.0\",\"id\":\"ok\",\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"server_info\",\"arguments\":{}}}";

    @Test
    void stdioAnswersEveryBadLineAndKeepsServing() throws Exception {
        Path home = PackagedServer.newHome();
        ProcessBuilder builder = new ProcessBuilder(PackagedServer.stdioCommand(home));
        builder.environment().putAll(PackagedServer.environment(home));
        Process process = builder.start();
        Peers.Drain stderr = Peers.drain(process.getErrorStream());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        OutputStream stdin = process.getOutputStream();
        try {
            send(stdin, INITIALIZE);
            assertThat(next(lines, stderr)).contains("\"protocolVersion\"");
            send(stdin, INITIALIZED);

            List<BadMessages.Case> cases = BadMessages.generate(9, MESSAGES);
            for (int i = 0; i < cases.size(); i++) {
                BadMessages.Case bad = cases.get(i);
                send(stdin, bad.body().replace("\n", " "));
                String answer = next(lines, stderr);
                assertThat(rejects(JSON.readTree(answer)))
                        .as("case %d (%s) %s -> %s", i, bad.kind(), clip(bad.body()), clip(answer))
                        .isTrue();
                if (i % 250 == 0) {
                    send(stdin, VALID_CALL);
                    assertThat(next(lines, stderr)).contains("\"isError\":false");
                }
            }
            send(stdin, VALID_CALL);
            assertThat(next(lines, stderr)).contains("\"id\":\"ok\"", "\"isError\":false");
            assertThat(process.isAlive()).isTrue();
        } finally {
            stdin.close();
            assertThat(process.waitFor(20, TimeUnit.SECONDS))
                    .as("exits when stdin closes")
                    .isTrue();
        }
        assertThat(process.exitValue()).isZero();
    }

    @Test
    void httpAnswersEveryBadRequestAndKeepsServing() throws Exception {
        // The rebinding cases send a Host header; the pom allows it (jdk.httpclient.allowRestrictedHeaders).
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (PackagedServer server = PackagedServer.http()) {
            URI mcp = URI.create(server.mcpUrl());
            HttpResponse<String> init =
                    http.send(post(mcp, null).POST(body(INITIALIZE)).build(), text());
            String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            http.send(post(mcp, session).POST(body(INITIALIZED)).build(), text());

            List<BadMessages.Case> cases = BadMessages.generate(11, MESSAGES);
            for (int i = 0; i < cases.size(); i++) {
                BadMessages.Case bad = cases.get(i);
                HttpResponse<String> response =
                        http.send(post(mcp, session).POST(body(bad.body())).build(), text());
                assertThat(rejected(response))
                        .as(
                                "case %d (%s) %s -> %d %s",
                                i, bad.kind(), clip(bad.body()), response.statusCode(), clip(response.body()))
                        .isTrue();
            }
            List<HttpRequest> hostile = hostileRequests(mcp, session, new Random(13));
            for (HttpRequest request : hostile) {
                HttpResponse<String> response = http.send(request, text());
                assertThat(response.statusCode())
                        .as(
                                "%s %s %s -> %s",
                                request.method(),
                                request.uri(),
                                request.headers().map(),
                                clip(response.body()))
                        .isBetween(400, 499);
            }
            assertThat(MESSAGES + hostile.size()).isGreaterThanOrEqualTo(2_300);

            HttpResponse<String> valid =
                    http.send(post(mcp, session).POST(body(VALID_CALL)).build(), text());
            assertThat(valid.statusCode()).isEqualTo(200);
            assertThat(valid.body()).contains("\"isError\":false");
            assertThat(server.alive()).isTrue();
        }
    }

    /** Requests that are wrong at the HTTP level: sessions, headers, methods, sizes, origins. */
    private static List<HttpRequest> hostileRequests(URI mcp, String session, Random random) {
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            requests.add(post(mcp, UUID.randomUUID().toString())
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(post(mcp, null).POST(body(VALID_CALL)).build());
            requests.add(post(mcp, session)
                    .setHeader(
                            "MCP-Protocol-Version",
                            pick(random, "1999-01-01", "latest", "", "2025-13-45", "x".repeat(500)))
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(post(mcp, session)
                    .setHeader("Origin", "http://" + word(random) + ".example.com")
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(post(mcp, session)
                    .setHeader("Host", word(random) + ".attacker.test")
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(post(mcp, session)
                    .setHeader("Content-Type", pick(random, "text/plain", "application/xml", "multipart/form-data"))
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(post(mcp, session)
                    .setHeader("Accept", pick(random, "text/html", "application/json", "text/event-stream"))
                    .POST(body(VALID_CALL))
                    .build());
            requests.add(HttpRequest.newBuilder(mcp)
                    .header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", UUID.randomUUID().toString())
                    .GET()
                    .build());
            requests.add(HttpRequest.newBuilder(mcp)
                    .header("Mcp-Session-Id", UUID.randomUUID().toString())
                    .DELETE()
                    .build());
            requests.add(HttpRequest.newBuilder(
                            URI.create(mcp.toString().replace("/mcp", "/message?sessionId=" + word(random))))
                    .header("Content-Type", "application/json")
                    .POST(body(VALID_CALL))
                    .build());
        }
        for (int i = 0; i < 3; i++) {
            // with Expect: 100-continue the 413 comes before the body is sent, as a careful client does it;
            // without it the server answers 413 and closes while the client may still be writing
            requests.add(post(mcp, session)
                    .expectContinue(true)
                    .POST(body("{\"x\":\"" + "a".repeat(5 * 1024 * 1024) + "\"}"))
                    .build());
        }
        return requests;
    }

    private static boolean rejects(JsonNode answer) {
        return answer.has("error") && answer.get("error").has("code")
                || answer.at("/result/isError").asBoolean(false);
    }

    private static boolean rejected(HttpResponse<String> response) {
        if (response.statusCode() >= 400 && response.statusCode() < 500) {
            return true;
        }
        if (response.statusCode() != 200) {
            return false;
        }
        String body = response.body();
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            body = body.lines()
                    .filter(line -> line.startsWith("data: {"))
                    .map(line -> line.substring(6))
                    .reduce((first, last) -> last)
                    .orElse("{}");
        }
        return rejects(JSON.readTree(body));
    }

    private static HttpRequest.Builder post(URI mcp, String session) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(mcp)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (session != null) {
            builder.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return builder;
    }

    private static HttpRequest.BodyPublisher body(String text) {
        return HttpRequest.BodyPublishers.ofString(text);
    }

    private static HttpResponse.BodyHandler<String> text() {
        return HttpResponse.BodyHandlers.ofString();
    }

    private static void send(OutputStream stdin, String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    private static String next(BlockingQueue<String> lines, Peers.Drain stderr) throws InterruptedException {
        String line = lines.poll(20, TimeUnit.SECONDS);
        assertThat(line)
                .as("an answer within 20 s; server log:%n%s", stderr.text())
                .isNotNull();
        return line;
    }

    private static String pick(Random random, String... values) {
        return values[random.nextInt(values.length)];
    }

    private static String word(Random random) {
        return Long.toString(Math.abs(random.nextLong()), 36);
    }

    private static String clip(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…(" + text.length() + ")" : text;
    }
}
