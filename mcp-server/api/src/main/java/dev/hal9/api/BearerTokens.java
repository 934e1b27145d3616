package dev.hal9.api;

import java.util.Set;

/**
 * The server's bearer tokens, for a family's command that acts for its users over MCP (the Telegram bridge mints
 * one per linked user and revokes them when it stops). Offered by the runtime through
 * {@link FamilyContext#service} to commands only ({@link ToolFamily#commands}), never to tools: no model mints a
 * token. Thread-safe.
 */
public interface BearerTokens {

    /**
     * Makes a token for a principal; the secret is returned once and stored only hashed.
     *
     * @param name what the token is for, shown by {@code hal9 token list}
     */
    String mint(String principal, String name, Set<String> capabilities);

    /** Revokes every active token whose name starts with {@code prefix}; returns how many. */
    int revokeNamed(String prefix);
}
