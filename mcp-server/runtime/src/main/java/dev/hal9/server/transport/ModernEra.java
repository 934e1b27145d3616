package dev.hal9.server.transport;

import dev.hal9.api.ToolCall;
import dev.hal9.api.internal.AppsExtension;
import dev.hal9.api.internal.InputRequired;
import dev.hal9.api.internal.Json;
import dev.hal9.server.Hal9;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.McpException;
import io.modelcontextprotocol.modern.McpSchema.CacheScope;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import io.modelcontextprotocol.modern.server.HmacRequestStateCodec;
import io.modelcontextprotocol.modern.server.InputResponses;
import io.modelcontextprotocol.modern.server.McpAsyncNotifier;
import io.modelcontextprotocol.modern.server.McpAsyncResponse;
import io.modelcontextprotocol.modern.server.McpHeaders;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpServer;
import io.modelcontextprotocol.modern.server.McpTransportResponse;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import io.modelcontextprotocol.modern.server.feature.McpAsyncCompletionHandler;
import io.modelcontextprotocol.modern.server.feature.McpAsyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpAsyncPromptRepository;
import io.modelcontextprotocol.modern.server.feature.McpAsyncResource;
import io.modelcontextprotocol.modern.server.feature.McpAsyncResourceRepository;
import io.modelcontextprotocol.modern.server.feature.McpAsyncResourceTemplate;
import io.modelcontextprotocol.modern.server.feature.McpAsyncTool;
import io.modelcontextprotocol.modern.server.feature.McpAsyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.McpChangeFeed;
import io.modelcontextprotocol.modern.server.feature.PromptsFeature;
import io.modelcontextprotocol.modern.server.feature.PromptsPage;
import io.modelcontextprotocol.modern.server.feature.ResourceTemplatesPage;
import io.modelcontextprotocol.modern.server.feature.ResourcesFeature;
import io.modelcontextprotocol.modern.server.feature.ResourcesPage;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpLoggableSession;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.util.DefaultMcpUriTemplateManagerFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * Revision 2026-07-28 (stateless, {@code _meta} on every request) beside the session revisions. The SDK's modern
 * {@link McpServer} checks the envelope, answers {@code server/discover} and {@code subscriptions/listen} and stamps
 * {@code resultType}; the tools, resources and prompts are the very specifications the session servers get, so
 * capability checks, the audit, the guard and the principal's tool filter are the same in both eras. A handler sees
 * an exchange whose client declares no capabilities: a 2026-07-28 server never sends the client a request, so tools
 * take the path they take for a client without elicitation or sampling. The one exception is the guard's
 * confirmation: where the client declared elicitation in {@code _meta} and the operator allows it, the guard ends the
 * call with {@link InputRequired}, which becomes an input-required result whose state the SDK seals for the
 * principal; the retry hands the opened state and the answer back to the tool call. Thread-safe.
 */
public final class ModernEra {

    /** The modern revisions served; the session revisions are in {@link Hal9#PROTOCOLS}. */
    static final List<String> VERSIONS = List.of("2026-07-28");

    /** Where a transport puts the id under which the tool calls it carries can be cancelled. */
    public static final String CANCEL_SCOPE_KEY = "hal9.cancelScope";

    /** How long a client may cache list results and reads, in milliseconds. */
    private static final long LIST_TTL_MS = 0;

    /**
     * The tool adapter validates arguments itself, so that invalid calls are audited like the rest (as the session
     * servers do with {@code validateToolInputs(false)}).
     */
    private static final JsonSchemaValidator ACCEPT_ANY =
            (schema, content) -> JsonSchemaValidator.ValidationResponse.asValid(null);

    private final McpServer server;

