package dev.hal9.server.http;

import dev.hal9.api.Principal;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.transport.UnknownTools;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hal9 over HTTP on Helidon SE (virtual threads): Streamable HTTP at {@code /mcp}, the legacy HTTP+SSE pair
 * at {@code /sse} and {@code /message}, {@code /health} and {@code /metrics}. Two filters guard every route:
 * Host/Origin validation against DNS rebinding, and bearer-token authentication of the MCP endpoints. With
 * {@link Auth#OAUTH} it also serves its OAuth protected-resource metadata (RFC 9728).
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    /** How HTTP callers are authenticated. */
    public enum Auth {
        /** Every caller is the local user; allowed only on a loopback address. */
        NONE,
        /** A bearer token made with {@code hal9 token create} is required. */
        TOKEN,
        /**
         * An OAuth 2.1 access token (a JWT of {@code server.oauth.issuer} for this resource) or a hal9 token is
         * required; the protected-resource metadata tells clients where to get one.
         */
        OAUTH
    }

    private final Hal9 hal9;
    private final WebServer server;
    private final StreamableHttpTransport streamable;
    private final LegacySseTransport legacy;
    private final RequestDeadlines deadlines;

    private HttpServer(
            Hal9 hal9,
            WebServer server,
            StreamableHttpTransport streamable,
            LegacySseTransport legacy,
            RequestDeadlines deadlines) {
        this.deadlines = deadlines;
        this.hal9 = hal9;
        this.server = server;
        this.streamable = streamable;
        this.legacy = legacy;
    }

    /**
     * Starts serving.
     *
     * @throws IllegalArgumentException when the address is not loopback and auth is {@link Auth#NONE}
     */
    public static HttpServer start(Hal9 hal9, String host, int port, Auth auth) {
        return start(hal9, host, port, auth, System::nanoTime);
    }

    /** Starts serving with a clock for session idleness (tests pass one they move). */
    public static HttpServer start(Hal9 hal9, String host, int port, Auth auth, LongSupplier nanoTime) {
        boolean loopback = isLoopback(host);
        if (!loopback && auth == Auth.NONE) {
            throw new IllegalArgumentException("refusing to serve on " + host + " without authentication: anyone "
                    + "who can reach it could use every tool. Bind to 127.0.0.1, or pass --auth token and give "
                    + "clients a token made with 'hal9 token create' (or --auth oauth with server.oauth.*).");
        }
        Settings settings = hal9.settings();
        int maxBytes = settings.integer("server.max-request-bytes");
        UnknownTools unknownTools = hal9.unknownTools();
        StreamableHttpTransport.Limits limits = new StreamableHttpTransport.Limits(
                settings.integer("server.sessions.max"),
                settings.integer("server.sessions.per-principal"),
                settings.integer("server.streams.per-principal"),
                Duration.ofMinutes(settings.integer("server.sessions.idle-minutes")));
        StreamableHttpTransport streamable =
                new StreamableHttpTransport(hal9.cancellations(), maxBytes, unknownTools, limits, nanoTime);
        LegacySseTransport legacy = new LegacySseTransport(hal9.cancellations(), maxBytes, unknownTools, limits);
        hal9.serve(streamable);
        streamable.serveModern(hal9.modern());
        hal9.serve(legacy);
        OAuthResource oauth = auth == Auth.OAUTH
                ? new OAuthResource(
                        OAuthResource.Config.from(settings), hal9.clock().withZone(ZoneOffset.UTC))
                : null;
        AccessFilter access = new AccessFilter(
                hal9,
                host,
                loopback,
                auth,
                oauth,
                settings.list("server.allowed-origins"),
                settings.list("server.allowed-hosts"),
                settings.integer("server.max-unauthenticated-request-bytes"));
        if (port != 0) {
            // Helidon reports a taken port as a logged stack trace and a server that "runs" on port -1: look first
            requirePortFree(host, port);
        }
        RequestDeadlines deadlines = new RequestDeadlines(
                Duration.ofSeconds(settings.integer("server.request-read-timeout-seconds")), System::nanoTime);
        Duration idle = Duration.ofSeconds(settings.integer("server.idle-timeout-seconds"));
        WebServer server = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(maxBytes + 1L)
                .maxTcpConnections(settings.integer("server.max-connections"))
                // Helidon closes a connection idle this long between requests (or before its first), checked
                // every period; RequestDeadlines covers a request that is being read too slowly
                .idleConnectionTimeout(idle)
                .idleConnectionPeriod(Duration.ofMillis(Math.max(250, Math.min(5_000, idle.toMillis() / 4))))
                .addProtocol(Http1Config.builder().addReceiveListener(deadlines).build())
                .routing(routing -> routing(routing, hal9, access, deadlines, streamable, legacy))
                .build()
                .start();
        if (!server.isRunning() || server.port() < 0) {
            // lost a race for the port after the look, or another bind failure Helidon has logged
            streamable.closeGracefully().block();
            legacy.closeGracefully().block();
            deadlines.close();
            throw new PortInUse(host, port);
        }
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
        hal9.reachableAt(base + "/mcp");
        hal9.reachableAt(base + "/sse");
        hal9.guard().approvalsAt(base + "/approvals");
        // if not already under way ('serve' starts it with the families, on the other core): /health/ready says when
        // it is open, and a request that needs it waits for it
        hal9.store().openInBackground();
        LOG.info(
                "hal9 {} serving MCP at {}/mcp (legacy SSE at {}/sse), auth {}",
                Hal9.VERSION,
                base,
                base,
                auth.name().toLowerCase(Locale.ROOT));
        return new HttpServer(hal9, server, streamable, legacy, deadlines);
    }

    /** The address cannot be bound: another process listens there. The message is the whole advice. */
    public static final class PortInUse extends RuntimeException {
        PortInUse(String host, int port) {
            super("port " + port + " on " + host + " is already in use; stop the other server or pick another port "
                    + "with --http " + (host.contains(":") ? "[" + host + "]" : host) + ":N (or server.port in "
                    + "hal9.yaml; port 0 picks a free one)");
        }
    }

    /**
     * Fails with {@link PortInUse} when another process listens on the address; {@code serve} asks before it opens
     * the database, so a busy port costs nothing and says only that.
     */
    public static void requirePortFree(String host, int port) {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw new PortInUse(host, port);
        } catch (IOException e) {
            // not a busy port (an unknown host, say): let the server's own bind report it
            LOG.debug("probing {}:{}: {}", host, port, e.getMessage());
        }
    }

    static void routing(
            HttpRouting.Builder routing,
            Hal9 hal9,
            AccessFilter access,
            RequestDeadlines deadlines,
            StreamableHttpTransport streamable,
            LegacySseTransport legacy) {
        routing.addFilter((chain, request, response) -> {
            request.context().register(deadlines);
            if (access.admit(request, response)) {
                chain.proceed();
            }
            if (response.isSent()
                    && (request.headers().containsToken(HeaderValues.CONNECTION_CLOSE)
                            || response.headers().containsToken(HeaderValues.CONNECTION_CLOSE))) {
                // Helidon 4.5.0 answers "Connection: close" and then waits for another request on the socket;
                // this ends the connection as the client (or our own refusal of an unread body) asked
                throw new CloseConnectionException("Connection: close");
            }
        });
        new ApprovalsPage(hal9).register(routing);
        access.oauth().ifPresent(oauth -> {
            // RFC 9728 section 3.1: the resource's path is appended; the bare form serves clients that look there
            routing.get(oauth.metadataPath(), (request, response) -> sendMetadata(oauth, response));
            routing.get("/.well-known/oauth-protected-resource", (request, response) -> sendMetadata(oauth, response));
        });
        routing.register("/mcp", streamable)
                .register("/sse", legacy.sseService())
                .register("/message", legacy.messageService())
                .get("/health", (request, response) -> health(hal9, streamable, legacy, response, true))
                .get("/health/live", (request, response) -> health(hal9, streamable, legacy, response, false))
                .get("/health/ready", (request, response) -> health(hal9, streamable, legacy, response, true))
                .get("/metrics", (request, response) -> {
                    response.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    response.send(hal9.telemetry().scrape());
                });
    }

    private static void sendMetadata(OAuthResource oauth, ServerResponse response) {
        response.header(HeaderNames.CACHE_CONTROL, "max-age=300");
        HttpErrors.sendJson(response, Status.OK_200, oauth.metadata());
    }

    /** The port the server listens on (useful when 0 was asked for). */
    public int port() {
        return server.port();
    }

    /** The principal the access filter authenticated for this request. */
    static Principal principal(ServerRequest request) {
        return request.context()
                .get(Principal.class)
                .orElseThrow(
                        () -> new IllegalStateException("no principal on a request that passed the access filter"));
    }

    /**
     * Liveness, or readiness: the store is open and a new client could start a session (a load balancer should
     * send new clients elsewhere when every session slot is taken).
     */
    private static void health(
            Hal9 hal9,
            StreamableHttpTransport streamable,
            LegacySseTransport legacy,
            ServerResponse response,
            boolean readiness) {
        boolean ready = hal9.store().database().ready();
        boolean saturated = streamable.saturated() || legacy.saturated();
        boolean up = !readiness || (ready && !saturated);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", Map.of("store", ready ? "UP" : "STARTING", "sessions", saturated ? "SATURATED" : "UP"));
        if (readiness && saturated) {
            body.put(
                    "reason",
                    "all " + streamable.limits().sessions() + " MCP sessions (server.sessions.max) of /mcp or of "
                            + "/sse are open; "
                            + "new clients are refused until some end or go idle");
        }
        body.put("version", Hal9.VERSION);
        HttpErrors.sendJson(response, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }

    /** Ends idle MCP sessions now, as the once-a-minute sweep does (tests call it after moving their clock). */
    void evictIdleSessions() {
        streamable.evictIdleSessions();
    }

    static boolean isLoopback(String host) {
        if (LOOPBACK_NAMES.contains(host.toLowerCase(Locale.ROOT))) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public void close() {
        streamable.closeGracefully().block();
        legacy.closeGracefully().block();
        server.stop();
        deadlines.close();
    }

    /** Host/Origin validation and authentication, in one place for every route. */
    static final class AccessFilter {
        private final Hal9 hal9;
        private final boolean loopback;
        private final Auth auth;
        private final OAuthResource oauth;
        private final Set<String> allowedOrigins;
        private final Set<String> allowedHosts = new HashSet<>(LOOPBACK_NAMES);
        private final int maxUnauthenticatedBytes;

        AccessFilter(
                Hal9 hal9,
                String host,
                boolean loopback,
                Auth auth,
                OAuthResource oauth,
                Set<String> allowedOrigins,
                Set<String> allowedHosts,
                int maxUnauthenticatedBytes) {
            this.oauth = oauth;
            this.maxUnauthenticatedBytes = maxUnauthenticatedBytes;
            this.hal9 = hal9;
            this.loopback = loopback;
            this.auth = auth;
            this.allowedOrigins = allowedOrigins;
            this.allowedHosts.add(host.toLowerCase(Locale.ROOT));
            allowedHosts.forEach(name -> this.allowedHosts.add(name.toLowerCase(Locale.ROOT)));
        }

        Optional<OAuthResource> oauth() {
            return Optional.ofNullable(oauth);
        }

        boolean admit(ServerRequest request, ServerResponse response) {
            Optional<String> origin = request.headers().first(HeaderNames.ORIGIN);
            if (origin.isPresent() && !originAllowed(origin.get())) {
                HttpErrors.send(
                        response,
                        Status.FORBIDDEN_403,
                        null,
                        "Forbidden: Origin " + clip(origin.get())
                                + " is not allowed (DNS rebinding protection); add it to server.allowed-origins");
                return false;
            }
            if (loopback) {
                String host = hostName(request.headers().first(HeaderNames.HOST).orElse(""));
                if (!allowedHosts.contains(host)) {
                    HttpErrors.send(
                            response,
                            Status.FORBIDDEN_403,
                            null,
                            "Forbidden: Host " + clip(host)
                                    + " is not allowed (DNS rebinding protection); add it to server.allowed-hosts");
                    return false;
                }
            }
            String path = request.path().path();
            if (path.startsWith("/health")
                    || path.equals("/metrics")
                    || path.startsWith("/approvals")
                    || path.startsWith("/.well-known/")) {
                // anyone may send these, so their bodies are small; the approvals page authenticates approvers
                // itself (ApprovalsPage) and reads its forms with this limit
                long declared = request.headers().contentLength().orElse(0L);
                if (declared > maxUnauthenticatedBytes) {
                    response.header(HeaderValues.CONNECTION_CLOSE);
                    HttpErrors.send(
                            response,
                            Status.REQUEST_ENTITY_TOO_LARGE_413,
                            null,
                            "Payload Too Large: " + path + " takes at most " + maxUnauthenticatedBytes + " bytes");
                    return false;
                }
                return true;
            }
            if (auth == Auth.NONE) {
                request.context().register(hal9.localPrincipal());
                return true;
            }
            Optional<String> secret = request.headers()
                    .first(HeaderNames.AUTHORIZATION)
                    .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                    .map(value -> value.substring(7).trim())
                    .filter(value -> !value.isEmpty());
            if (oauth != null && secret.isPresent() && !secret.get().startsWith("hal9_")) {
                OAuthResource.Verdict verdict = oauth.verify(secret.get());
                if (verdict instanceof OAuthResource.Verdict.Accepted accepted) {
                    request.context().register(accepted.principal());
                    // the transports ask it for more scope when a tool call needs a capability the token lacks
                    request.context().register(oauth);
                    return true;
                }
                OAuthResource.Verdict.Refused refused = (OAuthResource.Verdict.Refused) verdict;
                refuse(request, response, Status.create(refused.status()), refused.challenge(), refused.message());
                return false;
            }
            Optional<Principal> principal =
                    secret.flatMap(value -> hal9.store().tokens().authenticate(value));
            if (principal.isEmpty()) {
                if (oauth != null) {
                    // no credentials, or a hal9 token that is not (or no longer) valid: say where to get a token
                    refuse(
                            request,
                            response,
                            Status.UNAUTHORIZED_401,
                            secret.isEmpty() ? oauth.challenge() : oauth.challenge() + ", error=\"invalid_token\"",
                            "Unauthorized: send Authorization: Bearer <token>, with an access token of "
                                    + oauth.config().issuer() + " (see " + oauth.metadataUrl()
                                    + ") or a token made by 'hal9 token create'");
                    return false;
                }
                refuse(
                        request,
                        response,
                        Status.UNAUTHORIZED_401,
                        "Bearer realm=\"hal9\", error=\"invalid_token\"",
                        "Unauthorized: send Authorization: Bearer <token>, with a token made by 'hal9 token create'");
                return false;
            }
            request.context().register(principal.get());
            return true;
        }

        private static void refuse(
                ServerRequest request, ServerResponse response, Status status, String challenge, String message) {
            if (request.headers().contentLength().orElse(0L) > 0
                    || request.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
                // not worth reading a stranger's body to throw it away: close instead
                response.header(HeaderValues.CONNECTION_CLOSE);
            }
            if (challenge != null) {
                response.header(HeaderNames.WWW_AUTHENTICATE, challenge);
            }
            HttpErrors.send(response, status, null, message);
        }

        private boolean originAllowed(String origin) {
            if (allowedOrigins.contains(origin)) {
                return true;
            }
            try {
                URI uri = URI.create(origin);
                String host = uri.getHost();
                return host != null
                        && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                        && LOOPBACK_NAMES.contains(host.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static String hostName(String hostHeader) {
            String value = hostHeader.trim().toLowerCase(Locale.ROOT);
            if (value.startsWith("[")) {
                int end = value.indexOf(']');
                return end < 0 ? value : value.substring(0, end + 1);
            }
            int colon = value.indexOf(':');
            return colon < 0 ? value : value.substring(0, colon);
        }

        private static String clip(String value) {
            return value.length() > 80 ? value.substring(0, 80) + "…" : value;
        }
    }
}
