package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for an LLM provider (none can be reached here): an OpenAI-compatible chat completions endpoint
 * whose answers a test scripts from the request it receives. Speaks the real wire format: choices[0].message with
 * content and/or tool_calls (function name + JSON arguments text), usage.total_tokens, and {"error":{...}}
 * with a non-200 status. Test code only.
 */
final class ScriptedLlm implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What the script answers: text, a tool call, or an HTTP error. */
    record Answer(String content, String tool, String arguments, int status) {
        static Answer say(String text) {
            return new Answer(text, null, null, 200);
        }

        static Answer call(String tool, String arguments) {
            return new Answer(null, tool, arguments, 200);
        }

        static Answer fail(int status) {
            return new Answer(null, null, null, status);
        }
    }

    private final HttpServer server;
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final String url;

    ScriptedLlm(Function<JsonNode, Answer> script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Answer answer = script.apply(request);
            if (answer.status() != 200) {
                send(
                        exchange,
                        answer.status(),
                        Map.of("error", Map.of("message", "scripted failure", "type", "server_error")));
                return;
            }
            Map<String, Object> message = answer.tool() == null
                    ? Map.of("role", "assistant", "content", answer.content())
                    : Map.of(
                            "role",
                            "assistant",
                            "tool_calls",
                            List.of(Map.of(
                                    "id",
                                    "call_" + requests.size(),
                                    "type",
                                    "function",
                                    "function",
                                    Map.of("name", answer.tool(), "arguments", answer.arguments()))));
            send(
                    exchange,
                    200,
                    Map.of(
                            "id", "chatcmpl-" + requests.size(),
                            "object", "chat.completion",
                            "model", request.path("model").asString(),
                            "choices",
                                    List.of(Map.of(
                                            "index",
                                            0,
                                            "message",
                                            message,
                                            "finish_reason",
                                            answer.tool() == null ? "stop" : "tool_calls")),
                            "usage", Map.of("prompt_tokens", 100, "completion_tokens", 20, "total_tokens", 120)));
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] json = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        exchange.getResponseBody().write(json);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
