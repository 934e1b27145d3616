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
 * A stand-in for the LLM providers (none can be reached here), whose answers a test scripts from the request it
 * receives, seen in OpenAI's shape whatever the provider. Speaks each provider's real wire format:
 *
 * <ul>
 *   <li>OpenAI chat completions ({@code POST /v1/chat/completions}, key as {@code Authorization: Bearer}):
 *       choices[0].message with content and/or tool_calls (function name + JSON arguments text), usage.total_tokens,
 *       and {"error":{...}} with a non-200 status;
 *   <li>Anthropic messages ({@code POST /v1/messages}, {@code x-api-key} and {@code anthropic-version}): content
 *       blocks text / tool_use (input an object), stop_reason, usage; {"type":"error","error":{...}};
 *   <li>Ollama chat ({@code POST /api/chat}, not streamed): message with content and/or tool_calls (arguments an
 *       object), done, done_reason, prompt_eval_count / eval_count; {"error":"..."} with a non-200 status;
 *   <li>Gemini generateContent ({@code POST /v1beta/models/MODEL:generateContent}, key in {@code x-goog-api-key}):
 *       candidates[0].content.parts with text / functionCall (args an object), finishReason, usageMetadata;
 *       {"error":{"code","message","status"}}.
 * </ul>
 *
 * Test code only.
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
    /** OpenAI's and Anthropic's base URL (with /v1), as hal9's base-url setting names them. */
    final String url;
    /** The server's root, the base URL of Ollama and Gemini. */
    final String root;
    /** The model names in the paths of Gemini requests. */
    final List<String> paths = new CopyOnWriteArrayList<>();

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
            messages.addObject().put("role", "system").put("content", anthropicText(request.path("system")));
            for (JsonNode message : request.path("messages")) {
                JsonNode content = message.path("content");
                if (content.isString()) { // the API takes a string for one text block
                    messages.addObject()
                            .put("role", message.path("role").asString())
                            .put("content", content.asString());
                    continue;
                }
                for (JsonNode block : content) {
                    switch (block.path("type").asString("")) {
                        case "text" ->
                            messages.addObject()
                                    .put("role", message.path("role").asString())
                                    .put("content", block.path("text").asString());
                        case "tool_result" ->
                            messages.addObject()
                                    .put("role", "tool")
                                    .put("content", anthropicText(block.path("content")));
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
        // Ollama's /api/chat: messages already have OpenAI's roles (system, user, assistant, tool)
        server.createContext("/api/chat", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            tools.jackson.databind.node.ObjectNode view = JSON.createObjectNode();
            view.put("model", request.path("model").asString());
            tools.jackson.databind.node.ArrayNode messages = view.putArray("messages");
            for (JsonNode message : request.path("messages")) {
                messages.addObject()
                        .put("role", message.path("role").asString())
                        .put("content", message.path("content").asString(""));
            }
            view.set("tools", request.path("tools"));
            Answer answer = script.apply(view);
            if (answer.status() != 200) {
                send(exchange, answer.status(), Map.of("error", "scripted failure"));
                return;
            }
            Map<String, Object> message = answer.tool() == null
                    ? Map.of("role", "assistant", "content", answer.content())
                    : Map.of(
                            "role",
                            "assistant",
                            "content",
                            "",
                            "tool_calls",
                            List.of(Map.of(
                                    "function",
                                    Map.of(
                                            "name",
                                            answer.tool(),
                                            "arguments",
                                            JSON.readValue(answer.arguments(), Map.class)))));
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("model", request.path("model").asString());
            body.put("created_at", "2026-12-04T12:00:00.000000Z");
            body.put("message", message);
            body.put("done_reason", "stop");
            body.put("done", true);
            body.put("total_duration", 1_000_000);
            body.put("prompt_eval_count", 100);
            body.put("eval_count", 20);
            send(exchange, 200, body);
        });
        // Gemini's generateContent: systemInstruction, contents of user/model turns with text, functionCall and
        // functionResponse parts
        server.createContext("/v1beta/models/", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            paths.add(exchange.getRequestURI().getPath());
            authorizations.add("x-goog-api-key " + exchange.getRequestHeaders().getFirst("x-goog-api-key"));
            tools.jackson.databind.node.ObjectNode view = JSON.createObjectNode();
            String path = exchange.getRequestURI().getPath();
            view.put("model", path.substring("/v1beta/models/".length(), path.lastIndexOf(':')));
            tools.jackson.databind.node.ArrayNode messages = view.putArray("messages");
            StringBuilder system = new StringBuilder();
            request.path("systemInstruction")
                    .path("parts")
                    .forEach(part -> system.append(part.path("text").asString("")));
            messages.addObject().put("role", "system").put("content", system.toString());
            for (JsonNode content : request.path("contents")) {
                String role = content.path("role").asString().equals("model") ? "assistant" : "user";
                for (JsonNode part : content.path("parts")) {
                    if (part.has("text")) {
                        messages.addObject()
                                .put("role", role)
                                .put("content", part.path("text").asString());
                    } else if (part.has("functionResponse")) {
                        messages.addObject()
                                .put("role", "tool")
                                .put(
                                        "content",
                                        part.path("functionResponse")
                                                .path("response")
                                                .toString());
                    }
                }
            }
            tools.jackson.databind.node.ArrayNode declarations = view.putArray("tools");
            request.path("tools")
                    .forEach(tool -> tool.path("functionDeclarations").forEach(declarations::add));
            Answer answer = script.apply(view);
            if (answer.status() != 200) {
                send(
                        exchange,
                        answer.status(),
                        Map.of(
                                "error",
                                Map.of(
                                        "code",
                                        answer.status(),
                                        "message",
                                        "scripted failure",
                                        "status",
                                        "UNAVAILABLE")));
                return;
            }
            Map<String, Object> part = answer.tool() == null
                    ? Map.of("text", answer.content())
                    : Map.of(
                            "functionCall",
                            Map.of("name", answer.tool(), "args", JSON.readValue(answer.arguments(), Map.class)));
            send(
                    exchange,
                    200,
                    Map.of(
                            "candidates",
                            List.of(Map.of(
                                    "content",
                                    Map.of("role", "model", "parts", List.of(part)),
                                    "finishReason",
                                    "STOP",
                                    "index",
                                    0)),
                            "usageMetadata",
                            Map.of("promptTokenCount", 100, "candidatesTokenCount", 20, "totalTokenCount", 120),
                            "modelVersion",
                            view.path("model").asString()));
        });
        server.start();
        root = "http://127.0.0.1:" + server.getAddress().getPort();
        url = root + "/v1";
    }

    /** Anthropic's system prompt and tool results are a string or a list of text blocks. */
    private static String anthropicText(JsonNode content) {
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(block -> text.append(block.path("text").asString("")));
        return text.toString();
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
