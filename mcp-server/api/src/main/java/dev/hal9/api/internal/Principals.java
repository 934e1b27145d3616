package dev.hal9.api.internal;

import dev.hal9.api.Principal;
import io.modelcontextprotocol.common.McpTransportContext;

/** Where transports put the authenticated principal in the SDK's transport context. */
public final class Principals {

    /** The transport-context key holding a {@link Principal}. */
    public static final String KEY = "hal9.principal";

    private Principals() {}

    /** The principal a transport put into the context, or {@code null} if none. */
    public static Principal from(McpTransportContext context) {
        return context == null ? null : context.get(KEY) instanceof Principal principal ? principal : null;
    }

    /** The transport-context key holding the W3C {@code traceparent} header of the request, when it had one. */
    public static final String TRACEPARENT = "hal9.traceparent";

    /** A transport context carrying one principal. */
    public static McpTransportContext context(Principal principal) {
        return McpTransportContext.create(java.util.Map.of(KEY, principal));
    }

    /**
     * A transport context carrying one principal and the caller's trace (its {@code traceparent} header, or null),
     * so the server's span of a call joins the trace of the agent that made it.
     */
    public static McpTransportContext context(Principal principal, String traceparent) {
        return traceparent == null || traceparent.isBlank()
                ? context(principal)
                : McpTransportContext.create(java.util.Map.of(KEY, principal, TRACEPARENT, traceparent));
    }

    /** The caller's {@code traceparent}, or {@code null}. */
    public static String traceparent(McpTransportContext context) {
        return context == null ? null : context.get(TRACEPARENT) instanceof String header ? header : null;
    }
}
