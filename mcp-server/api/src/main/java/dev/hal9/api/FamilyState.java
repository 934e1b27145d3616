package dev.hal9.api;

import java.util.Optional;

/**
 * Small per-principal state a family keeps across restarts (a browser profile's cookies, say), in the
 * server's store, so that every instance sharing the database sees it. Values are text, typically JSON, at
 * most a few megabytes each. Implementations are thread-safe; a write replaces the previous value.
 */
public interface FamilyState {

    /** The value under a key for a principal. */
    Optional<String> get(String principal, String key);

    /** Stores a value under a key for a principal, replacing any earlier one. */
    void put(String principal, String key, String value);

    /** Removes a value; returns whether there was one. */
    boolean delete(String principal, String key);
}
