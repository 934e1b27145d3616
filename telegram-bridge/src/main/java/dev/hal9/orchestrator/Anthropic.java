package dev.hal9.orchestrator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Anthropic's Messages API with tool use: POST {base}/messages, the system prompt apart, tool calls as
 * {@code tool_use} blocks and their answers as {@code tool_result} blocks in the next user message. The key is
 * sent in {@code x-api-key} and appears in no message.
 */
public final class Anthropic implements ChatModel {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String VERSION = "2023-06-01";

    private final String base;
    private final String model;
    private final String apiKey;
    private final Duration timeout;
    private final int maxTokens;
    private final HttpClient http;

    /** @param base the API base, e.g. https://api.anthropic.com/v1 */
    public Anthropic(String base, String model, String apiKey, Duration timeout, int maxTokens) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.maxTokens = maxTokens;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Reply next(List<Message> conversation, List<ToolSpec> tools) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("max_tokens", maxTokens);
        StringBuilder system = new StringBuilder();
        List<Map<String, Object>> messages = new ArrayList<>();
        for (Message m : conversation) {
            switch (m.role()) {
                case "system" -> system.append(system.isEmpty() ? "" : "\n\n").append(m.content());
                case "user" -> messages.add(Map.of("role", "user", "content", List.of(text(m.content()))));
                case "assistant" -> {
                    List<Map<String, Object>> blocks = new ArrayList<>();
                    if (m.content() != null && !m.content().isBlank()) {
                        blocks.add(text(m.content()));
                    }
                    for (ToolCall call : m.toolCalls()) {
                        Map<String, Object> use = new LinkedHashMap<>();
                        use.put("type", "tool_use");
                        use.put("id", call.id());
                        use.put("name", call.name());
                        use.put("input", arguments(call.arguments()));
                        blocks.add(use);
                    }
                    messages.add(Map.of("role", "assistant", "content", blocks.isEmpty() ? List.of(text("")) : blocks));
                }
                case "tool" -> {
                    Map<String, Object> result =
                            Map.of("type", "tool_result", "tool_use_id", m.toolCallId(), "content", m.content());
                    Map<String, Object> previous = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                    if (previous != null
                            && "user".equals(previous.get("role"))
                            && previous.get("content") instanceof List<?> blocks
                            && !blocks.isEmpty()
                            && blocks.get(0) instanceof Map<?, ?> first
                            && "tool_result".equals(first.get("type"))) {
                        // several results answer one assistant turn: they travel in one user message
                        List<Object> merged = new ArrayList<>(blocks);
                        merged.add(result);
                        messages.set(messages.size() - 1, Map.of("role", "user", "content", merged));
                    } else {
                        messages.add(Map.of("role", "user", "content", List.of(result)));
                    }
                }
                default -> throw new IllegalArgumentException("unknown role " + m.role());
            }
        }
        if (!system.isEmpty()) {
            body.put("system", system.toString());
        }
        body.put("messages", messages);
        if (!tools.isEmpty()) {
            body.put(
                    "tools",
                    tools.stream()
                            .map(t -> Map.of(
                                    "name", t.name(), "description", t.description(), "input_schema", t.parameters()))
                            .toList());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/messages"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("anthropic-version", VERSION)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("x-api-key", apiKey);
        }
        JsonNode answer = ModelHttp.exchange(http, request.build(), timeout, base);
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : answer.path("content")) {
            switch (block.path("type").asString("")) {
                case "text" -> content.append(block.path("text").asString(""));
                case "tool_use" ->
                    calls.add(new ToolCall(
                            block.path("id").asString(),
                            block.path("name").asString(),
                            JSON.writeValueAsString(block.path("input"))));
                default -> {
                    // thinking and other blocks are not part of the conversation we keep
                }
            }
        }
        JsonNode usage = answer.path("usage");
        return new Reply(
                content.isEmpty() ? null : content.toString(),
                calls,
                usage.path("input_tokens").asInt(0)
                        + usage.path("output_tokens").asInt(0));
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text == null ? "" : text);
    }

    private static Map<String, Object> arguments(String json) {
        try {
            return json == null || json.isBlank()
                    ? Map.of()
                    : JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
        } catch (RuntimeException e) {
            return Map.of();
        }
    }
}
