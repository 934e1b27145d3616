package dev.hal9.server.transport;

import io.modelcontextprotocol.modern.McpSchema.CallToolOutcome;
import io.modelcontextprotocol.modern.McpSchema.CallToolResult;
import io.modelcontextprotocol.modern.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.modern.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.modern.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.modern.McpSchema.GetPromptOutcome;
import io.modelcontextprotocol.modern.McpSchema.GetPromptResult;
import io.modelcontextprotocol.modern.McpSchema.InputRequiredResult;
import io.modelcontextprotocol.modern.McpSchema.Prompt;
import io.modelcontextprotocol.modern.McpSchema.PromptMessage;
import io.modelcontextprotocol.modern.McpSchema.Role;
import io.modelcontextprotocol.modern.McpSchema.SamplingMessage;
import io.modelcontextprotocol.modern.McpSchema.TextContent;
import io.modelcontextprotocol.modern.McpSchema.Tool;
import io.modelcontextprotocol.modern.server.McpAsyncResponse;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.feature.McpAsyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpAsyncTool;
import io.modelcontextprotocol.modern.server.feature.McpChangeBroadcaster;
import io.modelcontextprotocol.modern.server.feature.ServerChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import reactor.core.publisher.Mono;

/**
 * The fixture tools and prompt that only revision 2026-07-28 has (input-required results, the capability and
 * logging checks, list-change triggers), as the conformance suite's reference server defines them. Loaded only with
 * {@code --conformance-fixtures}; they are not offered to session clients.
 */
