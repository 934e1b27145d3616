package dev.hal9.agent;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.mcp.SyncMcpToolCallback;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * One MCP tool as a Spring AI tool callback. Its definition (name, description, input schema) is the one
 * spring-ai-mcp's {@link SyncMcpToolCallback} makes, with the tool's own name. The call goes to the MCP client
 * here rather than through that callback, because the agent needs the whole result: the structured content names
 * payments waiting for a person, which the turn reports to the user; and a failed call goes back to the model as
 * {@code error: ...} text for it to act on, not as an exception. Thread-safe.
 */
final class McpTool implements ToolCallback {

    /** The tool-context key under which a turn passes its {@link Agent.Recorder}. */
    static final String RECORDER = "hal9.recorder";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final McpSyncClient server;
    private final String name;
    private final ToolDefinition definition;
    private final UnaryOperator<String> encoding;
    private final Tracing tracing;

    /**
     * @param encoding how the result's text is handed to the model (see {@link ChatModels#toolResultEncoding})
     * @param tracing where each call's {@code execute_tool} span goes
     */
    McpTool(McpSyncClient server, McpSchema.Tool tool, UnaryOperator<String> encoding, Tracing tracing) {
        this.server = server;
        this.encoding = encoding;
        this.tracing = tracing;
        this.name = tool.name();
        this.definition = SyncMcpToolCallback.builder()
                .mcpClient(server)
                .tool(tool)
                .prefixedToolName(tool.name())
                .build()
                .getToolDefinition();
    }

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    @Override
    public String call(String arguments) {
        return call(arguments, null);
    }

    @Override
    public String call(String arguments, ToolContext context) {
        return encoding.apply(result(arguments, context));
    }

    private String result(String arguments, ToolContext context) {
        Agent.Recorder recorder = context != null && context.getContext().get(RECORDER) instanceof Agent.Recorder r
                ? r
                : new Agent.Recorder();
        Span span = tracing.startTool(name, recorder.claimCallId(name));
        try (Scope current = span.makeCurrent()) {
            Map<String, Object> parsed;
            try {
                parsed = arguments == null || arguments.isBlank()
                        ? Map.of()
                        : JSON.readValue(arguments, new TypeReference<Map<String, Object>>() {});
            } catch (RuntimeException e) {
                Tracing.failed(span, "invalid_arguments");
                return "error: the arguments were not a JSON object; send them as JSON";
            }
            McpSchema.CallToolResult result;
            recorder.using(name);
            try {
                // the call carries this span's trace context to the server (see McpConnections)
                result = server.callTool(McpSchema.CallToolRequest.builder(name)
                        .arguments(parsed)
                        .build());
            } catch (RuntimeException e) {
                Tracing.failed(span, e.getClass().getName());
                return "error: the tool call failed: " + e.getMessage();
            }
            if (Boolean.TRUE.equals(result.isError())) {
                Tracing.failed(span, "tool_error");
            } else {
                span.end();
            }
            return text(result, recorder);
        }
    }

    private static String text(McpSchema.CallToolResult result, Agent.Recorder recorder) {
        recorder.collectPending(result.structuredContent());
        recorder.collectPictures(result.structuredContent());
        StringBuilder text = new StringBuilder(Boolean.TRUE.equals(result.isError()) ? "error: " : "");
        for (McpSchema.Content content : result.content() == null ? List.<McpSchema.Content>of() : result.content()) {
            if (content instanceof McpSchema.TextContent t) {
                text.append(t.text());
            } else if (content instanceof McpSchema.ImageContent image) {
                recorder.image(image.data(), image.mimeType());
                text.append("[an image, shown to the user]");
            } else {
                text.append("[").append(content.type()).append(" content]");
            }
        }
        return text.toString();
    }
}
