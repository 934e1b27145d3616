package dev.hal9.server.http;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.Cancellations;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import dev.hal9.server.transport.JsonRpc;
import dev.hal9.server.transport.ModernEra;
import dev.hal9.server.transport.UnknownTools;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The Streamable HTTP transport of MCP on Helidon SE: the SDK's {@link McpStreamableServerTransportProvider}
 * behind an {@link HttpService} at {@code /mcp}. POST carries client messages; a request is answered with
 * plain JSON when its response is the first thing it produces, else with an SSE stream (progress, logging
 * and server-to-client requests before the response). GET opens the session's listening stream; GET with
 * {@code Last-Event-ID} resumes any stream of the session; DELETE ends the session. Protocol logic stays
 * in the SDK's {@link McpStreamableServerSession}. Thread-safe.
 */
public final class StreamableHttpTransport implements McpStreamableServerTransportProvider, HttpService {

    /** The Reactor-context key of a Runnable that lets go of the current request's SSE connection (SEP-1699). */
    public static final String CLOSE_STREAM_KEY = "hal9.closeStream";

    /** W3C Trace Context: the caller's span, which the server's span of a tool call continues. */
    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");

    static final HeaderName SESSION_ID = HeaderNames.create("Mcp-Session-Id");
    static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");
    static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");

    private static final Logger LOG = LoggerFactory.getLogger(StreamableHttpTransport.class);
    private static final List<String> VERSIONS = List.of(
            ProtocolVersions.MCP_2024_11_05,
            ProtocolVersions.MCP_2025_03_26,
            ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_11_25);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final int MAX_STREAMS_PER_SESSION = 64;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Cancellations cancellations;
    private final int maxRequestBytes;
    private final UnknownTools unknownTools;
    private final Limits limits;
    private final LongSupplier nanoTime;
    private final Map<String, AtomicInteger> openStreams = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hal9-session-sweeper").daemon().factory());
    private volatile McpStreamableServerSession.Factory factory;
    private volatile boolean closing;
    private volatile ModernHttp modern;

    StreamableHttpTransport(
            Cancellations cancellations,
            int maxRequestBytes,
            UnknownTools unknownTools,
            Limits limits,
            LongSupplier nanoTime) {
        this.cancellations = cancellations;
        this.unknownTools = unknownTools;
        this.limits = limits;
        this.nanoTime = nanoTime;
        this.maxRequestBytes = maxRequestBytes;
        sweeper.scheduleAtFixedRate(this::evictIdleSessions, 1, 1, TimeUnit.MINUTES);
    }

    /**
     * How much one principal, and everyone together, may hold open: sessions, GET streams per principal, and how
     * long a session without requests lives.
     */
    record Limits(int sessions, int sessionsPerPrincipal, int streamsPerPrincipal, Duration idle) {}

    /** One MCP session: the SDK's session, its owner and its streams. */
    private final class Session {
        final McpStreamableServerSession mcp;
        final String owner;
        final String protocolVersion;
        /** Whether the client declared MCP Apps views at initialize: list results keep their views only then. */
        final boolean apps;

        final Map<String, EventStream> streams = new ConcurrentHashMap<>();
        final Deque<String> order = new ArrayDeque<>();
        final AtomicLong streamCounter = new AtomicLong();
        volatile long lastSeen = nanoTime.getAsLong();

        Session(McpStreamableServerSession mcp, String owner, String protocolVersion, boolean apps) {
            this.mcp = mcp;
            this.owner = owner;
            this.protocolVersion = protocolVersion;
            this.apps = apps;
        }

        EventStream newStream() {
            EventStream stream = new EventStream("s" + streamCounter.incrementAndGet());
            synchronized (order) {
                streams.put(stream.id(), stream);
                order.addLast(stream.id());
                // keep the newest completed streams for resumption; a live stream is never dropped (that
                // would end an in-flight request without its response), so only concurrency bounds those
                var ids = order.iterator();
                while (order.size() > MAX_STREAMS_PER_SESSION && ids.hasNext()) {
                    String id = ids.next();
                    EventStream candidate = streams.get(id);
                    if (candidate == null || candidate.completed()) {
                        ids.remove();
                        streams.remove(id);
                    }
                }
            }
            return stream;
        }

