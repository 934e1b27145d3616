package dev.hal9.api;

import java.util.List;

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
}
