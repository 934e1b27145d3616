package dev.hal9.api;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/** What the runtime offers a family when it asks for its tools. Thread-safe. */
public interface FamilyContext {

    /** A configuration value under {@code families.<family>.<key>} (config file or {@code HAL9_...} env). */
    Optional<String> setting(String key);

    /**
     * A key the family's {@code hal9/family-defaults.yaml} gives a default: its value, which the runtime and the test
     * kit always have, so a family writes no second copy of the default in code.
     *
     * @throws IllegalStateException when there is none: the key has no default ({@code ~}), or the file is broken
     */
    default String requiredSetting(String key) {
        return setting(key)
                .orElseThrow(() -> new IllegalStateException("a family setting " + key + " has no value, though the "
                        + "family's hal9/family-defaults.yaml should give it a default"));
    }

    /**
     * A configuration value of another section, {@code families.<section>.<key>}: for settings a family shares
     * with another part of hal9 (the Telegram bridge reads the bundled agent's {@code orchestrator} model). Operator
     * configuration only; no family reads another's state or classes.
     */
    default Optional<String> setting(String section, String key) {
        return Optional.empty();
    }

    /** State the family keeps per principal in the server's store, across restarts and instances. */
    FamilyState state();

    /**
     * Jdbi over tables of the family's own in the server's database, for records that need transactions (several
     * server instances may share one database). The family ships Flyway migrations in its jar under
     * {@code db/families/<family name>/} ({@code V1__orders.sql}, ...), with table names that start with its name;
     * they run once, on the first connection, with a schema history of their own. Ask for it in handlers or while
     * building tools: nothing opens until the first query. SQL must run on H2 and PostgreSQL.
     *
     * @throws UnsupportedOperationException where there is no database
     */
    default Jdbi database() {
        throw new UnsupportedOperationException("this context has no database for the family's tables");
    }

    /** A folder of the family's own under the server's data directory, created on demand. */
    Path dataDirectory();

    /** The capabilities the operator enabled. */
    Set<String> enabledCapabilities();

    /** The server's version, e.g. {@code 0.1.0}. */
    String serverVersion();

    /** The caller-independent facts a family may report (tool names, families). */
    ServerFacts facts();

    /**
     * The guard every value-moving tool goes through; empty where there is none (the test kit), and then a
     * family offers no tool that moves value.
     */
    default Optional<Guard> guard() {
        return Optional.empty();
    }

    /**
     * Offers part of this family's public API to the other families (the chain family's EVM access, say), under
     * the type they will ask for. A family never reaches into another's classes; it asks for a published service.
     */
    <T> void publish(Class<T> type, T service);

    /**
     * A service another family {@link #publish published}; empty when that family is not loaded. Families are
     * asked for their tools one after another, so look services up in handlers, not while building tools.
     */
    <T> Optional<T> service(Class<T> type);

    /**
     * Reads one of the server's resources, whichever family serves it, as the caller of a tool would (so one
     * principal still never reads another's). For tools that pass a resource on, such as a screenshot to a chat.
     *
     * @throws ToolException when no resource has that URI for the caller
     */
    default java.util.List<Resource.Content> readResource(String uri, ToolCall call) {
        throw new ToolException("resources cannot be read from here");
    }

    /**
     * The server's clock: what every family reads the time from (quote expiry, timestamps, deadlines), so that a test
     * can run a family on a clock it moves instead of sleeping. The system clock in a running server.
     */
    default InstantSource clock() {
        return InstantSource.system();
    }

    /**
     * Reports a number of this instance's that operators watch, as the gauge {@code hal9_<family>_<name>} on
     * /metrics, read at each scrape (the browser family's sessions held, say). Where there is no telemetry (the CLI,
     * the test kit) nothing is reported. {@code name} is lower-case words joined by dots: {@code sessions.held}.
     */
    default void gauge(String name, String description, java.util.function.LongSupplier value) {}

    /** Registers something to close when the server stops, in reverse order of registration. */
    void onClose(AutoCloseable resource);

    /** Read-only facts about the running server. */
    interface ServerFacts {
        /** The names of the families loaded. */
        java.util.List<String> families();

        /** The names of the tools offered, in listing order. */
        java.util.List<String> tools();

        /** How the server is reached: {@code stdio}, {@code http://127.0.0.1:8931/mcp}, ... */
        java.util.List<String> transports();
    }
}