        boolean primes() {
            return protocolVersion.compareTo(ProtocolVersions.MCP_2025_11_25) >= 0;
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(this::post).get(this::get).delete(this::delete);
    }

    /** Serves revision 2026-07-28 beside the sessions: requests without a session that claim it go here. */
    void serveModern(ModernEra era) {
        this.modern = new ModernHttp(era);
    }

    @Override
    public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
        this.factory = sessionFactory;
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Mono.fromRunnable(() -> sessions.values().forEach(session -> session.mcp
                .sendNotification(method, params)
                .onErrorResume(e -> Mono.empty())
                .subscribe()));
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        Session session = sessions.get(sessionId);
        return session == null ? Mono.empty() : session.mcp.sendNotification(method, params);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> {
            closing = true;
            sessions.keySet().forEach(this::end);
            sweeper.shutdownNow();
        });
    }

    /** How many sessions are open, for metrics and readiness. */
    int sessionCount() {
        return sessions.size();
    }

    /** Whether no one can start another session until some end (readiness reports it). */
    boolean saturated() {
        return sessions.size() >= limits.sessions();
    }

    Limits limits() {
        return limits;
    }

    // ---- POST

    private void post(ServerRequest request, ServerResponse response) {
        if (closing) {
            HttpErrors.send(response, Status.SERVICE_UNAVAILABLE_503, null, "the server is shutting down");
            return;
        }
        Principal principal = HttpServer.principal(request);
        if (!HttpErrors.contentTypeIsJson(request, response) || !accepts(request, response, true)) {
            return;
        }
        Optional<McpSchema.JSONRPCMessage> read = HttpErrors.readMessage(request, response, maxRequestBytes);
        if (read.isEmpty()) {
            return;
        }
        McpSchema.JSONRPCMessage message = read.get();
        if (modern != null && ModernHttp.routes(request, message)) {
            if (message instanceof McpSchema.JSONRPCRequest call) {
                modern.handle(request, response, principal, call);
            } else {
                modern.accept(response);
            }
            return;
        }
        if (message instanceof McpSchema.JSONRPCRequest initialize
                && McpSchema.METHOD_INITIALIZE.equals(initialize.method())) {
            if (request.headers().contains(SESSION_ID)) {
                HttpErrors.sendJson(
                        response,
                        Status.BAD_REQUEST_400,
                        JsonRpc.error(
                                initialize.id(),
                                JsonRpc.INVALID_REQUEST,
                                "Invalid Request: initialize starts a new session; send it "
                                        + "without Mcp-Session-Id (DELETE the old session to end it)"));
                return;
            }
            initialize(initialize, principal, response);
            return;
        }
        Session session = session(request, response, principal, message);
        if (session == null) {
            return;
        }
        McpTransportContext context = Principals.context(
                principal, request.headers().first(TRACEPARENT).orElse(null));
        switch (message) {
            case McpSchema.JSONRPCNotification notification -> {
                Object cancelled = JsonRpc.cancelledRequest(notification);
                if (cancelled != null) {
                    cancellations.cancel(session.mcp.getId(), cancelled);
                }
                session.mcp
                        .accept(notification)
                        .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context))
                        .onErrorResume(e -> Mono.empty())
                        .block();
                response.status(Status.ACCEPTED_202).send();
            }
            case McpSchema.JSONRPCResponse answer -> {
                try {
                    session.mcp
                            .accept(answer)
                            .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context))
                            .block();
                    response.status(Status.ACCEPTED_202).send();
                } catch (RuntimeException e) {
                    HttpErrors.sendJson(
                            response,
                            Status.BAD_REQUEST_400,
                            JsonRpc.error(
                                    answer.id(),
                                    JsonRpc.INVALID_REQUEST,
                                    "Invalid Request: no request of this server has the id " + answer.id()));
                }
            }
            case McpSchema.JSONRPCRequest call -> {
                Map<String, Object> unknown = unknownTools.check(call, principal);
                OAuthResource.Verdict.Refused stepUp = stepUp(request, call, principal);
                if (stepUp != null) {
                    response.header(HeaderNames.WWW_AUTHENTICATE, stepUp.challenge());
                    HttpErrors.sendJson(
                            response,
                            Status.FORBIDDEN_403,
                            JsonRpc.error(call.id(), JsonRpc.INVALID_REQUEST, stepUp.message()));
                } else if (unknown != null) {
                    HttpErrors.sendJson(response, Status.OK_200, unknown);
                } else {
                    respond(session, call, context, response);
                }
            }
            default -> HttpErrors.send(response, Status.BAD_REQUEST_400, null, "Invalid Request: unknown message kind");
        }
    }

    /** For a caller with an OAuth access token: the 403 asking for the scope a tool call needs, or null. */
    private OAuthResource.Verdict.Refused stepUp(
            ServerRequest request, McpSchema.JSONRPCRequest call, Principal principal) {
        Optional<OAuthResource> oauth = request.context().get(OAuthResource.class);
        if (oauth.isEmpty()) {
            return null;
        }
        String capability = unknownTools.missingCapability(call, principal);
        if (capability == null) {
            return null;
        }
        String tool = String.valueOf(((Map<?, ?>) call.params()).get("name"));
        return oauth.get().insufficientScope(tool, capability);
    }

    private void initialize(McpSchema.JSONRPCRequest request, Principal principal, ServerResponse response) {
        long own = sessions.values().stream()
                .filter(session -> session.owner.equals(principal.id()))
                .count();
        if (own >= limits.sessionsPerPrincipal()) {
            HttpErrors.sendJson(
                    response,
                    Status.TOO_MANY_REQUESTS_429,
                    JsonRpc.error(
                            request.id(),
                            McpSchema.ErrorCodes.INTERNAL_ERROR,
                            principal.id() + " has " + own + " open sessions, the most one principal may have "
                                    + "(server.sessions.per-principal); end unused ones with DELETE, or wait "
                                    + limits.idle().toMinutes() + " minutes for idle ones to close"));
            return;
        }
        if (saturated()) {
            HttpErrors.sendJson(
                    response,
                    Status.SERVICE_UNAVAILABLE_503,
                    JsonRpc.error(
                            request.id(),
                            McpSchema.ErrorCodes.INTERNAL_ERROR,
                            "the server has " + sessions.size() + " open sessions, its limit (server.sessions.max); "
                                    + "retry later"));
            return;
        }
        McpSchema.InitializeRequest initialize;
        try {
            initialize = Json.MCP.convertValue(request.params(), new TypeRef<McpSchema.InitializeRequest>() {});
        } catch (RuntimeException e) {
            initialize = null;
        }
        if (initialize == null || initialize.protocolVersion() == null) {
            HttpErrors.sendJson(
                    response,
                    Status.BAD_REQUEST_400,
                    JsonRpc.error(
                            request.id(),
                            McpSchema.ErrorCodes.INVALID_PARAMS,
                            "Invalid params: initialize needs protocolVersion, capabilities and clientInfo"));
            return;
        }
        McpStreamableServerSession.McpStreamableServerSessionInit init = factory.startSession(initialize);
        McpSchema.InitializeResult result;
        try {
            result = init.initResult().block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            HttpErrors.sendJson(
                    response,
                    Status.INTERNAL_SERVER_ERROR_500,
                    JsonRpc.error(
                            request.id(), McpSchema.ErrorCodes.INTERNAL_ERROR, "initialize failed: " + e.getMessage()));
            return;
        }
        Session session = new Session(
                init.session(),
                principal.id(),
                result.protocolVersion(),
                dev.hal9.api.internal.AppsExtension.declared(initialize.capabilities()));
        sessions.put(init.session().getId(), session);
        response.header(SESSION_ID, init.session().getId());
        HttpErrors.sendJson(response, Status.OK_200, McpSchema.JSONRPCResponse.result(request.id(), result));
    }

    private Session session(ServerRequest request, ServerResponse response, Principal principal, Object message) {
        Object id = message instanceof McpSchema.JSONRPCRequest call ? call.id() : null;
        Optional<String> version = request.headers().first(PROTOCOL_VERSION);
        if (version.isPresent() && !VERSIONS.contains(version.get())) {
            HttpErrors.sendJson(
                    response,
                    Status.BAD_REQUEST_400,
                    JsonRpc.error(
                            id,
                            JsonRpc.INVALID_REQUEST,
                            "Bad Request: unsupported MCP-Protocol-Version " + clip(version.get()) + "; supported: "
                                    + VERSIONS));
            return null;
        }
        Optional<String> sessionId = request.headers().first(SESSION_ID);
        if (sessionId.isEmpty() || sessionId.get().isBlank()) {
            HttpErrors.sendJson(
                    response,
                    Status.BAD_REQUEST_400,
                    JsonRpc.error(
                            id,
                            JsonRpc.INVALID_REQUEST,
                            "Bad Request: Mcp-Session-Id header is required; send initialize first"));
            return null;
        }
        Session session = sessions.get(sessionId.get());
        if (session == null || !session.owner.equals(principal.id())) {
            HttpErrors.sendJson(
                    response,
                    Status.NOT_FOUND_404,
                    JsonRpc.error(
                            id,
                            JsonRpc.INVALID_REQUEST,
                            "Session not found: it expired or was closed; send initialize to start a new one"));
            return null;
        }
        session.lastSeen = nanoTime.getAsLong();
        return session;
    }

    private void respond(
            Session session, McpSchema.JSONRPCRequest call, McpTransportContext context, ServerResponse response) {
        EventStream stream = session.newStream();
        BlockingQueue<EventStream.Item> queue = stream.attach(0);
        StreamTransport transport = new StreamTransport(stream, call.id(), session.apps);
        Runnable letGo = () -> stream.detach(null);
        session.mcp
                .responseStream(call, transport)
                .contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context)
                        .put(Cancellations.REQUEST_ID_KEY, call.id())
                        .put(CLOSE_STREAM_KEY, letGo))
                .subscribe(null, error -> {
                    LOG.warn("request {} failed: {}", call.method(), error.getMessage());
                    transport
                            .sendMessage(McpSchema.JSONRPCResponse.error(
                                    call.id(),
                                    new McpSchema.JSONRPCResponse.JSONRPCError(
                                            McpSchema.ErrorCodes.INTERNAL_ERROR,
                                            String.valueOf(error.getMessage()),
                                            null)))
                            .subscribe();
                });
        pump(session, stream, queue, response, true);
    }

    // ---- GET

    private void get(ServerRequest request, ServerResponse response) {
        Principal principal = HttpServer.principal(request);
        if (!accepts(request, response, false)) {
            return;
        }
        Session session = session(request, response, principal, null);
        if (session == null) {
            return;
        }
        AtomicInteger open = openStreams.computeIfAbsent(principal.id(), id -> new AtomicInteger());
        if (open.incrementAndGet() > limits.streamsPerPrincipal()) {
            open.decrementAndGet();
            HttpErrors.send(
                    response,
                    Status.TOO_MANY_REQUESTS_429,
                    null,
                    principal.id() + " has " + limits.streamsPerPrincipal() + " open GET streams, the most one "
                            + "principal may have (server.streams.per-principal); close one first");
            return;
        }
        try {
            stream(request, response, session);
        } finally {
            open.decrementAndGet();
        }
    }

    private void stream(ServerRequest request, ServerResponse response, Session session) {
        Optional<String> lastEventId = request.headers().first(LAST_EVENT_ID);
        if (lastEventId.isPresent()) {
            String streamId = EventStream.streamOf(lastEventId.get());
            EventStream stream = streamId == null ? null : session.streams.get(streamId);
            long after = EventStream.sequenceOf(lastEventId.get());
            if (stream == null || after < 0) {
                HttpErrors.send(
                        response,
                        Status.NOT_FOUND_404,
                        null,
                        "no stream of this session has the event " + clip(lastEventId.get()) + "; it may have expired");
                return;
            }
            pump(session, stream, stream.attach(after), response, false);
            return;
        }
        EventStream stream = session.newStream();
        BlockingQueue<EventStream.Item> queue = stream.attach(0);
        session.mcp.listeningStream(new StreamTransport(stream, null, session.apps));
        pump(session, stream, queue, response, false);
    }

    // ---- DELETE

    private void delete(ServerRequest request, ServerResponse response) {
        Principal principal = HttpServer.principal(request);
        Session session = session(request, response, principal, null);
        if (session == null) {
            return;
        }
        end(session.mcp.getId());
        response.status(Status.OK_200).send();
    }

    private void end(String sessionId) {
        Session session = sessions.remove(sessionId);
        if (session != null) {
            session.streams.values().forEach(EventStream::complete);
            session.mcp.delete().onErrorResume(e -> Mono.empty()).subscribe();
        }
    }

    /** Ends the sessions without a request for the idle time and without an open stream. */
    void evictIdleSessions() {
        long now = nanoTime.getAsLong();
        long idle = limits.idle().toNanos();
        sessions.forEach((id, session) -> {
            if (now - session.lastSeen > idle
                    && session.streams.values().stream().allMatch(EventStream::completed)) {
                LOG.info(
                        "closing MCP session {} after {} minutes without requests",
                        id,
                        limits.idle().toMinutes());
                end(id);
            }
        });
    }

    // ---- writing

    /**
     * Owns one HTTP response: takes the stream's items from the queue and writes them, as one JSON body when
     * the first item is the final response of a POST, else as SSE. Returns when the stream completes, the
     * server lets go of the connection, or the client goes away.
     */
    private void pump(
            Session session,
            EventStream stream,
            BlockingQueue<EventStream.Item> queue,
            ServerResponse response,
            boolean jsonAllowed) {
        OutputStream out = null;
        try {
            if (!jsonAllowed) {
                out = startSse(session, stream, response);
            }
            while (true) {
                EventStream.Item item = queue.poll(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (item == null) {
                    if (out != null) {
                        // a comment line: keeps proxies from closing the stream and finds dead clients
                        write(out, ": keep-alive\n\n");
                    }
                    continue;
                }
                switch (item) {
                    case EventStream.Event event -> {
                        if (out == null && event.finalResponse()) {
                            HttpErrors.sendRaw(response, Status.OK_200, "application/json", event.data());
                            return;
                        }
                        if (out == null) {
                            out = startSse(session, stream, response);
                        }
                        write(out, "id: " + event.id() + "\nevent: message\ndata: " + event.data() + "\n\n");
                    }
                    case EventStream.Close close -> {
                        if (out == null) {
                            response.status(Status.ACCEPTED_202).send();
                        }
                        return;
                    }
                    case EventStream.Detach detach -> {
                        if (out == null) {
                            out = startSse(session, stream, response);
                        }
                        return;
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.debug("client left stream {}: {}", stream.id(), e.getMessage());
            stream.detach(queue);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.detach(queue);
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing stream {}: {}", stream.id(), e.getMessage());
                }
            }
        }
    }

    private static OutputStream startSse(Session session, EventStream stream, ServerResponse response)
            throws IOException {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.header(SESSION_ID, session.mcp.getId());
        OutputStream out = response.outputStream();
        if (session.primes()) {
            // SEP-1699: an event with an id and no data first, so the client can resume from the start
            write(out, "id: " + stream.primingId() + "\nretry: 500\ndata: \n\n");
        } else {
            write(out, ": stream open\n\n");
        }
        return out;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static boolean accepts(ServerRequest request, ServerResponse response, boolean post) {
        List<String> accept = request.headers().values(HeaderNames.ACCEPT).stream()
                .flatMap(value -> List.of(value.split(",")).stream())
                .map(value -> value.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT))
                .toList();
        boolean any = accept.contains("*/*");
        boolean sse = any || accept.contains("text/event-stream");
        boolean json = any || accept.contains("application/json");
        if (post ? sse && json : sse) {
            return true;
        }
        HttpErrors.send(
                response,
                Status.NOT_ACCEPTABLE_406,
                null,
                post
                        ? "Not Acceptable: the Accept header must list both application/json and text/event-stream"
                        : "Not Acceptable: the Accept header must list text/event-stream");
        return false;
    }

    private static String clip(String value) {
        return value.length() > 60 ? value.substring(0, 60) + "…" : value;
    }

    /** The SDK's view of one stream: messages become events in the stream's log. */
    private static final class StreamTransport implements McpStreamableServerTransport {
        private final EventStream stream;
        private final Object requestId;
        private final boolean apps;

        StreamTransport(EventStream stream, Object requestId, boolean apps) {
            this.stream = stream;
            this.requestId = requestId;
            this.apps = apps;
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return sendMessage(message, null);
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
            return Mono.fromRunnable(() -> {
                boolean last = requestId != null
                        && message instanceof McpSchema.JSONRPCResponse response
                        && requestId.equals(response.id());
                stream.append(
                        Json.MAPPER.writeValueAsString(dev.hal9.api.internal.AppsExtension.forClient(message, apps)),
                        last);
            });
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return Json.MCP.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(stream::complete);
        }

        @Override
        public void close() {
            stream.complete();
        }
    }
}
