package dev.hal9.api;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One tool, declared once: everything the model, the runtime and the guard need. The input and output are
 * records; their JSON Schemas are generated from the records and their {@link Param} annotations.
 *
 * @param name {@code family_verb[_object]} in snake_case, at most 64 characters
 * @param title a short human title
 * @param description written for a model: one imperative sentence, then when to use another tool instead
 * @param input the input record type
 * @param output the output record type, sent as {@code structuredContent}
 * @param kind what the tool does to the world
 * @param capability the capability the operator enables and a principal needs, e.g. {@code browser}
 * @param handler the code that serves a call
 * @param render a short text rendering of the output for clients that ignore structured content, or
 *     {@code null} to send the structured content as JSON text
 * @param view the {@code ui://} URI of the {@link View} that shows the output to clients of the MCP Apps extension,
 *     or {@code null} for none
 * @param <I> the input record
 * @param <O> the output record
 */
public record Tool<I extends Record, O extends Record>(
        String name,
        String title,
        String description,
        Class<I> input,
        Class<O> output,
        ToolKind kind,
        String capability,
        Handler<I, O> handler,
        Function<O, String> render,
        String view) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final Pattern CAPABILITY = Pattern.compile("[a-z][a-z0-9]*([._-][a-z0-9]+)*");

    public Tool {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches() || name.length() > 64) {
            throw new IllegalArgumentException(
                    "tool name '" + name + "' must be snake_case (family_verb[_object]), at most 64 characters");
        }
        requireText(title, "title of " + name);
        requireText(description, "description of " + name);
        Objects.requireNonNull(input, "input type of " + name);
        Objects.requireNonNull(output, "output type of " + name);
        Objects.requireNonNull(kind, "kind of " + name);
        Objects.requireNonNull(capability, "capability of " + name);
        if (!CAPABILITY.matcher(capability).matches()) {
            throw new IllegalArgumentException(
                    "capability '" + capability + "' of " + name + " must be lower case words joined by . _ or -");
        }
        Objects.requireNonNull(handler, "handler of " + name);
        if (view != null && !view.startsWith("ui://")) {
            throw new IllegalArgumentException("the view of " + name + " must be a ui:// URI, not " + view);
        }
        if (render == null
                && !dev.hal9.api.internal.ToolAdapter.textOnly(output).isEmpty()) {
            throw new IllegalArgumentException(
                    name + " has text-only output " + dev.hal9.api.internal.ToolAdapter.textOnly(output)
                            + ", which only a rendering can carry: give it one");
        }
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /** Starts a declaration; {@link Builder#build()} checks that every part is there. */
    public static <I extends Record, O extends Record> Builder<I, O> builder(
            String name, Class<I> input, Class<O> output) {
        return new Builder<>(name, input, output);
    }

    /** Serves a call. Throw {@link ToolException} for failures the model can act on. */
    @FunctionalInterface
    public interface Handler<I, O> {
        O handle(I input, ToolCall call) throws Exception;
    }

    /** An input for tools that take no arguments. */
    public record NoInput() {}

    /** Builds a {@link Tool}; not thread-safe. */
    public static final class Builder<I extends Record, O extends Record> {
        private final String name;
        private final Class<I> input;
        private final Class<O> output;
        private String title;
        private String description;
        private ToolKind kind;
        private String capability;
        private Handler<I, O> handler;
        private Function<O, String> render;
        private String view;

        private Builder(String name, Class<I> input, Class<O> output) {
            this.name = name;
            this.input = input;
            this.output = output;
        }

        public Builder<I, O> title(String title) {
            this.title = title;
            return this;
        }

        public Builder<I, O> description(String description) {
            this.description = description;
            return this;
        }

        public Builder<I, O> kind(ToolKind kind) {
            this.kind = kind;
            return this;
        }

        public Builder<I, O> capability(String capability) {
            this.capability = capability;
            return this;
        }

        public Builder<I, O> handler(Handler<I, O> handler) {
            this.handler = handler;
            return this;
        }

        /** The text rendering; without one, the runtime sends the structured content as JSON text. */
        public Builder<I, O> render(Function<O, String> render) {
            this.render = render;
            return this;
        }

        /** The {@link View} (its {@code ui://} URI) that shows the output where the client shows MCP Apps views. */
        public Builder<I, O> view(String view) {
            this.view = view;
            return this;
        }

        public Tool<I, O> build() {
            return new Tool<>(name, title, description, input, output, kind, capability, handler, render, view);
        }
    }
}
