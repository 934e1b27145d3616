package dev.hal9.server.http;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import dev.hal9.server.transport.ModernEra;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.McpHttp;
import io.modelcontextprotocol.modern.McpSchema.ErrorCodes;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import io.modelcontextprotocol.modern.server.McpHeaders;
import io.modelcontextprotocol.modern.server.McpTransportResponse;
import io.modelcontextprotocol.modern.server.transport.McpHeaderDecoder;
import io.modelcontextprotocol.server.transport.HeaderAccessor;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revision 2026-07-28 on {@code POST /mcp}: the header checks of the SDK's servlet transport
 * ({@code HttpServletMcpTransport.validateHeaders}) on Helidon, then the shared {@link ModernEra} handler, answered as
 * JSON or as an SSE stream scoped to the request. Session traffic never comes here. Thread-safe.
 */
final class ModernHttp {

    private static final Logger LOG = LoggerFactory.getLogger(ModernHttp.class);
    private static final HeaderName METHOD = HeaderNames.create(McpHttp.Headers.MCP_METHOD);
    private static final HeaderName NAME = HeaderNames.create(McpHttp.Headers.MCP_NAME);
    private static final HeaderName VERSION = HeaderNames.create(McpHttp.Headers.MCP_PROTOCOL_VERSION);
    private static final HeaderName ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    private static final Set<String> NAMED = Set.of("tools/call", "prompts/get", "resources/read");

    private final ModernEra modern;

    ModernHttp(ModernEra modern) {
        this.modern = modern;
    }

    /**
     * Whether a POST without {@code Mcp-Session-Id} is modern: its body claims a version in {@code _meta}, it is
     * {@code server/discover}, or the header names a modern revision. A claim-less {@code initialize} is always the
     * session handshake.
     */
    static boolean routes(ServerRequest request, McpSchema.JSONRPCMessage message) {
        if (request.headers().contains(StreamableHttpTransport.SESSION_ID)) {
            return false;
        }
        boolean modernHeader =
                request.headers().first(VERSION).map(ModernEra::isModern).orElse(false);
        if (message instanceof McpSchema.JSONRPCRequest call) {
            if (McpSchema.METHOD_INITIALIZE.equals(call.method()) && !ModernEra.claims(call)) {
                return false;
            }
            return ModernEra.routes(call) || modernHeader;
        }
        return modernHeader;
    }

    /** Answers a notification of the modern era: there is nothing to do with one but accept it. */
    void accept(ServerResponse response) {
        response.status(Status.ACCEPTED_202).send();
    }

    void handle(ServerRequest request, ServerResponse response, Principal principal, McpSchema.JSONRPCRequest call) {
        String mismatch = headerMismatch(request, call);
        if (mismatch != null) {
            send(
                    response,
                    JsonRpc.JSONRPCResponse.error(
                            call.id(),
                            new JsonRpc.JSONRPCResponse.JSONRPCError(ErrorCodes.HEADER_MISMATCH, mismatch, null)));
            return;
        }
        Map<String, Object> extra = new HashMap<>();
        extra.put(McpHeaders.TRANSPORT_CONTEXT_KEY, McpHeaderDecoder.headers(new Accessor(request)));
        extra.put(ModernEra.CANCEL_SCOPE_KEY, "http-modern-" + UUID.randomUUID());
        McpTransportResponse answer = modern.handle(
                        Principals.context(principal).putAll(extra), call)
                .contextWrite(ctx -> ctx.put(dev.hal9.api.internal.Cancellations.REQUEST_ID_KEY, call.id()))
                .block();
        switch (answer) {
            case McpTransportResponse.Result result -> send(response, result.response());
            case McpTransportResponse.Error error -> send(response, error.response());
            case McpTransportResponse.Streaming streaming -> stream(response, streaming);
            case null ->
                send(
                        response,
                        JsonRpc.JSONRPCResponse.error(
                                call.id(),
                                new JsonRpc.JSONRPCResponse.JSONRPCError(
                                        ErrorCodes.INTERNAL_ERROR, "no answer", null)));
            default -> throw new IllegalStateException("unknown response kind " + answer.getClass());
        }
    }