final class ModernFixtures {

    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());

    private ModernFixtures() {}

    static List<McpAsyncTool> tools(McpChangeBroadcaster changes) {
        List<McpAsyncTool> tools = new ArrayList<>();
        tools.add(tool(
                "test_missing_capability",
                ClientCapabilities.builder().sampling().build(),
                (ctx, request) -> done("Success")));
        tools.add(tool("test_input_required_result_elicitation", null, (ctx, request) -> {
            Object answer = input(request.inputResponses(), "user_name");
            if (answer != null) {
                return done("Hello, " + field(answer, "name") + "!");
            }
            return InputRequiredResult.builder()
                    .elicit("user_name", form("What is your name?", "name", "string"))
                    .build();
        }));
        tools.add(tool("test_input_required_result_sampling", null, (ctx, request) -> {
            Object answer = input(request.inputResponses(), "sample_request");
            if (answer != null) {
                Object text = field(answer, "text");
                return done("Sampling result: " + (text == null ? "no response" : text));
            }
            return InputRequiredResult.builder()
                    .createMessage("sample_request", sample("What is the capital of France?", 100))
                    .build();
        }));
        tools.add(tool("test_input_required_result_list_roots", null, (ctx, request) -> {
            Object answer = input(request.inputResponses(), "roots_request");
            if (answer != null) {
                return done("Found " + roots(answer) + " root(s)");
            }
            return InputRequiredResult.builder().listRoots("roots_request").build();
        }));
        tools.add(tool("test_input_required_result_request_state", null, (ctx, request) -> {
            Object answer = input(request.inputResponses(), "confirm");
            if ("request-state".equals(request.requestState())
                    && answer != null
                    && Boolean.TRUE.equals(field(answer, "ok"))) {
                return done("state-ok: requestState validated");
            }
            return InputRequiredResult.builder()
                    .elicit("confirm", form("Please confirm", "ok", "boolean"))
                    .requestState("request-state")
                    .build();
        }));
        tools.add(tool("test_input_required_result_multiple_inputs", null, (ctx, request) -> {
            Map<String, Object> answers = request.inputResponses();
            Object name = input(answers, "user_name");
            Object greeting = input(answers, "greeting");
            Object roots = input(answers, "client_roots");
            if ("multiple-inputs".equals(request.requestState()) && name != null && greeting != null && roots != null) {
                Object text = field(greeting, "text");
                return done("Name: " + field(name, "name") + "; Greeting: " + (text == null ? "Hello there!" : text)
                        + "; Roots: " + roots(roots));
            }
            return InputRequiredResult.builder()
                    .elicit("user_name", form("What is your name?", "name", "string"))
                    .createMessage("greeting", sample("Generate a greeting", 50))
                    .listRoots("client_roots")
                    .requestState("multiple-inputs")
                    .build();
        }));
        tools.add(tool("test_input_required_result_multi_round", null, (ctx, request) -> {
            String state = request.requestState();
            Object step1 = input(request.inputResponses(), "step1");
            Object step2 = input(request.inputResponses(), "step2");
            if ("round-1".equals(state) && step1 != null) {
                return InputRequiredResult.builder()
                        .elicit("step2", form("Step 2: What is your favorite color?", "color", "string"))
                        .requestState("round-2:" + field(step1, "name"))
                        .build();
            }
            if (state != null && state.startsWith("round-2:") && step2 != null) {
                return done("Multi-round complete for " + state.substring("round-2:".length()) + " who likes "
                        + field(step2, "color"));
            }
            return InputRequiredResult.builder()
                    .elicit("step1", form("Step 1: What is your name?", "name", "string"))
                    .requestState("round-1")
                    .build();
        }));
        tools.add(tool("test_input_required_result_tampered_state", null, (ctx, request) -> {
            // the SDK opens (verifies) the sealed state before this runs: a tampered one never gets here
            if ("tamper-test".equals(request.requestState()) && input(request.inputResponses(), "confirm") != null) {
                return done("integrity-ok: state verified");
            }
            return InputRequiredResult.builder()
                    .elicit("confirm", form("Please confirm", "ok", "boolean"))
                    .requestState("tamper-test")
                    .build();
        }));
        tools.add(tool("test_input_required_result_capabilities", null, (ctx, request) -> {
            if (request.inputResponses() != null && !request.inputResponses().isEmpty()) {
                return done("capabilities-ok: received "
                        + String.join(",", request.inputResponses().keySet()));
            }
            ClientCapabilities declared = ctx.clientCapabilities();
            var builder = InputRequiredResult.builder();
            boolean any = false;
            if (declared != null && declared.supportsElicitationForm()) {
                builder.elicit("elicit_input", form("Elicitation input", "value", "string"));
                any = true;
            }
            if (declared != null && declared.supportsSampling()) {
                builder.createMessage("sample_input", sample("Sample request", 50));
                any = true;
            }
            if (!any) {
                return done("No supported capabilities declared");
            }
            return builder.requestState("capabilities-test").build();
        }));
        tools.add(tool("test_streaming_elicitation", null, (ctx, request) -> done("Streaming complete")));
        tools.add(tool("test_logging_tool", null, (ctx, request) -> done("Logging evaluated")));
        tools.add(tool("test_trigger_tool_change", null, (ctx, request) -> {
            changes.broadcast(new ServerChange.ToolsListChanged());
            return done("Mutation triggered");
        }));
        tools.add(tool("test_trigger_prompt_change", null, (ctx, request) -> {
            changes.broadcast(new ServerChange.PromptsListChanged());
            return done("Mutation triggered");
        }));
        // SEP-2243: a parameter mirrored into an Mcp-Param-Region header, which the SDK checks against the body
        Map<String, Object> regional = Map.of(
                "type",
                "object",
                "properties",
                Map.of("region", Map.of("type", "string", "x-mcp-header", "Region")),
                "required",
                List.of("region"));
        tools.add(McpAsyncTool.of(
                Tool.builder("test_custom_header", regional)
                        .description("Conformance fixture test_custom_header")
                        .build(),
                (ctx, request) -> Mono.just(McpAsyncResponse.result(done("Region: "
                        + (request.arguments() == null
                                ? null
                                : request.arguments().get("region")))))));
        return tools;
    }

    static List<McpAsyncPrompt> prompts() {
        Prompt prompt = Prompt.builder("test_input_required_result_prompt")
                .description("A prompt that asks the client for context first (input-required)")
                .build();
        return List.of(McpAsyncPrompt.of(prompt, (ctx, request) -> {
            Object answer = input(request.inputResponses(), "user_context");
            GetPromptOutcome outcome = answer != null
                    ? GetPromptResult.builder(List.of(PromptMessage.builder(
                                            Role.USER,
                                            TextContent.builder("Prompt with context: " + field(answer, "context"))
                                                    .build())
                                    .build()))
                            .build()
                    : InputRequiredResult.builder()
                            .elicit("user_context", form("What context should the prompt use?", "context", "string"))
                            .build();
            return Mono.just(McpAsyncResponse.result(outcome));
        }));
    }

    private static McpAsyncTool tool(
            String name,
            ClientCapabilities required,
            BiFunction<McpRequestContext, io.modelcontextprotocol.modern.McpSchema.CallToolRequest, CallToolOutcome>
                    body) {
        Tool definition = Tool.builder(name, NO_ARGUMENTS)
                .description("Conformance fixture " + name)
                .build();
        McpAsyncTool.Handler handler =
                (ctx, request) -> Mono.fromCallable(() -> McpAsyncResponse.result(body.apply(ctx, request)));
        return required == null ? McpAsyncTool.of(definition, handler) : McpAsyncTool.of(definition, required, handler);
    }

    private static CallToolResult done(String text) {
        return CallToolResult.builder()
                .content(List.of(TextContent.builder(text).build()))
                .build();
    }

    private static ElicitFormRequest form(String message, String property, String type) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", Map.of(property, Map.of("type", type)));
        schema.put("required", List.of(property));
        return ElicitFormRequest.builder(message, schema).build();
    }

    private static CreateMessageRequest sample(String text, int maxTokens) {
        return CreateMessageRequest.builder(
                        List.of(SamplingMessage.builder(
                                        Role.USER, TextContent.builder(text).build())
                                .build()),
                        maxTokens)
                .build();
    }

    private static Object input(Map<String, Object> answers, String key) {
        return answers == null ? null : answers.get(key);
    }

    /** A field of an answer's {@code content} (an elicitation's form, a sampling result's text content). */
    private static Object field(Object answer, String name) {
        if (answer instanceof Map<?, ?> map && map.get("content") instanceof Map<?, ?> content) {
            return content.get(name);
        }
        return null;
    }

    private static int roots(Object answer) {
        return answer instanceof Map<?, ?> map && map.get("roots") instanceof List<?> list ? list.size() : 0;
    }
}
