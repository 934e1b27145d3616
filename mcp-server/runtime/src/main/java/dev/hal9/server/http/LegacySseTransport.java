package dev.hal9.server.http;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.Cancellations;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import dev.hal9.server.transport.JsonRpc;
import dev.hal9.server.transport.UnknownTools;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The HTTP+SSE transport of protocol revision 2024-11-05, for older clients: {@code GET /sse} opens the
 * session's event stream and names the endpoint; {@code POST /message?sessionId=...} carries client messages,
 * whose answers travel on the stream. Thread-safe.
 */
final class LegacySseTransport implements McpServerTransportProvider {

    private static final Logger LOG = LoggerFactory.getLogger(LegacySseTransport.class);
    private static final String CLOSE = "\u0000close";
    /** Revisions a client may ask for here and be offered 2024-11-05 without a warning. */
    private static final List<String> KNOWN_REVISIONS = List.of(
            ProtocolVersions.MCP_2024_11_05,
            ProtocolVersions.MCP_2025_03_26,
            ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_11_25);

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final Cancellations cancellations;
    private final int maxRequestBytes;
    private final UnknownTools unknownTools;
    private final StreamableHttpTransport.Limits limits;
    private volatile McpServerSession.Factory factory;

    LegacySseTransport(
            Cancellations cancellations,
            int maxRequestBytes,
            UnknownTools unknownTools,
            StreamableHttpTransport.Limits limits) {
        this.cancellations = cancellations;
        this.limits = limits;
        this.unknownTools = unknownTools;
        this.maxRequestBytes = maxRequestBytes;
    }

    private static final class Connection {
        final String owner;
        final BlockingQueue<String> outbox = new LinkedBlockingQueue<>();
        volatile McpServerSession session;
        /** Whether the client declared MCP Apps views at initialize: list results keep their views only then. */
        volatile boolean apps;

        Connection(String owner) {
            this.owner = owner;
        }
    }

    /** Whether every legacy connection slot is taken. */
    boolean saturated() {
        return connections.size() >= limits.sessions();
    }

    @Override
    public List<String> protocolVersions() {
        return List.of(ProtocolVersions.MCP_2024_11_05);
    }

    /** The {@code /sse} endpoint. */
    HttpService sseService() {
        return rules -> rules.get(this::stream);
    }

    /** The {@code /message} endpoint. */
    HttpService messageService() {
        return (HttpRules rules) -> rules.post(this::message);
    }