    /** The first header that disagrees with the body, described; null when all agree. */
    private static String headerMismatch(ServerRequest request, McpSchema.JSONRPCRequest call) {
        List<String> methods = request.headers().values(METHOD);
        if (methods.size() != 1) {
            return "Header mismatch: exactly one Mcp-Method header is required";
        }
        if (!methods.getFirst().strip().equals(call.method())) {
            return "Header mismatch: Mcp-Method header value '" + clip(methods.getFirst())
                    + "' does not match body value '" + clip(call.method()) + "'";
        }
        Map<?, ?> params = call.params() instanceof Map<?, ?> map ? map : Map.of();
        if (params.get("_meta") instanceof Map<?, ?> meta && meta.containsKey(MetaKeys.PROTOCOL_VERSION)) {
            List<String> versions = request.headers().values(VERSION);
            Object claimed = meta.get(MetaKeys.PROTOCOL_VERSION);
            if (versions.size() != 1) {
                return "Header mismatch: exactly one MCP-Protocol-Version header is required";
            }
            if (!versions.getFirst().strip().equals(String.valueOf(claimed))) {
                return "Header mismatch: MCP-Protocol-Version header value '" + clip(versions.getFirst())
                        + "' does not match body value '" + clip(String.valueOf(claimed)) + "'";
            }
        }
        if (NAMED.contains(call.method())) {
            Object named = "resources/read".equals(call.method()) ? params.get("uri") : params.get("name");
            List<String> names = request.headers().values(NAME);
            if (names.size() != 1) {
                return "Header mismatch: exactly one Mcp-Name header is required for " + call.method();
            }
            String decoded = McpHeaderDecoder.decodeValue(names.getFirst().strip());
            if (!String.valueOf(named).equals(decoded)) {
                return "Header mismatch: Mcp-Name header value '" + clip(decoded) + "' does not match body value '"
                        + clip(String.valueOf(named)) + "'";
            }
        }
        return null;
    }

    /** The status of an answer: -32601 is 404 so a client tells it from a legacy 404; envelope errors are 400. */
    static Status status(JsonRpc.JSONRPCResponse answer) {
        if (answer.error() == null) {
            return Status.OK_200;
        }
        return switch (answer.error().code()) {
            case ErrorCodes.METHOD_NOT_FOUND -> Status.NOT_FOUND_404;
            case ErrorCodes.PARSE_ERROR,
                    ErrorCodes.INVALID_REQUEST,
                    ErrorCodes.INVALID_PARAMS,
                    ErrorCodes.HEADER_MISMATCH,
                    ErrorCodes.MISSING_REQUIRED_CLIENT_CAPABILITY,
                    ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION -> Status.BAD_REQUEST_400;
            default -> Status.OK_200;
        };
    }

    private static void send(ServerResponse response, JsonRpc.JSONRPCResponse answer) {
        try {
            HttpErrors.sendRaw(response, status(answer), "application/json", Json.MCP.writeValueAsString(answer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stream(ServerResponse response, McpTransportResponse.Streaming streaming) {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.header(ACCEL_BUFFERING, "no");
        try (OutputStream out = response.outputStream()) {
            // a write to a closed stream throws, which cancels the request: closing the stream is how a client cancels
            streaming
                    .messages()
                    .doOnNext(message -> {
                        try {
                            String frame = "event: message\ndata: " + Json.MCP.writeValueAsString(message) + "\n\n";
                            out.write(frame.getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .blockLast();
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("a 2026-07-28 stream ended: {}", e.getMessage());
        }
    }

    private static String clip(String value) {
        return value.length() > 60 ? value.substring(0, 60) + "…" : value;
    }

    private record Accessor(ServerRequest request) implements HeaderAccessor {
        @Override
        public List<String> getHeader(String name) {
            return request.headers().values(HeaderNames.create(name));
        }

        @Override
        public List<String> getHeaderNames() {
            return request.headers().stream().map(header -> header.name()).toList();
        }
    }
}
