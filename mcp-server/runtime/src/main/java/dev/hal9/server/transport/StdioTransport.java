package dev.hal9.server.transport;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.Cancellations;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.modern.server.McpTransportResponse;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * MCP over stdio: one JSON-RPC message per line in, one per line out, nothing else on the output. Unlike the
 * SDK's stdio transport it answers malformed lines with JSON-RPC errors and keeps serving, instead of ending
 * the session, and it passes {@code notifications/cancelled} to the calls in flight. Thread-safe.
 */
public final class StdioTransport implements McpServerTransportProvider {

    private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);

    private final InputStream input;
    private final OutputStream output;
    private final McpTransportContext context;
    private final Cancellations cancellations;
    private final Principal principal;
    private final UnknownTools unknownTools;
    /** Built on the first 2026-07-28 request: a 2025-11-25 client's start-up never pays for it. */
    private final Supplier<ModernEra> modern;

    private final McpTransportContext modernContext;
    /** Modern requests in flight by JSON-RPC id, so that notifications/cancelled can end them (and a listen). */
    private final Map<Object, Disposable> modernInFlight = new ConcurrentHashMap<>();

    private final String modernScope = "stdio-modern-" + UUID.randomUUID();
    private final CountDownLatch finished = new CountDownLatch(1);
    private McpServerSession.Factory factory;
    private volatile McpServerSession session;
    private boolean initialized;

    /** Whether the client declared MCP Apps views at initialize: list results keep their views only then. */
    private volatile boolean apps;

    public StdioTransport(
            InputStream input,
            OutputStream output,
            Principal principal,
            Cancellations cancellations,
            UnknownTools unknownTools,
            Supplier<ModernEra> modern) {
        this.modern = modern;
        this.modernContext = Principals.context(principal)
                .putAll(ModernEra.notMirrored())
                .putAll(Map.of(ModernEra.CANCEL_SCOPE_KEY, modernScope));
        this.principal = principal;
        this.unknownTools = unknownTools;
        this.input = input;
        this.output = output;
        this.context = Principals.context(principal);
        this.cancellations = cancellations;
    }

    private Runnable afterHandshake;
    /** Where the handshake's answers are kept for the next start; null: nowhere. */
    private StdioHandshake handshake;
    /** Handshake requests handed on and not yet answered, by {@link #idKey}. */
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();

    /** Keeps the answers to the handshake in {@code handshake}, for the next start. */
    public void keepHandshake(StdioHandshake handshake) {
        this.handshake = handshake;
    }

    /**
     * Work to start once the client has finished its handshake: after the first request that is not
     * {@code initialize} or {@code server/discover} (a listing, usually) has been handed on. Run once, on the
     * reading thread.
     */
    public void afterHandshake(Runnable start) {
        this.afterHandshake = start;
    }

    private void handshakeDone(McpSchema.JSONRPCMessage message) {
        if (afterHandshake != null
                && message instanceof McpSchema.JSONRPCRequest request
                && !McpSchema.METHOD_INITIALIZE.equals(request.method())
                && !ModernEra.DISCOVER.equals(request.method())) {
            Runnable start = afterHandshake;
            afterHandshake = null;
            start.run();
        }
    }

    @Override
    public void setSessionFactory(McpServerSession.Factory sessionFactory) {
        this.factory = sessionFactory;
    }

    /** Reads stdin until it closes; returns then. */
    void run() {
        start();
        try {
            StdioLines.read(input, this::handle);
        } finally {
            finish();
        }
    }

    /** Opens the session; {@link #handle(String)} may be called from then on. */
    public void start() {
        session = factory.create(new LineTransport());
    }

    /** Ends the session, once stdin has closed. */
    void finish() {
        session.close();
        finished.countDown();
    }

    /**
     * Handles a line of the handshake: its result is kept by the handshake cache, and when it was already answered
     * from there ({@code answeredEarly}) the server's own answer is compared, not sent again.
     */
    void handle(String line, StdioHandshake.Request request, boolean answeredEarly) {
        if (request != null && handshake != null) {
            expected.put(request.idKey(), new Expected(request, answeredEarly));
        }
        handle(line);
    }

    private record Expected(StdioHandshake.Request request, boolean answeredEarly) {}

    private static String idKey(Object id) {
        return id instanceof Number number ? "n:" + number.longValue() : "s:" + id;
    }

    /**
     * The server's answer to a handshake request ({@code response} null: the transport refused it before the server
     * saw it): kept for the next start, and swallowed when the client has it already. True when it must not be
     * written.
     */
    private boolean answeredBefore(Object id, McpSchema.JSONRPCResponse response) {
        Expected expect = expected.remove(idKey(id));
        if (expect == null) {
            return false;
        }
        if (response == null) {
            if (expect.answeredEarly()) {
                LOG.warn(
                        "{} was answered at start-up but refused now; the client keeps the first answer",
                        expect.request().entry());
            }
            return expect.answeredEarly();
        }
        String result = response.error() != null ? null : Json.MAPPER.writeValueAsString(response.result());
        boolean changed = handshake.record(expect.request(), result);
        if (expect.answeredEarly() && changed) {
            if (expect.request().entry().equals("tools/list") && result != null) {
                LOG.info("the tool list answered at start-up was out of date; telling the client it changed");
                session.sendNotification(McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED, null)
                        .subscribe(null, error -> LOG.debug("cannot notify: {}", error.getMessage()));
            } else {
                LOG.warn(
                        "{} was answered at start-up from an out-of-date handshake cache; the next start answers "
                                + "as this server does",
                        expect.request().entry());
            }
        }
        return expect.answeredEarly();
    }

    /** Handles one line of the client ({@code null}: one that was too long). */
    void handle(String line) {
        if (line == null) {
            write(JsonRpc.error(
                    null,
                    JsonRpc.INVALID_REQUEST,
                    "Invalid Request: the message is longer than " + StdioLines.MAX_LINE_CHARS + " characters"));
            return;
        }
        if (line.isBlank()) {
            return;
        }
        JsonRpc.Parsed parsed = JsonRpc.parse(line.strip());
        if (!parsed.ok()) {
            write(parsed.error());
            return;
        }
        McpSchema.JSONRPCMessage message = parsed.message();
        if (message instanceof McpSchema.JSONRPCRequest request && ModernEra.routes(request)) {
            handleModern(request);
            handshakeDone(message);
            return;
        }
        Object cancelledModern = JsonRpc.cancelledRequest(message);
        if (cancelledModern != null && modernInFlight.containsKey(cancelledModern)) {
            cancellations.cancel(modernScope, cancelledModern);
            Disposable running = modernInFlight.remove(cancelledModern);
            if (running != null) {
                running.dispose();
            }
            return;
        }
        Object requestId = message instanceof McpSchema.JSONRPCRequest request ? request.id() : null;
        if (message instanceof McpSchema.JSONRPCRequest request) {
            Map<String, Object> invalid = JsonRpc.checkParams(request);
            if (invalid == null && McpSchema.METHOD_INITIALIZE.equals(request.method()) && initialized) {
                invalid = JsonRpc.error(
                        request.id(),
                        JsonRpc.INVALID_REQUEST,
                        "Invalid Request: this session is already initialized; start a new process for a new session");
            }
            if (invalid == null) {
                invalid = unknownTools.check(request, principal);
            }
            if (invalid != null) {
                if (!answeredBefore(request.id(), null)) {
                    write(invalid);
                }
                return;
            }
            if (McpSchema.METHOD_INITIALIZE.equals(request.method())) {
                initialized = true;
                apps = dev.hal9.api.internal.AppsExtension.declaredInInitialize(request.params());
            }
        }
        Object cancelled = JsonRpc.cancelledRequest(message);
        if (cancelled != null) {
            cancellations.cancel(session.getId(), cancelled);
        }
        session.handle(message)
                .contextWrite(ctx -> {
                    var withContext = ctx.put(McpTransportContext.KEY, context);
                    return requestId == null ? withContext : withContext.put(Cancellations.REQUEST_ID_KEY, requestId);
                })
                .subscribe(null, error -> {
                    LOG.warn("handling a message failed: {}", error.getMessage());
                    if (requestId != null) {
                        write(JsonRpc.error(
                                requestId,
                                McpSchema.ErrorCodes.INTERNAL_ERROR,
                                "Internal error: " + error.getMessage()));
                    }
                });
        handshakeDone(message);
    }

    /** One revision 2026-07-28 request: its notifications first, then its answer, each on its own line. */
    private void handleModern(McpSchema.JSONRPCRequest request) {
        Object id = request.id();
        Disposable running = modern.get()
                .handle(modernContext, request)
                .flatMapMany(response -> switch (response) {
                    case McpTransportResponse.Result result -> Flux.just(result.response());
                    case McpTransportResponse.Error error -> Flux.just(error.response());
                    case McpTransportResponse.Streaming streaming -> streaming.messages();
                    default -> Flux.empty();
                })
                .contextWrite(ctx -> ctx.put(Cancellations.REQUEST_ID_KEY, id))
                .doFinally(signal -> modernInFlight.remove(id))
                .subscribe(this::writeModern, error -> {
                    LOG.warn("handling a 2026-07-28 request failed: {}", error.getMessage());
                    write(JsonRpc.error(id, McpSchema.ErrorCodes.INTERNAL_ERROR, "Internal error"));
                });
        if (!running.isDisposed()) {
            modernInFlight.put(id, running);
        }
    }

    private void writeModern(Object message) {
        try {
            writeLine(Json.MCP.writeValueAsString(message));
        } catch (IOException e) {
            LOG.warn("cannot write a 2026-07-28 message: {}", e.getMessage());
        }
    }

    private void write(Object message) {
        writeLine(Json.MAPPER.writeValueAsString(message));
    }

    private void writeLine(String json) {
        StdioLines.write(output, json);
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        McpServerSession current = session;
        return current == null ? Mono.empty() : current.sendNotification(method, params);
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return notifyClients(method, params);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> {
            McpServerSession current = session;
            if (current != null) {
                current.close();
            }
        });
    }

    private final class LineTransport implements McpServerTransport {
        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            // shaped first: the handshake kept for the next start is what this client was sent
            McpSchema.JSONRPCMessage shaped = dev.hal9.api.internal.AppsExtension.forClient(message, apps);
            if (shaped instanceof McpSchema.JSONRPCResponse response
                    && !expected.isEmpty()
                    && answeredBefore(response.id(), response)) {
                return Mono.empty();
            }
            return Mono.fromRunnable(() -> write(shaped));
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return Json.MCP.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }
    }
}
