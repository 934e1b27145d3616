package dev.hal9.agent;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.EmptyUsage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/**
 * The agent's spans, on OpenTelemetry's GenAI semantic conventions so that LLM tracing tools can read them: one
 * {@code invoke_agent hal9} span per user turn, and under it one {@code chat MODEL} span per model call and one
 * {@code execute_tool TOOL} span per tool call. Content capture is off: no prompt, completion, tool argument or tool
 * result, and no key, ever reaches an attribute; only names, ids, token counts, finish reasons and error types do.
 *
 * <p>Spans go over OTLP/HTTP to {@code telemetry.otlp-endpoint} (the server's key: one collector sees both). Without
 * one the tracer is OpenTelemetry's no-op: spans are not recorded and the SDK is never started. {@link #close()}
 * exports what is still buffered, so a chat of one line still reaches the collector. Thread-safe.
 */
final class Tracing implements AutoCloseable {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<Long> REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    private static final String AGENT = "hal9";

    /** The SDK's provider when spans are exported; null when they are not (the no-op tracer then needs no closing). */
    private final SdkTracerProvider sdk;

    private final AtomicBoolean closed = new AtomicBoolean();

    private final Tracer tracer;
    private final Attributes model;

    private Tracing(SdkTracerProvider sdk, Tracer tracer, Attributes model) {
        this.sdk = sdk;
        this.tracer = tracer;
        this.model = model;
    }

    /**
     * @param endpoint the collector's base URL ({@code /v1/traces} is added), or empty for no spans at all
     * @param settings the model the chat spans describe
     */
    static Tracing create(Optional<URI> endpoint, AgentSettings settings, String version) {
        Attributes model = modelAttributes(settings);
        if (endpoint.isEmpty()) {
            return new Tracing(null, TracerProvider.noop().get("dev.hal9.agent"), model);
        }
        String base = endpoint.get().toString();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        SdkTracerProvider sdk = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(
                                AttributeKey.stringKey("service.name"),
                                "hal9-agent",
                                AttributeKey.stringKey("service.version"),
                                version))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(base + "/v1/traces")
                                .setTimeout(Duration.ofSeconds(5))
                                .build())
                        .setScheduleDelay(Duration.ofSeconds(2))
                        .build())
                .build();
        return new Tracing(sdk, sdk.get("dev.hal9.agent", version), model);
    }

    /** The provider, model and API address of every model call, in the conventions' words. */
    private static Attributes modelAttributes(AgentSettings settings) {
        URI api = URI.create(settings.baseUrl());
        var attributes = Attributes.builder()
                .put(PROVIDER, providerName(settings.provider()))
                .put(REQUEST_MODEL, settings.model());
        if (settings.provider() == AgentSettings.Provider.ANTHROPIC) {
            // the only request that carries max-tokens (see ChatModels); the others use the API's default
            attributes.put(REQUEST_MAX_TOKENS, (long) settings.maxTokens());
        }
        if (api.getHost() != null) {
            attributes.put(SERVER_ADDRESS, api.getHost());
            int port = api.getPort() != -1 ? api.getPort() : "https".equals(api.getScheme()) ? 443 : 80;
            attributes.put(SERVER_PORT, (long) port);
        }
        return attributes.build();
    }

    /**
     * The conventions' well-known {@code gen_ai.provider.name} values; Ollama has none, so its own name, as the
     * conventions allow for a provider they do not list.
     */
    static String providerName(AgentSettings.Provider provider) {
        return switch (provider) {
            case OPENAI -> "openai";
            case ANTHROPIC -> "anthropic";
            case OLLAMA -> "ollama";
            case GOOGLE -> "gcp.gemini"; // the Gemini API with an API key, not Vertex AI
        };
    }

    /** Starts a user turn's span; the caller makes it current so the turn's model and tool spans nest under it. */
    Span startTurn() {
        return tracer.spanBuilder("invoke_agent " + AGENT)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(OPERATION, "invoke_agent")
                .setAttribute(AGENT_NAME, AGENT)
                .setAttribute(PROVIDER, model.get(PROVIDER))
                .setAttribute(REQUEST_MODEL, model.get(REQUEST_MODEL))
                .startSpan();
    }

    /** Starts a model call's span, a child of the current span. */
    Span startChat() {
        var span = tracer.spanBuilder("chat " + model.get(REQUEST_MODEL))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, "chat");
        model.forEach((key, value) -> span.setAttribute(genericKey(key), value));
        return span.startSpan();
    }

    @SuppressWarnings("unchecked")
    private static AttributeKey<Object> genericKey(AttributeKey<?> key) {
        return (AttributeKey<Object>) key;
    }

    /** Ends a model call's span with what the response says of itself: model, id, finish reasons, token usage. */
    static void answered(Span span, ChatResponse response) {
        ChatResponseMetadata metadata = response.getMetadata();
        if (metadata != null) {
            if (metadata.getModel() != null && !metadata.getModel().isBlank()) {
                span.setAttribute(RESPONSE_MODEL, metadata.getModel());
            }
            if (metadata.getId() != null && !metadata.getId().isBlank()) {
                span.setAttribute(RESPONSE_ID, metadata.getId());
            }
            Usage usage = metadata.getUsage();
            // EmptyUsage is Spring AI's "the API reported none": its zeros are not counts
            if (usage != null && !(usage instanceof EmptyUsage)) {
                if (usage.getPromptTokens() != null) {
                    span.setAttribute(INPUT_TOKENS, usage.getPromptTokens().longValue());
                }
                if (usage.getCompletionTokens() != null) {
                    span.setAttribute(OUTPUT_TOKENS, usage.getCompletionTokens().longValue());
                }
            }
        }
        List<String> reasons = new ArrayList<>();
        for (Generation generation : response.getResults()) {
            String reason = generation.getMetadata() == null
                    ? null
                    : generation.getMetadata().getFinishReason();
            if (reason != null && !reason.isBlank()) {
                // the SDKs report an API's "stop" as STOP or stop; the conventions' examples are lower case
                reasons.add(reason.toLowerCase(Locale.ROOT));
            }
        }
        if (!reasons.isEmpty()) {
            span.setAttribute(FINISH_REASONS, reasons);
        }
        span.end();
    }

    /**
     * Ends a span as failed. The type is the exception's class name or a short word of the agent's, never a message:
     * messages can quote the request.
     */
    static void failed(Span span, String errorType) {
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR);
        span.end();
    }

    /** Starts a tool call's span, a child of the current span. */
    Span startTool(String name, String callId) {
        var span = tracer.spanBuilder("execute_tool " + name)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(OPERATION, "execute_tool")
                .setAttribute(TOOL_NAME, name);
        if (callId != null && !callId.isBlank()) {
            span.setAttribute(TOOL_CALL_ID, callId);
        }
        return span.startSpan();
    }

    /**
     * The W3C trace context ({@code traceparent}) of the current span, as the headers that carry it to an MCP server;
     * empty when no span is being recorded.
     */
    static Map<String, String> traceHeaders() {
        Map<String, String> headers = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), headers, Map::put);
        return headers;
    }

    /**
     * Exports the spans still buffered (waiting a few seconds at most for the collector) and stops the exporter. Safe
     * to call twice: at the end of the chat and from a shutdown hook.
     */
    @Override
    public void close() {
        if (sdk != null && closed.compareAndSet(false, true)) {
            sdk.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