    @Override
    public void setSessionFactory(McpServerSession.Factory sessionFactory) {
        this.factory = sessionFactory;
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Mono.fromRunnable(() -> connections.values().forEach(connection -> connection
                .session
                .sendNotification(method, params)
                .onErrorResume(e -> Mono.empty())
                .subscribe()));
    }

    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        return Mono.defer(() -> connections.values().stream()
                .filter(connection -> connection.session.getId().equals(sessionId))
                .findFirst()
                .map(connection -> connection.session.sendNotification(method, params))
                .orElse(Mono.empty()));
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> connections.values().forEach(connection -> connection.outbox.add(CLOSE)));
    }

    private void stream(ServerRequest request, ServerResponse response) {
        Principal principal = HttpServer.principal(request);
        // a legacy connection is a session and a stream at once: the stream cap bounds one principal's share
        long own = connections.values().stream()
                .filter(open -> open.owner.equals(principal.id()))
                .count();
        if (own >= limits.streamsPerPrincipal()) {
            HttpErrors.send(
                    response,
                    Status.TOO_MANY_REQUESTS_429,
                    null,
                    principal.id() + " has " + own + " open /sse connections, the most one principal may have "
                            + "(server.streams.per-principal); close one first");
            return;
        }
        if (saturated()) {
            HttpErrors.send(
                    response,
                    Status.SERVICE_UNAVAILABLE_503,
                    null,
                    "the server has " + connections.size() + " open /sse connections, its limit "
                            + "(server.sessions.max); retry later");
            return;
        }
        String id = UUID.randomUUID().toString();
        Connection connection = new Connection(principal.id());
        connection.session = factory.create(new Outbox(connection));
        // published only once its session exists, so broadcasts never see a half-made connection
        connections.put(id, connection);
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (OutputStream out = response.outputStream()) {
            write(out, "event: endpoint\ndata: /message?sessionId=" + id + "\n\n");
            while (true) {
                String message = connection.outbox.poll(15, TimeUnit.SECONDS);
                if (message == null) {
                    write(out, ": keep-alive\n\n");
                } else if (message.equals(CLOSE)) {
                    return;
                } else {
                    write(out, "event: message\ndata: " + message + "\n\n");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("legacy SSE client left: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(id);
            connection.session.close();
        }
    }

    private void message(ServerRequest request, ServerResponse response) {
        Principal principal = HttpServer.principal(request);
        Optional<String> id = request.query().first("sessionId").asOptional();
        Connection connection = id.map(connections::get).orElse(null);
        if (connection == null || !connection.owner.equals(principal.id())) {
            HttpErrors.send(
                    response,
                    Status.NOT_FOUND_404,
                    null,
                    "Session not found: open a new event stream with GET /sse and post to the endpoint it names");
            return;
        }
        if (!HttpErrors.contentTypeIsJson(request, response)) {
            return;
        }
        Optional<McpSchema.JSONRPCMessage> read = HttpErrors.readMessage(request, response, maxRequestBytes);
        if (read.isEmpty()) {
            return;
        }
        McpSchema.JSONRPCMessage message = offerOurRevision(read.get());
        if (message instanceof McpSchema.JSONRPCRequest initialize
                && McpSchema.METHOD_INITIALIZE.equals(initialize.method())) {
            connection.apps = dev.hal9.api.internal.AppsExtension.declaredInInitialize(initialize.params());
        }
        Object requestId = message instanceof McpSchema.JSONRPCRequest call ? call.id() : null;
        Map<String, Object> unknown =
                message instanceof McpSchema.JSONRPCRequest call ? unknownTools.check(call, principal) : null;
        if (unknown != null) {
            // answers travel on the event stream, like the SDK's would
            connection.outbox.add(JsonRpc.toJson(unknown));
            response.status(Status.ACCEPTED_202).send();
            return;
        }
        Object cancelled = JsonRpc.cancelledRequest(message);
        if (cancelled != null) {
            cancellations.cancel(connection.session.getId(), cancelled);
        }
        McpTransportContext context = Principals.context(principal);
        connection
                .session
                .handle(message)
                .contextWrite(ctx -> {
                    var with = ctx.put(McpTransportContext.KEY, context);
                    return requestId == null ? with : with.put(Cancellations.REQUEST_ID_KEY, requestId);
                })
                .subscribe(null, error -> LOG.warn("legacy SSE message failed: {}", error.getMessage()));
        response.status(Status.ACCEPTED_202).send();
    }

    /**
     * A client on this transport that asks for a newer revision (TypeScript SDK clients ask for their latest) is
     * answered with 2024-11-05, the only revision of HTTP+SSE, as the spec's negotiation says. The SDK would do the
     * same but log a WARNING for every such client; doing it here keeps that warning for versions nobody knows.
     */
    private static McpSchema.JSONRPCMessage offerOurRevision(McpSchema.JSONRPCMessage message) {
        if (message instanceof McpSchema.JSONRPCRequest initialize
                && McpSchema.METHOD_INITIALIZE.equals(initialize.method())
                && initialize.params() instanceof Map<?, ?> params
                && params.get("protocolVersion") instanceof String asked
                && !asked.equals(ProtocolVersions.MCP_2024_11_05)
                && KNOWN_REVISIONS.contains(asked)) {
            LOG.debug("legacy SSE client asked for {}; offering {}", asked, ProtocolVersions.MCP_2024_11_05);
            Map<Object, Object> offered = new LinkedHashMap<>(params);
            offered.put("protocolVersion", ProtocolVersions.MCP_2024_11_05);
            return new McpSchema.JSONRPCRequest(initialize.jsonrpc(), initialize.method(), initialize.id(), offered);
        }
        return message;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static final class Outbox implements McpServerTransport {
        private final Connection connection;

        Outbox(Connection connection) {
            this.connection = connection;
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return Mono.fromRunnable(() -> connection.outbox.add(Json.MAPPER.writeValueAsString(
                    dev.hal9.api.internal.AppsExtension.forClient(message, connection.apps))));
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return Json.MCP.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(() -> connection.outbox.add(CLOSE));
        }
    }
}
