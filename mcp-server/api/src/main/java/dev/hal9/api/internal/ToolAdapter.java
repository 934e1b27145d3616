package dev.hal9.api.internal;

import dev.hal9.api.Handles;
import dev.hal9.api.Principal;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.json.schema.jackson3.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DatabindException;

/**
 * Turns declared {@link Tool}s into MCP tools and wraps every handler once: schema validation of the input,
 * principal and capability check, conversion to the input record, a virtual thread per call, timeout and
 * cancellation, progress and logging to the client, mapping of failures to {@code isError} results, the
 * observer (audit, span, metrics), and the output bound. Thread-safe.
 */
public final class ToolAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ToolAdapter.class);

    /** Made at the first call, not at start: compiling the JSON Schema dialect takes longer than a stdio listing. */
    private static final class Validation {
        static final JsonSchemaValidator VALIDATOR = new DefaultJsonSchemaValidator(Json.MAPPER);
    }

    private static final JsonSchemaValidator AT_FIRST_USE = new JsonSchemaValidator() {
        @Override
        public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
            return Validation.VALIDATOR.validate(schema, structuredContent);
        }

        @Override
        public ValidationResponse validateSchema(Map<String, Object> schema) {
            if (Schemas.made(schema)) {
                return ValidationResponse.asValid(null);
            }
            return Validation.VALIDATOR.validateSchema(schema);
        }
    };

    /**
     * The JSON Schema validator, made at its first use, for the SDK's servers too: their builders otherwise make one
     * of their own at start-up, and check each tool's schemas with it (not those {@link Schemas} made: see
     * {@link Schemas#made}).
     */
    public static JsonSchemaValidator schemaValidator() {
        return AT_FIRST_USE;
    }

    private final Function<McpTransportContext, Principal> principals;
    private final Function<Principal, Handles> handles;
    private final CallObserver observer;
    private final Cancellations cancellations;
    private final Duration timeout;
    private final Scheduler timers;
    private final int maxOutputChars;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hal9-tool-", 0).factory());
    private final Scheduler scheduler = Schedulers.fromExecutorService(threads, "hal9-tools");

    /**
     * @param principals who is calling, from the transport's context; {@code null} means not authenticated
     * @param handles the handle store seen by one principal
     * @param observer sees every call begin and end
     * @param cancellations where transports cancel calls in flight
     * @param timeout how long one call may run
     * @param maxOutputChars the bound on a result's text; longer text is cut with a note saying so
     */
    public ToolAdapter(
            Function<McpTransportContext, Principal> principals,
            Function<Principal, Handles> handles,
            CallObserver observer,
            Cancellations cancellations,
            Duration timeout,
            int maxOutputChars) {
        this(principals, handles, observer, cancellations, timeout, maxOutputChars, Schedulers.parallel());
    }

    /**
     * The same, with the scheduler whose timer ends calls that run past {@code timeout}: a test's virtual-time
     * scheduler, which it advances instead of waiting for the timeout to pass.
     */
    public ToolAdapter(
            Function<McpTransportContext, Principal> principals,
            Function<Principal, Handles> handles,
            CallObserver observer,
            Cancellations cancellations,
            Duration timeout,
            int maxOutputChars,
            Scheduler timers) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("tool timeout must be positive, not " + timeout);
        }
        if (maxOutputChars < 1_000) {
            throw new IllegalArgumentException("output bound must be at least 1000 characters, not " + maxOutputChars);
        }
        this.principals = principals;
        this.handles = handles;
        this.observer = observer;
        this.cancellations = cancellations;
        this.timeout = timeout;
        this.maxOutputChars = maxOutputChars;
        this.timers = timers;
    }

    /**
     * Whether a call is one this adapter handed to a tool handler: the caller in it was authenticated by a
     * transport. The guard spends only for such calls, so a family cannot make up a caller.
     */
    public static boolean madeHere(ToolCall call) {
        return call instanceof Call;
    }

    /** The MCP annotations of a tool kind: the one place where kinds become hints. */
    public static McpSchema.ToolAnnotations annotations(String title, ToolKind kind, boolean openWorld) {
        return switch (kind) {
            case READ_ONLY -> new McpSchema.ToolAnnotations(title, true, false, true, openWorld, null);
            case ACTION -> new McpSchema.ToolAnnotations(title, false, false, false, openWorld, null);
            case DESTRUCTIVE -> new McpSchema.ToolAnnotations(title, false, true, false, openWorld, null);
        };
    }

    /** The MCP description of a declared tool. */
    public static McpSchema.Tool describe(Tool<?, ?> tool) {
        var described = McpSchema.Tool.builder()
                .name(tool.name())
                .title(tool.title())
                .description(tool.description())
                .inputSchema(Schemas.of(tool.input()))
                .outputSchema(Schemas.of(tool.output()))
                .annotations(annotations(
                        tool.title(), tool.kind(), !tool.capability().startsWith("server")));
        if (tool.view() != null) {
            // shown only to clients that declare MCP Apps: the transports strip it for the others (AppsExtension)
            described.meta(AppsExtension.toolMeta(tool.view()));
        }
        return described.build();
    }

    /** The SDK's specification of a declared tool, with the wrapper around its handler. */
    public <I extends Record, O extends Record> McpServerFeatures.AsyncToolSpecification adapt(Tool<I, O> tool) {
        McpSchema.Tool described = describe(tool);
        return McpServerFeatures.AsyncToolSpecification.builder()
                .tool(described)
                .callHandler((exchange, request) -> Mono.deferContextual(context -> call(
                        tool, described, exchange, request, context.getOrDefault(Cancellations.REQUEST_ID_KEY, null))))
                .build();
    }

    /**
     * The SDK's specification of a family's resource template: reads run as the calling principal, on a
     * virtual thread, and a {@link ToolException} becomes a "resource not found" error with its message.
     */
    public McpServerFeatures.AsyncResourceTemplateSpecification adapt(dev.hal9.api.Resource resource) {
        McpSchema.ResourceTemplate template = McpSchema.ResourceTemplate.builder()
                .uriTemplate(resource.uriTemplate())
                .name(resource.name())
                .title(resource.title())
                .description(resource.description())
                .mimeType(resource.mimeType())
                .build();
        var matcher = new io.modelcontextprotocol.util.DefaultMcpUriTemplateManager(resource.uriTemplate());
        return new McpServerFeatures.AsyncResourceTemplateSpecification(template, (exchange, request) -> {
            Principal principal = principals.apply(exchange.transportContext());
            if (principal == null) {
                return Mono.error(McpError.builder(McpSchema.ErrorCodes.INVALID_REQUEST)
                        .message("not authenticated: send a bearer token made with 'hal9 token create'")
                        .build());
            }
            String uri = request.uri();
            CallObserver.Observation observation =
                    observer.begin("resources/read " + resource.name(), principal, Map.of("uri", uri));
            Call call = new Call(
                    principal,
                    handles.apply(principal),
                    exchange,
                    new McpSchema.CallToolRequest(resource.name(), Map.of()),
                    new AtomicBoolean());
            return Mono.fromCallable(() -> {
                        List<McpSchema.ResourceContents> contents = new ArrayList<>();
                        for (dev.hal9.api.Resource.Content part :
                                resource.reader().read(uri, matcher.extractVariableValues(uri), call)) {
                            contents.add(
                                    part.text() != null
                                            ? new McpSchema.TextResourceContents(
                                                    part.uri(), part.mimeType(), part.text())
                                            : new McpSchema.BlobResourceContents(
                                                    part.uri(),
                                                    part.mimeType(),
                                                    Base64.getEncoder().encodeToString(part.bytes())));
                        }
                        observation.end(CallObserver.Outcome.OK, null);
                        return new McpSchema.ReadResourceResult(contents);
                    })
                    .subscribeOn(scheduler)
                    .timeout(timeout, timers)
                    .onErrorMap(failure -> {
                        if (failure instanceof ToolException missing) {
                            observation.end(CallObserver.Outcome.ERROR, missing.getMessage());
                            return McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND)
                                    .message(missing.getMessage())
                                    .data(Map.of("uri", uri))
                                    .build();
                        }
                        LOG.error("reading {} failed unexpectedly", uri, failure);
                        observation.end(
                                CallObserver.Outcome.FAILED, failure.getClass().getSimpleName());
                        return McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR)
                                .message("reading " + uri + " failed unexpectedly; the server log has the details")
                                .build();
                    });
        });
    }

    /** Stops the threads serving calls. */
    public void close() {
        scheduler.dispose();
        threads.shutdownNow();
    }

    private <I extends Record, O extends Record> Mono<McpSchema.CallToolResult> call(
            Tool<I, O> tool,
            McpSchema.Tool described,
            McpAsyncServerExchange exchange,
            McpSchema.CallToolRequest request,
            Object requestId) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        Principal principal = principals.apply(exchange.transportContext());
        CallObserver.Observation observation =
                observer.begin(tool.name(), principal, arguments, Principals.traceparent(exchange.transportContext()));
        if (principal == null) {
            observation.end(CallObserver.Outcome.DENIED, "not authenticated");
            return Mono.just(error("not authenticated: send a bearer token made with 'hal9 token create'"));
        }
        if (!principal.may(tool.capability())) {
            observation.end(CallObserver.Outcome.DENIED, "missing capability " + tool.capability());
            return Mono.just(error("your token does not grant the '" + tool.capability() + "' capability that "
                    + tool.name() + " needs; ask the operator for a token made with 'hal9 token create --capability "
                    + tool.capability() + "'"));
        }
        var validation = Validation.VALIDATOR.validate(described.inputSchema(), arguments);
        if (!validation.valid()) {
            observation.end(CallObserver.Outcome.INVALID, validation.errorMessage());
            return Mono.just(error("invalid arguments for " + tool.name() + ": " + validation.errorMessage()
                    + ". The input schema in tools/list says what each argument takes."));
        }
        I input;
        try {
            // The schema check above already rejected missing required values and wrong types; this
            // conversion fails only on what JSON Schema cannot say (an unparsable enum spelling, say).
            input = Json.MAPPER.convertValue(arguments, tool.input());
        } catch (IllegalArgumentException | DatabindException e) {
            String message = conversionMessage(e);
            observation.end(CallObserver.Outcome.INVALID, message);
            return Mono.just(error("invalid arguments for " + tool.name() + ": " + message));
        }

        AtomicBoolean cancelled = new AtomicBoolean();
        Call call = new Call(principal, handles.apply(principal), exchange, request, cancelled);
        // the thread running the handler, so a cancellation from another thread can interrupt it
        java.util.concurrent.atomic.AtomicReference<Thread> worker =
                new java.util.concurrent.atomic.AtomicReference<>();
        Runnable cancel = () -> {
            cancelled.set(true);
            Thread thread = worker.get();
            if (thread != null) {
                thread.interrupt();
            }
        };
        String registration = cancellations.register(exchange.sessionId(), requestId, cancel);
        return Mono.fromCallable(() -> {
                    worker.set(Thread.currentThread());
                    try {
                        return tool.handler().handle(input, call);
                    } finally {
                        worker.set(null);
                    }
                })
                .subscribeOn(scheduler)
                .timeout(timeout, timers)
                .map(output -> {
                    McpSchema.CallToolResult result = success(tool, output, call);
                    observation.end(CallObserver.Outcome.OK, null);
                    return result;
                })
                .onErrorResume(failure -> {
                    if (failure instanceof InputRequired asked) {
                        // not a failure: the 2026-07-28 era turns it into an input-required result
                        observation.end(CallObserver.Outcome.OK, "input required");
                        return Mono.error(asked);
                    }
                    return Mono.just(failure(tool, failure, cancelled, observation, cancel));
                })
                .doOnCancel(() -> {
                    cancel.run();
                    observation.end(CallObserver.Outcome.CANCELLED, "the client went away");
                })
                .doFinally(signal -> cancellations.done(registration));
    }

    private static final ClassValue<java.util.Set<String>> TEXT_ONLY = new ClassValue<>() {
        @Override
        protected java.util.Set<String> computeValue(Class<?> type) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            if (type.isRecord()) {
                for (var component : type.getRecordComponents()) {
                    dev.hal9.api.Param param = component.getAnnotation(dev.hal9.api.Param.class);
                    if (param != null && param.textOnly()) {
                        names.add(component.getName());
                    }
                }
            }
            return java.util.Collections.unmodifiableSet(names);
        }
    };

    /** The components of an output record that only its text rendering carries ({@link dev.hal9.api.Param#textOnly}). */
    public static java.util.Set<String> textOnly(Class<?> output) {
        return TEXT_ONLY.get(output);
    }

    private <O extends Record> McpSchema.CallToolResult success(Tool<?, O> tool, O output, Call call) {
        if (output == null) {
            throw new IllegalStateException(tool.name() + " returned no output");
        }
        Map<String, Object> structured = Json.MAPPER.convertValue(output, new TypeReference<Map<String, Object>>() {});
        structured.keySet().removeAll(textOnly(tool.output()));
        String text = tool.render() == null
                ? Json.MAPPER.writeValueAsString(structured)
                : tool.render().apply(output);
        List<McpSchema.Content> content = new ArrayList<>();
        content.add(new McpSchema.TextContent(bound(text)));
        content.addAll(call.attachments);
        return McpSchema.CallToolResult.builder()
                .content(content)
                .structuredContent(structured)
                .isError(false)
                .build();
    }

    private McpSchema.CallToolResult failure(
            Tool<?, ?> tool,
            Throwable failure,
            AtomicBoolean cancelled,
            CallObserver.Observation observation,
            Runnable cancel) {
        Throwable cause = failure;
        if (cause instanceof TimeoutException) {
            cancel.run();
            observation.end(CallObserver.Outcome.CANCELLED, "timed out after " + timeout);
            return error(tool.name() + " did not finish within " + timeout.toSeconds()
                    + " s and was stopped; try a smaller request or a longer wait argument where the tool has one");
        }
        // a cancelled call often ends in the handler's own "cancelled" ToolException: it counts as cancelled
        if (cancelled.get() || cause instanceof InterruptedException || cause instanceof CancellationException) {
            observation.end(CallObserver.Outcome.CANCELLED, "cancelled");
            return error(tool.name() + " was cancelled before it finished");
        }
        if (cause instanceof ToolException toolException) {
            observation.end(CallObserver.Outcome.ERROR, toolException.getMessage());
            return error(toolException.getMessage());
        }
        LOG.error("tool {} failed unexpectedly", tool.name(), cause);
        observation.end(CallObserver.Outcome.FAILED, cause.getClass().getSimpleName());
        return error(tool.name() + " failed unexpectedly (" + cause.getClass().getSimpleName()
                + "); the server log has the details. Retrying the same call may fail the same way.");
    }

    private String bound(String text) {
        if (text.length() <= maxOutputChars) {
            return text;
        }
        return text.substring(0, maxOutputChars) + "\n[hal9: output cut at " + maxOutputChars + " of " + text.length()
                + " characters; ask the tool for a smaller page or a narrower query]";
    }

    private static McpSchema.CallToolResult error(String message) {
        return McpSchema.CallToolResult.builder()
                .content(List.of(new McpSchema.TextContent(message)))
                .isError(true)
                .build();
    }

    private static String conversionMessage(RuntimeException e) {
        Throwable cause = e;
        while (!(cause instanceof DatabindException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof DatabindException databind) {
            String path = databind.getPath().stream()
                    .map(ref -> ref.getPropertyName() != null ? ref.getPropertyName() : "[" + ref.getIndex() + "]")
                    .reduce((a, b) -> a + "." + b)
                    .orElse("(arguments)");
            return "'" + path + "': "
                    + databind.getOriginalMessage().lines().findFirst().orElse("");
        }
        return e.getMessage();
    }

    /** The call context handed to one handler. */
    private static final class Call implements ToolCall {
        private final Principal principal;
        private final Handles handles;
        private final McpAsyncServerExchange exchange;
        private final Object progressToken;
        private final AtomicBoolean cancelled;
        private final List<McpSchema.Content> attachments = new java.util.concurrent.CopyOnWriteArrayList<>();

        Call(
                Principal principal,
                Handles handles,
                McpAsyncServerExchange exchange,
                McpSchema.CallToolRequest request,
                AtomicBoolean cancelled) {
            this.principal = principal;
            this.handles = handles;
            this.exchange = exchange;
            this.progressToken = request.meta() == null ? null : request.meta().get("progressToken");
            this.cancelled = cancelled;
        }

        @Override
        public Principal principal() {
            return principal;
        }

        @Override
        public Handles handles() {
            return handles;
        }

        @Override
        public void progress(double progress, Double total, String message) {
            if (progressToken != null) {
                exchange.progressNotification(
                                new McpSchema.ProgressNotification(progressToken, progress, total, message))
                        .block(Duration.ofSeconds(5));
            }
        }

        @Override
        public void log(String level, String message) {
            McpSchema.LoggingLevel parsed;
            try {
                parsed = McpSchema.LoggingLevel.valueOf(level.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                parsed = McpSchema.LoggingLevel.INFO;
            }
            exchange.loggingNotification(McpSchema.LoggingMessageNotification.builder()
                            .level(parsed)
                            .logger("hal9")
                            .data(message)
                            .build())
                    .block(Duration.ofSeconds(5));
        }

        @Override
        public boolean cancelled() {
            return cancelled.get() || Thread.currentThread().isInterrupted();
        }

        @Override
        public void attachImage(byte[] data, String mimeType) {
            attachments.add(new McpSchema.ImageContent(null, Base64.getEncoder().encodeToString(data), mimeType));
        }

        @Override
        public boolean asksByResult() {
            return Boolean.TRUE.equals(context(InputRequired.CLIENT_ELICITS));
        }

        @Override
        public java.util.Optional<Retry> retry() {
            if (!(context(InputRequired.STATE) instanceof String state)) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(
                    new Retry(state, java.util.Optional.ofNullable((Elicited) context(InputRequired.ANSWER))));
        }

        private Object context(String key) {
            return exchange.transportContext() == null
                    ? null
                    : exchange.transportContext().get(key);
        }

        @Override
        public java.util.Optional<Elicited> elicit(
                String message, java.util.Map<String, Object> requestedSchema, Duration timeout) {
            McpSchema.ClientCapabilities capabilities = exchange.getClientCapabilities();
            if (capabilities == null || capabilities.elicitation() == null) {
                return java.util.Optional.empty();
            }
            McpSchema.ElicitResult result = exchange.createElicitation(
                            McpSchema.ElicitRequest.builder(message, requestedSchema)
                                    .build())
                    .block(timeout);
            if (result == null) {
                return java.util.Optional.of(new Elicited("cancel", java.util.Map.of()));
            }
            return java.util.Optional.of(new Elicited(
                    result.action().name().toLowerCase(Locale.ROOT),
                    result.content() == null ? java.util.Map.of() : result.content()));
        }
    }
}
