package dev.hal9.orchestrator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's chat completions API with tool calling, as OpenAI and every compatible server speak it (vLLM, LM
 * Studio, Ollama's /v1, OpenRouter): POST {base}/chat/completions. The API key is sent as a bearer token and
 * appears in no message.
 */
public final class OpenAiCompatible implements ChatModel {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final String model;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base the API base, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1
     * @param apiKey the key, or null for servers that need none
     */
    public OpenAiCompatible(String base, String model, String apiKey, Duration timeout) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Reply next(List<Message> conversation, List<ToolSpec> tools) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        List<Map<String, Object>> messages = new ArrayList<>();
        for (Message m : conversation) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            if (!m.toolCalls().isEmpty()) {
                message.put(
                        "tool_calls",
                        m.toolCalls().stream()
                                .map(c -> Map.of(
                                        "id", c.id(),
                                        "type", "function",
                                        "function", Map.of("name", c.name(), "arguments", c.arguments())))
                                .toList());
            }
            if (m.toolCallId() != null) {
                message.put("tool_call_id", m.toolCallId());
            }
            messages.add(message);
        }
        body.put("messages", messages);
        if (!tools.isEmpty()) {
            body.put(
                    "tools",
                    tools.stream()
                            .map(t -> Map.of(
                                    "type",
                                    "function",
                                    "function",
                                    Map.of(
                                            "name",
                                            t.name(),
                                            "description",
                                            t.description(),
                                            "parameters",
                                            t.parameters())))
                            .toList());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        JsonNode answer = ModelHttp.exchange(http, request.build(), timeout, base);
        JsonNode message = answer.path("choices").path(0).path("message");
        if (message.isMissingNode()) {
            throw new ModelException("the model's API answered without a message");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(new ToolCall(
                    call.path("id").asString(),
                    call.path("function").path("name").asString(),
                    call.path("function").path("arguments").asString("{}")));
        }
        String content =
                message.path("content").isString() ? message.path("content").asString() : null;
        return new Reply(
                content, calls, answer.path("usage").path("total_tokens").asInt(0));
    }
}
