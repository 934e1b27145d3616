package dev.hal9.api.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls in flight by MCP session and JSON-RPC request id, so that a transport seeing
 * {@code notifications/cancelled} can stop the handler that serves the request. Thread-safe.
 */
public final class Cancellations {

    /** The Reactor context key under which a transport puts the JSON-RPC id of the request it serves. */
    public static final String REQUEST_ID_KEY = "hal9.requestId";

    private final Map<String, Runnable> inFlight = new ConcurrentHashMap<>();

    /** Registers a call; the returned key is given back to {@link #done(String)}. */
    String register(String sessionId, Object requestId, Runnable cancel) {
        if (requestId == null) {
            return null;
        }
        String key = key(sessionId, requestId);
        inFlight.put(key, cancel);
        return key;
    }

    void done(String key) {
        if (key != null) {
            inFlight.remove(key);
        }
    }

    /** Cancels the call serving that request, if it is still running; returns whether one was. */
    public boolean cancel(String sessionId, Object requestId) {
        Runnable cancel = inFlight.remove(key(sessionId, requestId));
        if (cancel != null) {
            cancel.run();
        }
        return cancel != null;
    }

    private static String key(String sessionId, Object requestId) {
        // JSON-RPC ids may be numbers or strings; 7 and "7" are different requests.
        String id = requestId instanceof String text ? "s:" + text : "n:" + requestId;
        return sessionId + "|" + id;
    }
}
