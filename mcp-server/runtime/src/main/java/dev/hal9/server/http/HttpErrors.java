package dev.hal9.server.http;

import dev.hal9.server.transport.JsonRpc;
import dev.hal9.server.transport.ModernEra;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Small helpers the HTTP services share: bounded bodies, content types, and errors with a JSON body. */
final class HttpErrors {

    private HttpErrors() {}

    /** Sends a JSON-RPC error body (id unknown) with an HTTP status. */
    static void send(ServerResponse response, Status status, Object id, String message) {
        sendJson(response, status, JsonRpc.error(id, JsonRpc.INVALID_REQUEST, message));
    }

    static void sendJson(ServerResponse response, Status status, Object body) {
        sendRaw(response, status, "application/json", JsonRpc.toJson(body));
    }

    static void sendRaw(ServerResponse response, Status status, String contentType, String body) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, contentType);
        response.send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Requires {@code Content-Type: application/json}; sends 415 otherwise. */
    static boolean contentTypeIsJson(ServerRequest request, ServerResponse response) {
        String type = request.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        if (type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return true;
        }
        send(
                response,
                Status.UNSUPPORTED_MEDIA_TYPE_415,
                null,
                "Unsupported Media Type: send JSON-RPC with Content-Type: application/json");
        return false;
    }

    /**
     * Reads one JSON-RPC message from the body: bounded, parsed, and for requests with their params checked.
     * On any problem it sends the error response and returns empty.
     */
    static Optional<io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage> readMessage(
            ServerRequest request, ServerResponse response, int maxBytes) {
        Optional<String> body = readBody(request, response, maxBytes);
        if (body.isEmpty()) {
            return Optional.empty();
        }
        JsonRpc.Parsed parsed = JsonRpc.parse(body.get());
        if (!parsed.ok()) {
            sendJson(response, Status.BAD_REQUEST_400, parsed.error());
            return Optional.empty();
        }
        // a 2026-07-28 request is checked by the modern handler, which also knows the methods that revision removed
        if (parsed.message() instanceof io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest call
                && !ModernEra.claims(call)) {
            java.util.Map<String, Object> invalid = JsonRpc.checkParams(call);
            if (invalid != null) {
                sendJson(response, Status.BAD_REQUEST_400, invalid);
                return Optional.empty();
            }
        }
        return Optional.of(parsed.message());
    }

    /** Reads the body as UTF-8 up to a bound; sends 413 or 400 and returns empty when it cannot. */
    static Optional<String> readBody(ServerRequest request, ServerResponse response, int maxBytes) {
        long declared = request.headers().contentLength().orElse(-1L);
        if (declared > maxBytes) {
            send(
                    response,
                    Status.REQUEST_ENTITY_TOO_LARGE_413,
                    null,
                    "Payload Too Large: the body has " + declared + " bytes; the limit is " + maxBytes);
            return Optional.empty();
        }
        try (InputStream in = request.content().inputStream()) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                send(
                        response,
                        Status.REQUEST_ENTITY_TOO_LARGE_413,
                        null,
                        "Payload Too Large: the limit is " + maxBytes + " bytes");
                return Optional.empty();
            }
            request.context().get(RequestDeadlines.class).ifPresent(deadlines -> deadlines.bodyRead(request));
            return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            send(response, Status.BAD_REQUEST_400, null, "Bad Request: the body could not be read");
            return Optional.empty();
        }
    }
}
