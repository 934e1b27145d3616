package dev.hal9.server.transport;

import dev.hal9.api.internal.Json;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Reads one JSON-RPC message from untrusted text, or says precisely why it is not one. Shared by the stdio
 * and HTTP transports so both reject bad input the same way. Thread-safe.
 */
public final class JsonRpc {

    static final String CANCELLED = "notifications/cancelled";
    static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;

    private JsonRpc() {}

    /** A parsed message, or the error response to send instead. */
    public record Parsed(McpSchema.JSONRPCMessage message, Map<String, Object> error) {
        public boolean ok() {
            return message != null;
        }
    }

    public static Parsed parse(String text) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (RuntimeException e) {
            return failure(null, PARSE_ERROR, "Parse error: the message is not valid JSON");
        }
        if (node == null || node.isMissingNode()) {
            return failure(null, PARSE_ERROR, "Parse error: the message is empty");
        }
        if (node.isArray()) {
            return failure(
                    null,
                    INVALID_REQUEST,
                    "Invalid Request: JSON-RPC batches are not supported; send one message at a time");
        }
        if (!node.isObject()) {
            return failure(null, INVALID_REQUEST, "Invalid Request: a JSON-RPC message is a JSON object");
        }
        JsonNode idNode = node.get("id");
        Object id = validId(idNode);
        JsonNode version = node.get("jsonrpc");
        if (version == null || !version.isString() || !"2.0".equals(version.asString())) {
            return failure(id, INVALID_REQUEST, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
        }
        if (idNode != null && id == null) {
            return failure(null, INVALID_REQUEST, "Invalid Request: \"id\" must be a string or an integer");
        }
        JsonNode method = node.get("method");
        if (method != null && !method.isString()) {
            return failure(id, INVALID_REQUEST, "Invalid Request: \"method\" must be a string");
        }
        JsonNode params = node.get("params");
        if (params != null && !params.isObject() && !params.isNull()) {
            return failure(id, INVALID_REQUEST, "Invalid Request: \"params\" must be an object");
        }
        if (method == null && idNode == null) {
            return failure(null, INVALID_REQUEST, "Invalid Request: a message needs a \"method\" or an \"id\"");
        }
        if (method == null && !node.has("result") && !node.has("error")) {
            return failure(id, INVALID_REQUEST, "Invalid Request: a response needs a \"result\" or an \"error\"");
        }
        try {
            return new Parsed(McpSchema.deserializeJsonRpcMessage(Json.MCP, text), null);
        } catch (Exception e) {
            return failure(id, INVALID_REQUEST, "Invalid Request: " + firstLine(e.getMessage()));
        }
    }

    static final int INVALID_PARAMS = -32602;
    private static final java.util.Set<String> LEVELS =
            java.util.Set.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    /**
     * Checks the params of the requests hal9 serves before the SDK sees them, so that a wrong type is an
     * "Invalid params" error naming the field rather than a silent default or an internal error.
     *
     * @return the error response, or null when the params are acceptable
     */
    public static Map<String, Object> checkParams(McpSchema.JSONRPCRequest request) {
        Map<?, ?> params = request.params() instanceof Map<?, ?> map ? map : Map.of();
        String problem =
                switch (request.method()) {
                    case "initialize" ->
                        firstProblem(
                                string(params, "protocolVersion", true),
                                object(params, "capabilities", true),
                                object(params, "clientInfo", true),
                                params.get("clientInfo") instanceof Map<?, ?> info ? string(info, "name", true) : null);
                    case "tools/call" -> firstProblem(string(params, "name", true), object(params, "arguments", false));
                    case "prompts/get" ->
                        firstProblem(string(params, "name", true), object(params, "arguments", false));
                    case "resources/read", "resources/subscribe", "resources/unsubscribe" ->
                        string(params, "uri", true);
                    case "tools/list", "prompts/list", "resources/list", "resources/templates/list" ->
                        // hal9 returns every item on the first page and issues no cursors, so any cursor is unknown
                        params.containsKey("cursor")
                                ? "'cursor' is not one this server issued (lists have one page)"
                                : null;
                    case "logging/setLevel" ->
                        params.get("level") instanceof String level && LEVELS.contains(level)
                                ? null
                                : "'level' must be one of " + new java.util.TreeSet<>(LEVELS);
                    case "completion/complete" ->
                        firstProblem(
                                object(params, "ref", true),
                                params.get("ref") instanceof Map<?, ?> ref ? string(ref, "type", true) : null,
                                object(params, "argument", true),
                                params.get("argument") instanceof Map<?, ?> argument
                                        ? firstProblem(string(argument, "name", true), string(argument, "value", true))
                                        : null);
                    default -> null;
                };
        return problem == null
                ? null
                : error(request.id(), INVALID_PARAMS, "Invalid params for " + request.method() + ": " + problem);
    }

    private static String firstProblem(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String string(Map<?, ?> params, String name, boolean required) {
        Object value = params.get(name);
        if (value == null) {
            return required ? "'" + name + "' is required" : null;
        }
        return value instanceof String ? null : "'" + name + "' must be a string";
    }

    private static String object(Map<?, ?> params, String name, boolean required) {
        Object value = params.get(name);
        if (value == null) {
            return required ? "'" + name + "' is required" : null;
        }
        return value instanceof Map ? null : "'" + name + "' must be an object";
    }

    /** The id of the request a {@code notifications/cancelled} message cancels, or null for any other message. */
    public static Object cancelledRequest(McpSchema.JSONRPCMessage message) {
        return message instanceof McpSchema.JSONRPCNotification notification
                        && CANCELLED.equals(notification.method())
                        && notification.params() instanceof Map<?, ?> params
                ? params.get("requestId")
                : null;
    }

    /** The JSON-RPC error response for an id (or null), a code and a message. */
    public static Map<String, Object> error(Object id, int code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("jsonrpc", "2.0");
        response.put("id", id);
        response.put("error", error);
        return response;
    }

    public static String toJson(Object value) {
        return Json.MAPPER.writeValueAsString(value);
    }

    private static Parsed failure(Object id, int code, String message) {
        return new Parsed(null, error(id, code, message));
    }

    private static Object validId(JsonNode id) {
        if (id == null || id.isNull()) {
            return null;
        }
        if (id.isString()) {
            return id.asString();
        }
        if (id.isIntegralNumber()) {
            return id.numberValue();
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "the message does not fit the JSON-RPC shape";
        }
        String line = message.lines().findFirst().orElse(message);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
