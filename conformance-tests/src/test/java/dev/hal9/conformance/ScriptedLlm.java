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
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()); // many users at once
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
        // Anthropic's Messages API: the same script, seen through an OpenAI-shaped view of the request
        server.createContext("/v1/messages", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            authorizations.add("x-api-key " + exchange.getRequestHeaders().getFirst("x-api-key") + " version "
                    + exchange.getRequestHeaders().getFirst("anthropic-version"));
            tools.jackson.databind.node.ObjectNode view = JSON.createObjectNode();
            view.put("model", request.path("model").asString());
            tools.jackson.databind.node.ArrayNode messages = view.putArray("messages");
            messages.addObject()
                    .put("role", "system")
                    .put("content", request.path("system").asString(""));
            for (JsonNode message : request.path("messages")) {
                for (JsonNode block : message.path("content")) {
                    switch (block.path("type").asString("")) {
                        case "text" ->
                            messages.addObject()
                                    .put("role", message.path("role").asString())
                                    .put("content", block.path("text").asString());
                        case "tool_result" ->
                            messages.addObject()
                                    .put("role", "tool")
                                    .put("content", block.path("content").asString());
                        default -> {}
                    }
                }
            }
            view.set("tools", request.path("tools"));
            Answer answer = script.apply(view);
            if (answer.status() != 200) {
                send(
                        exchange,
                        answer.status(),
                        Map.of(
                                "type",
                                "error",
                                "error",
                                Map.of("type", "overloaded_error", "message", "scripted failure")));
                return;
            }
            List<Map<String, Object>> content = answer.tool() == null
                    ? List.of(Map.of("type", "text", "text", answer.content()))
                    : List.of(Map.of(
                            "type",
                            "tool_use",
                            "id",
                            "toolu_" + requests.size(),
                            "name",
                            answer.tool(),
                            "input",
                            JSON.readValue(answer.arguments(), Map.class)));
            send(
                    exchange,
                    200,
                    Map.of(
                            "id",
                            "msg_" + requests.size(),
                            "type",
                            "message",
                            "role",
                            "assistant",
                            "model",
                            request.path("model").asString(),
                            "content",
                            content,
                            "stop_reason",
                            answer.tool() == null ? "end_turn" : "tool_use",
                            "usage",
                            Map.of("input_tokens", 100, "output_tokens", 20)));
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
