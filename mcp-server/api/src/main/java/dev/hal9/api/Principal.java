package dev.hal9.api;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling. It comes from the transport (the OS user on stdio, the token's subject on HTTP, the
 * Telegram user in the bridge), never from tool arguments.
 *
 * @param id stable identifier; handles are owned by it
 * @param capabilities the capabilities this principal may use; {@code "*"} means all that are enabled
 */
public record Principal(String id, Set<String> capabilities) {

    /** The wildcard capability: every capability the operator enabled. */
    public static final String ALL = "*";

    public Principal {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("principal id must not be blank");
        }
        capabilities = Set.copyOf(capabilities);
    }

    /** A principal allowed every enabled capability, as the local user on stdio is. */
    public static Principal local(String id) {
        return new Principal(id, Set.of(ALL));
    }

    /** Whether this principal may use tools of the given capability. */
    public boolean may(String capability) {
        return capabilities.contains(ALL) || capabilities.contains(capability);
    }
}
