package dev.hal9.server.transport;

import dev.hal9.server.http.StreamableHttpTransport;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import reactor.core.publisher.Mono;

/**
 * The tools, prompts, resources and completions that the official MCP conformance suite
 * ({@code @modelcontextprotocol/conformance server}) calls, served only with {@code --conformance-fixtures}.
 * Their names, texts and shapes are the suite's; they are declared at the SDK level because the suite asks
 * for content (audio, embedded resources, hand-written 2020-12 schemas) that hal9's own tools never return.
 */
public final class ConformanceFixtures {

    /** A 1x1 PNG. */
    static final String PNG =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
    /** A tiny WAV. */
    static final String WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());

    private ConformanceFixtures() {}

    public static List<AsyncToolSpecification> tools() {
        return List.of(
                tool(
                        "test_simple_text",
                        "Tests simple text content response",
                        (exchange, request) -> result(text("This is a simple text response for testing."))),
                tool(
                        "test_image_content",
                        "Tests image content response",
                        (exchange, request) -> result(new McpSchema.ImageContent(null, PNG, "image/png"))),
                tool(
                        "test_audio_content",
                        "Tests audio content response",
                        (exchange, request) -> result(new McpSchema.AudioContent(null, WAV, "audio/wav"))),
                tool(
                        "test_embedded_resource",
                        "Tests embedded resource content response",
                        (exchange, request) -> result(new McpSchema.EmbeddedResource(
                                null,
                                new McpSchema.TextResourceContents(
                                        "test://embedded-resource",
                                        "text/plain",
                                        "This is an embedded resource content.")))),
                tool(
                        "test_multiple_content_types",
                        "Tests response with multiple content types (text, image, resource)",
                        (exchange, request) -> result(
                                text("Multiple content types test:"),
                                new McpSchema.ImageContent(null, PNG, "image/png"),
                                new McpSchema.EmbeddedResource(
                                        null,
                                        new McpSchema.TextResourceContents(
                                                "test://mixed-content-resource",
                                                "application/json",
                                                "{\"test\":\"data\",\"value\":123}")))),
                tool(
                        "test_tool_with_logging",
                        "Tests tool that emits log messages during execution",
                        (exchange, request) -> log(exchange, "Tool execution started")
                                .then(Mono.delay(Duration.ofMillis(50)))
                                .then(log(exchange, "Tool processing data"))
                                .then(Mono.delay(Duration.ofMillis(50)))
                                .then(log(exchange, "Tool execution completed"))
                                .then(result(text("Tool with logging executed successfully")))),
                tool(
                        "test_tool_with_progress",
                        "Tests tool that reports progress notifications",
                        (exchange, request) -> {
                            Object token = request.meta() == null
                                    ? null
                                    : request.meta().get("progressToken");
                            Object reported = token == null ? 0 : token;
                            return progress(exchange, reported, 0)
                                    .then(Mono.delay(Duration.ofMillis(50)))
                                    .then(progress(exchange, reported, 50))
                                    .then(Mono.delay(Duration.ofMillis(50)))
                                    .then(progress(exchange, reported, 100))
                                    .then(result(text(String.valueOf(reported))));
                        }),
                tool(
                        "test_error_handling",
                        "Tests error response handling",
                        (exchange, request) -> Mono.just(CallToolResult.builder()
                                .content(List.of(text("This tool intentionally returns an error for testing")))
                                .isError(true)
                                .build())),
                tool(
                        "test_reconnection",
                        "Tests SSE stream disconnection and client reconnection (SEP-1699). The server closes the "
                                + "stream mid-call and sends the result after the client reconnects.",
                        (exchange, request) -> Mono.deferContextual(context -> {
                            Runnable close = context.getOrDefault(StreamableHttpTransport.CLOSE_STREAM_KEY, null);
                            if (close != null) {
                                close.run();
                            }
                            return Mono.delay(Duration.ofMillis(100))
                                    .then(result(text("Reconnection test completed successfully. If you received "
                                            + "this, the client properly reconnected after stream closure.")));
                        })),
                tool(
                        "test_sampling",
                        "Tests server-initiated sampling (LLM completion request)",
                        schema(
                                Map.of(
                                        "prompt",
                                        Map.of("type", "string", "description", "The prompt to send to the LLM")),
                                "prompt"),
                        (exchange, request) -> exchange.createMessage(McpSchema.CreateMessageRequest.builder()
                                        .messages(List.of(new McpSchema.SamplingMessage(
                                                McpSchema.Role.USER,
                                                text(String.valueOf(
                                                        request.arguments().get("prompt"))))))
                                        .maxTokens(100)
                                        .build())
                                .flatMap(response -> result(text("LLM response: "
                                        + (response.content() instanceof TextContent t ? t.text() : "No response"))))
                                .onErrorResume(
                                        e -> result(text("Sampling not supported or error: " + e.getMessage())))),
                tool(
                        "test_elicitation",
                        "Tests server-initiated elicitation (user input request)",
                        schema(
                                Map.of(
                                        "message",
                                        Map.of("type", "string", "description", "The message to show the user")),
                                "message"),
                        (exchange, request) -> elicit(
                                exchange,
                                String.valueOf(request.arguments().get("message")),
                                Map.of(
                                        "type", "object",
                                        "properties",
                                                Map.of(
                                                        "response",
                                                        Map.of("type", "string", "description", "User's response")),
                                        "required", List.of("response")),
                                "User response: ")),
                tool(
                        "test_elicitation_sep1034_defaults",
                        "Tests elicitation with default values per SEP-1034",
                        (exchange, request) -> elicit(
                                exchange,
                                "Please review and update the form fields with defaults",
                                Map.of(
                                        "type", "object",
                                        "properties",
                                                ordered(
                                                        "name",
                                                                Map.of(
                                                                        "type",
                                                                        "string",
                                                                        "description",
                                                                        "User name",
                                                                        "default",
                                                                        "John Doe"),
                                                        "age",
                                                                Map.of(
                                                                        "type",
                                                                        "integer",
                                                                        "description",
                                                                        "User age",
                                                                        "default",
                                                                        30),
                                                        "score",
                                                                Map.of(
                                                                        "type",
                                                                        "number",
                                                                        "description",
                                                                        "User score",
                                                                        "default",
                                                                        95.5),
                                                        "status",
                                                                Map.of(
                                                                        "type", "string",
                                                                        "description", "User status",
                                                                        "enum",
                                                                                List.of(
                                                                                        "active",
                                                                                        "inactive",
                                                                                        "pending"),
                                                                        "default", "active"),
                                                        "verified",
                                                                Map.of(
                                                                        "type",
                                                                        "boolean",
                                                                        "description",
                                                                        "Verification status",
                                                                        "default",
                                                                        true)),
                                        "required", List.of()),
                                "Elicitation completed: ")),
                tool(
                        "test_elicitation_sep1330_enums",
                        "Tests elicitation with enum schema improvements per SEP-1330",
                        (exchange, request) -> elicit(
                                exchange,
                                "Please select options from the enum fields",
                                Map.of(
                                        "type", "object",
                                        "properties",
                                                ordered(
                                                        "untitledSingle",
                                                                Map.of(
                                                                        "type", "string",
                                                                        "description", "Select one option",
                                                                        "enum",
                                                                                List.of(
                                                                                        "option1", "option2",
                                                                                        "option3")),
                                                        "titledSingle",
                                                                Map.of(
                                                                        "type", "string",
                                                                        "description", "Select one option with titles",
                                                                        "oneOf",
                                                                                titled(
                                                                                        "const",
                                                                                        "First Option",
                                                                                        "Second Option",
                                                                                        "Third Option")),
                                                        "legacyEnum",
                                                                Map.of(
                                                                        "type",
                                                                        "string",
                                                                        "description",
                                                                        "Select one option (legacy)",
                                                                        "enum",
                                                                        List.of("opt1", "opt2", "opt3"),
                                                                        "enumNames",
                                                                        List.of(
                                                                                "Option One",
                                                                                "Option Two",
                                                                                "Option Three")),
                                                        "untitledMulti",
                                                                Map.of(
                                                                        "type",
                                                                        "array",
                                                                        "description",
                                                                        "Select multiple options",
                                                                        "minItems",
                                                                        1,
                                                                        "maxItems",
                                                                        3,
                                                                        "items",
                                                                        Map.of(
                                                                                "type",
                                                                                "string",
                                                                                "enum",
                                                                                List.of(
                                                                                        "option1", "option2",
                                                                                        "option3"))),
                                                        "titledMulti",
                                                                Map.of(
                                                                        "type",
                                                                        "array",
                                                                        "description",
                                                                        "Select multiple options with titles",
                                                                        "minItems",
                                                                        1,
                                                                        "maxItems",
                                                                        3,
                                                                        "items",
                                                                        Map.of(
                                                                                "anyOf",
                                                                                titled(
                                                                                        "const",
                                                                                        "First Choice",
                                                                                        "Second Choice",
                                                                                        "Third Choice")))),
                                        "required", List.of()),
                                "Elicitation completed: ")),
                tool(
                        "json_schema_2020_12_tool",
                        "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
                        jsonSchema202012(),
                        (exchange, request) -> result(text("JSON Schema 2020-12 tool called with: "
                                + dev.hal9.api.internal.Json.MAPPER.writeValueAsString(request.arguments())))));
    }

    public static List<AsyncResourceSpecification> resources() {
        return List.of(
                resource(
                        "test://static-text",
                        "static-text",
                        "Static Text Resource",
                        "A static text resource for testing",
                        "text/plain",
                        new McpSchema.TextResourceContents(
                                "test://static-text",
                                "text/plain",
                                "This is the content of the static text resource.")),
                resource(
                        "test://static-binary",
                        "static-binary",
                        "Static Binary Resource",
                        "A static binary resource (image) for testing",
                        "image/png",
                        new McpSchema.BlobResourceContents("test://static-binary", "image/png", PNG)),
                resource(
                        "test://watched-resource",
                        "watched-resource",
                        "Watched Resource",
                        "A resource that auto-updates every 3 seconds",
                        "text/plain",
                        new McpSchema.TextResourceContents(
                                "test://watched-resource", "text/plain", "Watched resource content")));
    }

    public static List<AsyncResourceTemplateSpecification> resourceTemplates() {
        McpSchema.ResourceTemplate template = McpSchema.ResourceTemplate.builder()
                .uriTemplate("test://template/{id}/data")
                .name("template")
                .title("Resource Template")
                .description("A resource template with parameter substitution")
                .mimeType("application/json")
                .build();
        return List.of(new AsyncResourceTemplateSpecification(template, (exchange, request) -> {
            String uri = request.uri();
            String id = uri.substring("test://template/".length(), uri.length() - "/data".length());
            String json = "{\"id\":\"" + id + "\",\"templateTest\":true,\"data\":\"Data for ID: " + id + "\"}";
            return Mono.just(new McpSchema.ReadResourceResult(
                    List.of(new McpSchema.TextResourceContents(uri, "application/json", json))));
        }));
    }

    public static List<AsyncPromptSpecification> prompts() {
        return List.of(
                new AsyncPromptSpecification(
                        new McpSchema.Prompt(
                                "test_simple_prompt",
                                "Simple Test Prompt",
                                "A simple prompt without arguments",
                                List.of()),
                        (exchange, request) -> Mono.just(new McpSchema.GetPromptResult(
                                null, List.of(user(text("This is a simple prompt for testing.")))))),
                new AsyncPromptSpecification(
                        new McpSchema.Prompt(
                                "test_prompt_with_arguments",
                                "Prompt With Arguments",
                                "A prompt with required arguments",
                                List.of(
                                        new McpSchema.PromptArgument("arg1", "First test argument", true),
                                        new McpSchema.PromptArgument("arg2", "Second test argument", true))),
                        (exchange, request) -> Mono.just(new McpSchema.GetPromptResult(
                                null,
                                List.of(user(text("Prompt with arguments: arg1='"
                                        + request.arguments().get("arg1") + "', arg2='"
                                        + request.arguments().get("arg2") + "'")))))),
                new AsyncPromptSpecification(
                        new McpSchema.Prompt(
                                "test_prompt_with_embedded_resource",
                                "Prompt With Embedded Resource",
                                "A prompt that includes an embedded resource",
                                List.of(new McpSchema.PromptArgument(
                                        "resourceUri", "URI of the resource to embed", true))),
                        (exchange, request) -> Mono.just(new McpSchema.GetPromptResult(
                                null,
                                List.of(
                                        user(new McpSchema.EmbeddedResource(
                                                null,
                                                new McpSchema.TextResourceContents(
                                                        String.valueOf(
                                                                request.arguments()
                                                                        .get("resourceUri")),
                                                        "text/plain",
                                                        "Embedded resource content for testing."))),
                                        user(text("Please process the embedded resource above.")))))),
                new AsyncPromptSpecification(
                        new McpSchema.Prompt(
                                "test_prompt_with_image",
                                "Prompt With Image",
                                "A prompt that includes image content",
                                List.of()),
                        (exchange, request) -> Mono.just(new McpSchema.GetPromptResult(
                                null,
                                List.of(
                                        user(new McpSchema.ImageContent(null, PNG, "image/png")),
                                        user(text("Please analyze the image above.")))))));
    }

    public static List<AsyncCompletionSpecification> completions() {
        List<String> words = List.of("paris", "park", "party", "test", "testing", "tested");
        return List.of(new AsyncCompletionSpecification(
                new McpSchema.PromptReference("test_prompt_with_arguments"), (exchange, request) -> {
                    String prefix =
                            request.argument() == null ? "" : request.argument().value();
                    List<String> matches = words.stream()
                            .filter(word -> word.startsWith(prefix))
                            .toList();
                    return Mono.just(new McpSchema.CompleteResult(
                            new McpSchema.CompleteResult.CompleteCompletion(matches, matches.size(), false)));
                }));
    }

    private static Map<String, Object> jsonSchema202012() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("type", "object");
        schema.put(
                "$defs",
                Map.of(
                        "address",
                        Map.of(
                                "$anchor", "addressDef",
                                "type", "object",
                                "properties",
                                        Map.of("street", Map.of("type", "string"), "city", Map.of("type", "string")))));
        schema.put(
                "properties",
                ordered(
                        "name", Map.of("type", "string"),
                        "address", Map.of("$ref", "#/$defs/address"),
                        "contactMethod", Map.of("type", "string", "enum", List.of("phone", "email")),
                        "phone", Map.of("type", "string"),
                        "email", Map.of("type", "string")));
        // SEP-2106: composition and conditional keywords survive the listing too
        schema.put(
                "allOf",
                List.of(Map.of(
                        "anyOf", List.of(Map.of("required", List.of("phone")), Map.of("required", List.of("email"))))));
        schema.put(
                "if",
                Map.of(
                        "properties", Map.of("contactMethod", Map.of("const", "phone")),
                        "required", List.of("contactMethod")));
        schema.put("then", Map.of("required", List.of("phone")));
        schema.put("else", Map.of("required", List.of("email")));
        schema.put("additionalProperties", false);
        return schema;
    }

    private static AsyncToolSpecification tool(
            String name,
            String description,
            BiFunction<McpAsyncServerExchange, McpSchema.CallToolRequest, Mono<CallToolResult>> handler) {
        return tool(name, description, NO_ARGUMENTS, handler);
    }

    private static AsyncToolSpecification tool(
            String name,
            String description,
            Map<String, Object> inputSchema,
            BiFunction<McpAsyncServerExchange, McpSchema.CallToolRequest, Mono<CallToolResult>> handler) {
        return AsyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder()
                        .name(name)
                        .description(description)
                        .inputSchema(inputSchema)
                        .build())
                .callHandler(handler)
                .build();
    }

    private static Map<String, Object> schema(Map<String, Object> properties, String required) {
        return Map.of("type", "object", "properties", properties, "required", List.of(required));
    }

    private static Mono<CallToolResult> elicit(
            McpAsyncServerExchange exchange, String message, Map<String, Object> requestedSchema, String prefix) {
        return exchange.createElicitation(McpSchema.ElicitRequest.builder()
                        .message(message)
                        .requestedSchema(requestedSchema)
                        .build())
                .flatMap(answer ->
                        result(text(prefix + "action=" + answer.action().name().toLowerCase()
                                + ", content="
                                + dev.hal9.api.internal.Json.MAPPER.writeValueAsString(
                                        answer.content() == null ? Map.of() : answer.content()))))
                .onErrorResume(e -> result(text("Elicitation not supported or error: " + e.getMessage())));
    }

    private static AsyncResourceSpecification resource(
            String uri,
            String name,
            String title,
            String description,
            String mimeType,
            McpSchema.ResourceContents contents) {
        McpSchema.Resource resource = McpSchema.Resource.builder()
                .uri(uri)
                .name(name)
                .title(title)
                .description(description)
                .mimeType(mimeType)
                .build();
        return new AsyncResourceSpecification(
                resource, (exchange, request) -> Mono.just(new McpSchema.ReadResourceResult(List.of(contents))));
    }

    private static Mono<Void> log(McpAsyncServerExchange exchange, String message) {
        return exchange.loggingNotification(McpSchema.LoggingMessageNotification.builder()
                .level(McpSchema.LoggingLevel.INFO)
                .logger("conformance-test-server")
                .data(message)
                .build());
    }

    private static Mono<Void> progress(McpAsyncServerExchange exchange, Object token, int done) {
        return exchange.progressNotification(
                new McpSchema.ProgressNotification(token, (double) done, 100.0, "Completed step " + done + " of 100"));
    }

    private static Mono<CallToolResult> result(Content... content) {
        return Mono.just(CallToolResult.builder()
                .content(List.of(content))
                .isError(false)
                .build());
    }

    private static TextContent text(String text) {
        return new TextContent(text);
    }

    private static McpSchema.PromptMessage user(Content content) {
        return new McpSchema.PromptMessage(McpSchema.Role.USER, content);
    }

    private static List<Map<String, Object>> titled(String key, String... titles) {
        return java.util.stream.IntStream.range(0, titles.length)
                .mapToObj(i -> Map.<String, Object>of(key, "value" + (i + 1), "title", titles[i]))
                .toList();
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