    public ModernEra(
            String version,
            String instructions,
            List<AsyncToolSpecification> tools,
            BiPredicate<McpTransportContext, McpSchema.Tool> toolFilter,
            List<AsyncResourceSpecification> resources,
            List<AsyncResourceTemplateSpecification> templates,
            List<AsyncPromptSpecification> prompts,
            List<AsyncCompletionSpecification> completions,
            ServerFixtures fixtures,
            Supplier<byte[]> requestStateKey) {
        McpChangeFeed changes = new McpChangeFeed();
        List<McpAsyncTool> extraTools = fixtures != null ? fixtures.modernTools(changes) : List.of();
        List<McpAsyncPrompt> extraPrompts = fixtures != null ? fixtures.modernPrompts() : List.of();
        var builder = McpServer.builder()
                .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder("hal9", version)
                        .title("hal9")
                        .build())
                .instructions(instructions)
                .supportedVersions(VERSIONS)
                .jsonMapper(Json.MCP)
                .subscriptions(changes)
                // input-required state is sealed for the principal that got it, with a key every instance on the
                // database shares, so that the retry may reach any of them
                .requestStateCodec(new SharedKeyCodec(requestStateKey))
                .feature(ToolsFeature.ofAsync(
                        new Tools(tools, toolFilter, extraTools),
                        Json.MCP,
                        ACCEPT_ANY,
                        LIST_TTL_MS,
                        CacheScope.PRIVATE));
        if (!resources.isEmpty() || !templates.isEmpty()) {
            builder.feature(ResourcesFeature.ofAsync(
                    new Resources(resources, templates, completions), Json.MCP, LIST_TTL_MS, CacheScope.PRIVATE));
        }
        if (!prompts.isEmpty() || !extraPrompts.isEmpty()) {
            builder.feature(PromptsFeature.ofAsync(
                    new Prompts(prompts, completions, extraPrompts), Json.MCP, LIST_TTL_MS, CacheScope.PRIVATE));
        }
        this.server = builder.build();
    }

    /**
     * Whether a request is in the modern era: its {@code params._meta} names a protocol version. {@code initialize}
     * without that claim is the session handshake and stays with the session server.
     */
    public static boolean claims(McpSchema.JSONRPCRequest request) {
        return request.params() instanceof Map<?, ?> params
                && params.get("_meta") instanceof Map<?, ?> meta
                && meta.containsKey(MetaKeys.PROTOCOL_VERSION);
    }

    /**
     * Whether a request goes to the modern handler: it claims a version in {@code _meta}, or it is
     * {@code server/discover}, which only the modern era has. A claim-less discover (a probe before initialize,
     * or after it) is answered by the modern handler too, so it gets a JSON-RPC error naming what is missing rather
     * than "method not found" from the session server, and never an internal error.
     */
    public static boolean routes(McpSchema.JSONRPCRequest request) {
        return claims(request) || DISCOVER.equals(request.method());
    }

    static final String DISCOVER = "server/discover";

    private static final java.util.Set<String> REMOVED =
            java.util.Set.of("initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe");

    private static String principalId(McpTransportContext context) {
        var principal = dev.hal9.api.internal.Principals.from(context);
        return principal == null ? "" : principal.id();
    }

    /** Whether a version is one of the modern revisions. */
    public static boolean isModern(String version) {
        return VERSIONS.contains(version);
    }

    /** Answers one modern request; the context carries the principal, the mirrored headers and the cancel scope. */
    public Mono<McpTransportResponse> handle(McpTransportContext context, McpSchema.JSONRPCRequest request) {
        if (REMOVED.contains(request.method())) {
            // the session-era methods that 2026-07-28 removed are unknown here, even with a valid _meta
            return Mono.just(McpTransportResponse.error(JsonRpc.JSONRPCResponse.error(
                    request.id(),
                    new JsonRpc.JSONRPCResponse.JSONRPCError(
                            McpSchema.ErrorCodes.METHOD_NOT_FOUND,
                            "Method not found: " + request.method() + " (removed in 2026-07-28)",
                            null))));
        }
        return server.handle(
                context,
                new JsonRpc.JSONRPCRequest(request.jsonrpc(), request.method(), request.id(), request.params()));
    }

    /** A stdio or test context: no HTTP headers to mirror. */
    static Map<String, Object> notMirrored() {
        return Map.of(McpHeaders.TRANSPORT_CONTEXT_KEY, McpHeaders.NOT_MIRRORED);
    }

    public void close() {
        server.closeGracefully();
    }

    // ---- the bridge from the session-era specifications

    private static <T> T convert(Object value, Class<T> type) {
        return value == null ? null : Json.MCP.convertValue(value, type);
    }

    private static Map<String, Object> map(Object value) {
        return value == null ? null : Json.MCP.convertValue(value, new TypeRef<Map<String, Object>>() {});
    }

    /** A session-era error, as the modern server reports it; "resource not found" is -32602 with the uri. */
    private static Throwable modernError(Throwable error, String uri) {
        if (error instanceof McpError mcp && mcp.getJsonRpcError() != null) {
            var rpc = mcp.getJsonRpcError();
            if (rpc.code() == McpSchema.ErrorCodes.RESOURCE_NOT_FOUND || (uri != null && rpc.code() == -32002)) {
                return McpException.invalidParams("Resource not found", Map.of("uri", uri == null ? "" : uri));
            }
            return new McpException(rpc.code(), rpc.message(), rpc.data());
        }
        return error;
    }

    /** Streams notifications only when the client asked for some: a progress token or a log level. */
    private static boolean streams(McpRequestContext context) {
        return context.progressToken() != null
                || (context.meta() != null && context.meta().get(MetaKeys.LOG_LEVEL) != null);
    }

    private static <O> Mono<McpAsyncResponse<O>> respond(
            McpRequestContext context, java.util.function.Function<McpAsyncServerExchange, Mono<O>> body) {
        return respond(context, Map.of(), body);
    }

    private static <O> Mono<McpAsyncResponse<O>> respond(
            McpRequestContext context,
            Map<String, Object> extra,
            java.util.function.Function<McpAsyncServerExchange, Mono<O>> body) {
        if (streams(context)) {
            return Mono.just(McpAsyncResponse.streaming(notifier -> body.apply(exchange(context, notifier, extra))));
        }
        return body.apply(exchange(context, null, extra)).map(McpAsyncResponse::result);
    }

    private static McpAsyncServerExchange exchange(McpRequestContext context, McpAsyncNotifier notifier) {
        return exchange(context, notifier, Map.of());
    }

    /**
     * What a tool call learns of the input-required flow: whether the client declared elicitation, and on a retry
     * the opened state (the server verified it for this principal before the handler runs) with the client's answer.
     */
    private static Map<String, Object> inputFlow(
            McpRequestContext context, io.modelcontextprotocol.modern.McpSchema.CallToolRequest request) {
        Map<String, Object> flow = new HashMap<>();
        flow.put(
                InputRequired.CLIENT_ELICITS,
                context.clientCapabilities() != null
                        && context.clientCapabilities().supportsElicitationForm());
        if (request.requestState() != null) {
            flow.put(InputRequired.STATE, request.requestState());
            var answer = request.inputResponses() == null
                    ? null
                    : InputResponses.get(
                            request.inputResponses(),
                            InputRequired.KEY,
                            io.modelcontextprotocol.modern.McpSchema.ElicitResult.class,
                            Json.MCP);
            if (answer != null && answer.action() != null) {
                flow.put(
                        InputRequired.ANSWER,
                        new ToolCall.Elicited(
                                answer.action().name().toLowerCase(java.util.Locale.ROOT),
                                answer.content() == null ? Map.of() : new HashMap<>(answer.content())));
            }
        }
        return flow;
    }

    /** The guard's question as a 2026-07-28 result: one form elicitation and the state the server seals. */
    private static io.modelcontextprotocol.modern.McpSchema.CallToolOutcome inputRequired(InputRequired asked) {
        return io.modelcontextprotocol.modern.McpSchema.InputRequiredResult.builder()
                .elicit(
                        InputRequired.KEY,
                        io.modelcontextprotocol.modern.McpSchema.ElicitFormRequest.builder(
                                        asked.getMessage(), asked.requestedSchema())
                                .build())
                .requestState(asked.state())
                .build();
    }

    private static McpAsyncServerExchange exchange(
            McpRequestContext context, McpAsyncNotifier notifier, Map<String, Object> extra) {
        McpTransportContext transport = context.transportContext();
        if (!extra.isEmpty()) {
            Map<String, Object> merged = new HashMap<>(extra);
            transport = transport == null ? McpTransportContext.create(merged) : transport.putAll(merged);
        }
        Object scope = transport == null ? null : transport.get(CANCEL_SCOPE_KEY);
        String sessionId = scope == null ? "modern-" + UUID.randomUUID() : scope.toString();
        var clientInfo = context.clientInfo() == null
                ? new McpSchema.Implementation("unknown", "0")
                : new McpSchema.Implementation(
                        context.clientInfo().name(),
                        context.clientInfo().title(),
                        context.clientInfo().version());
        Object level = context.meta() == null ? null : context.meta().get(MetaKeys.LOG_LEVEL);
        return new McpAsyncServerExchange(
                sessionId,
                new RequestScope(notifier, level == null ? null : level.toString()),
                McpSchema.ClientCapabilities.builder().build(),
                clientInfo,
                transport);
    }

    /** The part of a session a modern request has: notifications on its own stream, and no server requests. */
    private static final class RequestScope implements McpLoggableSession {
        private final McpAsyncNotifier notifier;
        private final McpSchema.LoggingLevel minimum;

        RequestScope(McpAsyncNotifier notifier, String level) {
            this.notifier = notifier;
            McpSchema.LoggingLevel parsed = null;
            if (level != null) {
                for (McpSchema.LoggingLevel candidate : McpSchema.LoggingLevel.values()) {
                    if (candidate.name().equalsIgnoreCase(level)) {
                        parsed = candidate;
                    }
                }
            }
            this.minimum = parsed;
        }

        @Override
        public <T> Mono<T> sendRequest(String method, Object params, TypeRef<T> type) {
            return Mono.error(McpError.builder(McpSchema.ErrorCodes.INVALID_REQUEST)
                    .message("revision 2026-07-28 has no server-to-client requests (" + method + ")")
                    .build());
        }

        @Override
        public Mono<Void> sendNotification(String method, Object params) {
            if (notifier == null) {
                return Mono.empty();
            }
            if (McpSchema.METHOD_NOTIFICATION_MESSAGE.equals(method) && minimum == null) {
                return Mono.empty();
            }
            return notifier.notify(method, map(params));
        }

        @Override
        public void setMinLoggingLevel(McpSchema.LoggingLevel level) {}

        @Override
        public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel level) {
            return minimum != null && level.level() >= minimum.level();
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }

        @Override
        public void close() {}
    }

    /** Whether this request's client declares MCP Apps views (2026-07-28 clients say so on every request). */
    private static boolean apps(McpRequestContext context) {
        return context.clientCapabilities() != null
                && AppsExtension.declared(context.clientCapabilities().extensions());
    }

    private static final class Tools implements McpAsyncToolRepository {
        private final Map<String, AsyncToolSpecification> byName = new LinkedHashMap<>();
        private final BiPredicate<McpTransportContext, McpSchema.Tool> filter;

        private final Map<String, McpAsyncTool> extras = new LinkedHashMap<>();

        Tools(
                List<AsyncToolSpecification> tools,
                BiPredicate<McpTransportContext, McpSchema.Tool> filter,
                List<McpAsyncTool> extras) {
            tools.forEach(tool -> byName.put(tool.tool().name(), tool));
            extras.forEach(tool -> this.extras.put(tool.definition().name(), tool));
            this.filter = filter;
        }

        @Override
        public Mono<ToolsPage> list(McpRequestContext context, String cursor) {
            // listing order is registration order: the families' order, then the fixtures; stable across calls
            List<io.modelcontextprotocol.modern.McpSchema.Tool> listed = new java.util.ArrayList<>();
            boolean apps = apps(context);
            byName.values().stream()
                    .map(AsyncToolSpecification::tool)
                    .filter(tool -> filter.test(context.transportContext(), tool))
                    .map(tool -> apps ? tool : AppsExtension.withoutView(tool))
                    .map(tool -> convert(tool, io.modelcontextprotocol.modern.McpSchema.Tool.class))
                    .forEach(listed::add);
            extras.values().forEach(tool -> listed.add(tool.definition()));
            return Mono.just(ToolsPage.of(listed));
        }

        @Override
        public Mono<McpAsyncTool> find(McpRequestContext context, String name) {
            if (extras.containsKey(name)) {
                return Mono.just(extras.get(name));
            }
            // a tool the caller may not call is listed to it no more, but calling it reaches the adapter, which
            // refuses and audits it as in the session era
            AsyncToolSpecification spec = byName.get(name);
            if (spec == null) {
                return Mono.empty();
            }
            return Mono.just(McpAsyncTool.of(
                    convert(spec.tool(), io.modelcontextprotocol.modern.McpSchema.Tool.class),
                    (ctx, request) -> respond(ctx, inputFlow(ctx, request), exchange -> {
                        Map<String, Object> meta = new HashMap<>();
                        if (ctx.progressToken() != null) {
                            meta.put("progressToken", ctx.progressToken());
                        }
                        var legacy = new McpSchema.CallToolRequest(request.name(), request.arguments(), meta);
                        return spec.callHandler()
                                .apply(exchange, legacy)
                                .onErrorMap(error -> modernError(error, null))
                                .map(result -> (io.modelcontextprotocol.modern.McpSchema.CallToolOutcome)
                                        convert(result, io.modelcontextprotocol.modern.McpSchema.CallToolResult.class))
                                .onErrorResume(InputRequired.class, asked -> Mono.just(inputRequired(asked)));
                    })));
        }
    }

    private static final class Resources implements McpAsyncResourceRepository {
        private final Map<String, AsyncResourceSpecification> byUri = new LinkedHashMap<>();
        private final List<AsyncResourceTemplateSpecification> templates;
        private final List<AsyncCompletionSpecification> completions;
        private final DefaultMcpUriTemplateManagerFactory uriTemplates = new DefaultMcpUriTemplateManagerFactory();

        Resources(
                List<AsyncResourceSpecification> resources,
                List<AsyncResourceTemplateSpecification> templates,
                List<AsyncCompletionSpecification> completions) {
            resources.forEach(resource -> byUri.put(resource.resource().uri(), resource));
            this.templates = List.copyOf(templates);
            this.completions = completions;
        }

        @Override
        public Mono<ResourcesPage> list(McpRequestContext context, String cursor) {
            boolean apps = apps(context);
            return Mono.just(ResourcesPage.of(byUri.values().stream()
                    .filter(spec -> apps || !spec.resource().uri().startsWith("ui://"))
                    .map(spec -> convert(spec.resource(), io.modelcontextprotocol.modern.McpSchema.Resource.class))
                    .toList()));
        }

        @Override
        public Mono<ResourceTemplatesPage> listTemplates(McpRequestContext context, String cursor) {
            return Mono.just(ResourceTemplatesPage.of(templates.stream()
                    .map(spec -> convert(
                            spec.resourceTemplate(), io.modelcontextprotocol.modern.McpSchema.ResourceTemplate.class))
                    .toList()));
        }

        @Override
        public Mono<McpAsyncResource> find(McpRequestContext context, String uri) {
            AsyncResourceSpecification exact = byUri.get(uri);
            if (exact != null) {
                return Mono.just(
                        reader(uri, (exchange, request) -> exact.readHandler().apply(exchange, request)));
            }
            for (AsyncResourceTemplateSpecification template : templates) {
                if (uriTemplates
                        .create(template.resourceTemplate().uriTemplate())
                        .matches(uri)) {
                    return Mono.just(reader(
                            uri, (exchange, request) -> template.readHandler().apply(exchange, request)));
                }
            }
            return Mono.empty();
        }

        @Override
        public Mono<McpAsyncResourceTemplate> findTemplate(McpRequestContext context, String uriTemplate) {
            for (AsyncResourceTemplateSpecification template : templates) {
                if (template.resourceTemplate().uriTemplate().equals(uriTemplate)) {
                    var modern = McpAsyncResourceTemplate.of(convert(
                            template.resourceTemplate(),
                            io.modelcontextprotocol.modern.McpSchema.ResourceTemplate.class));
                    McpAsyncCompletionHandler completion =
                            completion(completions, new McpSchema.ResourceReference(uriTemplate));
                    return Mono.just(completion == null ? modern : modern.withCompletionHandler(completion));
                }
            }
            return Mono.empty();
        }

        @Override
        public boolean supportsCompletion() {
            return completions.stream().anyMatch(c -> c.referenceKey() instanceof McpSchema.ResourceReference);
        }

        private static McpAsyncResource reader(
                String uri,
                java.util.function.BiFunction<
                                McpAsyncServerExchange,
                                McpSchema.ReadResourceRequest,
                                Mono<McpSchema.ReadResourceResult>>
                        handler) {
            return McpAsyncResource.of((ctx, request) ->
                    respond(ctx, exchange -> handler.apply(exchange, new McpSchema.ReadResourceRequest(request.uri()))
                            .onErrorMap(error -> modernError(error, uri))
                            .map(result -> (io.modelcontextprotocol.modern.McpSchema.ReadResourceOutcome) convert(
                                    result, io.modelcontextprotocol.modern.McpSchema.ReadResourceResult.class))));
        }
    }

    private static final class Prompts implements McpAsyncPromptRepository {
        private final Map<String, AsyncPromptSpecification> byName = new LinkedHashMap<>();
        private final List<AsyncCompletionSpecification> completions;

        private final Map<String, McpAsyncPrompt> extras = new LinkedHashMap<>();

        Prompts(
                List<AsyncPromptSpecification> prompts,
                List<AsyncCompletionSpecification> completions,
                List<McpAsyncPrompt> extras) {
            prompts.forEach(prompt -> byName.put(prompt.prompt().name(), prompt));
            extras.forEach(prompt -> this.extras.put(prompt.definition().name(), prompt));
            this.completions = completions;
        }

        @Override
        public Mono<PromptsPage> list(McpRequestContext context, String cursor) {
            List<io.modelcontextprotocol.modern.McpSchema.Prompt> listed = new java.util.ArrayList<>();
            byName.values().stream()
                    .map(spec -> convert(spec.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class))
                    .forEach(listed::add);
            extras.values().forEach(prompt -> listed.add(prompt.definition()));
            return Mono.just(PromptsPage.of(listed));
        }

        @Override
        public Mono<McpAsyncPrompt> find(McpRequestContext context, String name) {
            if (extras.containsKey(name)) {
                return Mono.just(extras.get(name));
            }
            AsyncPromptSpecification spec = byName.get(name);
            if (spec == null) {
                return Mono.empty();
            }
            McpAsyncPrompt prompt = McpAsyncPrompt.of(
                    convert(spec.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class),
                    (ctx, request) -> respond(ctx, exchange -> spec.promptHandler()
                            .apply(exchange, new McpSchema.GetPromptRequest(request.name(), argumentsOf(request)))
                            .onErrorMap(error -> modernError(error, null))
                            .map(result -> (io.modelcontextprotocol.modern.McpSchema.GetPromptOutcome)
                                    convert(result, io.modelcontextprotocol.modern.McpSchema.GetPromptResult.class))));
            McpAsyncCompletionHandler completion = completion(completions, new McpSchema.PromptReference(name));
            return Mono.just(completion == null ? prompt : prompt.withCompletionHandler(completion));
        }

        @Override
        public boolean supportsCompletion() {
            return completions.stream().anyMatch(c -> c.referenceKey() instanceof McpSchema.PromptReference);
        }

        private static Map<String, Object> argumentsOf(
                io.modelcontextprotocol.modern.McpSchema.GetPromptRequest request) {
            return request.arguments() == null ? Map.of() : new HashMap<>(request.arguments());
        }
    }

    private static McpAsyncCompletionHandler completion(
            List<AsyncCompletionSpecification> completions, McpSchema.CompleteReference reference) {
        for (AsyncCompletionSpecification spec : completions) {
            if (Objects.equals(spec.referenceKey().identifier(), reference.identifier())
                    && Objects.equals(spec.referenceKey().type(), reference.type())) {
                return (ctx, request) -> spec.completionHandler()
                        .apply(exchange(ctx, null), convert(request, McpSchema.CompleteRequest.class))
                        .map(result -> convert(result, io.modelcontextprotocol.modern.McpSchema.CompleteResult.class));
            }
        }
        return null;
    }

    /**
     * The SDK's HMAC codec, built on its first use with the shared key: reading the key needs the database, which
     * opens in the background while the server starts.
     */
    private static final class SharedKeyCodec implements RequestStateCodec {
        private final Supplier<byte[]> key;
        private volatile RequestStateCodec codec;

        SharedKeyCodec(Supplier<byte[]> key) {
            this.key = key;
        }

        private RequestStateCodec codec() {
            RequestStateCodec built = codec;
            if (built == null) {
                built = HmacRequestStateCodec.builder()
                        .key(key.get())
                        .principalExtractor(ModernEra::principalId)
                        .jsonMapper(Json.MCP)
                        .build();
                codec = built;
            }
            return built;
        }

        @Override
        public String seal(McpRequestContext context, String state) {
            return codec().seal(context, state);
        }

        @Override
        public String open(McpRequestContext context, String state) {
            return codec().open(context, state);
        }
    }
}
