package dev.hal9.api;

import java.util.List;
import java.util.function.Supplier;

/**
 * A family of tools, found with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/dev.hal9.api.ToolFamily}. The runtime asks each family for its tools once at
 * start-up; slow work (browsers, RPC clients) belongs in the handlers, started lazily, not here.
 */
public interface ToolFamily {

    /** A short lower-case name for listings and configuration ({@code browser}, {@code chain}). */
    String name();

    /** The family's tools. Names must be unique across all families. */
    List<Tool<?, ?>> tools(FamilyContext context);

    /**
     * The family's resources (screenshots, downloads, artifacts). Called once, after {@link #tools}, on the same
     * instance, so both can share what {@code tools} built. None by default.
     */
    default List<Resource> resources(FamilyContext context) {
        return List.of();
    }

    /**
     * The MCP Apps views ({@link View}) this family's tools name with {@link Tool.Builder#view}; called after
     * {@link #tools} on the same instance. None by default.
     */
    default List<View> views(FamilyContext context) {
        return List.of();
    }

    /**
     * The subcommands of {@code hal9} this family owns ({@code hal9 wallet}, {@code hal9 login}): picocli
     * {@code CommandLine}s or objects annotated with its {@code @Command}, each run in a process of its own by a person at a terminal, never by a model.
     * The runtime adds its common options ({@code --config}, {@code --data-dir}, {@code -v}) to each command and its
     * subcommands, and the context supplier, valid only while a command runs, answers with this family's settings,
     * state and folder as those options name them (opened on first use, closed when the command returns; it has no
     * guard and no clock but the system's, and its only service is the runtime's {@link BearerTokens}). None by default.
     */
    default List<Object> commands(Supplier<FamilyContext> context) {
        return List.of();
    }
}
