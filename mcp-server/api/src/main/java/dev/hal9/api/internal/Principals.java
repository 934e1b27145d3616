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

    /** A transport context carrying one principal. */
    public static McpTransportContext context(Principal principal) {
        return McpTransportContext.create(java.util.Map.of(KEY, principal));
    }
}
