package dev.hal9.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes one component of a tool's input or output record for the generated JSON Schema. Every
 * parameter says what it is for, its unit and format, its default and how it depends on others: the
 * description is written for a model.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface Param {

    /** What the value is, with its unit and how it relates to other parameters. */
    String value();

    /** Whether the model must give it. Optional parameters are boxed and arrive as {@code null} when absent. */
    boolean required() default false;

    /** The default the tool applies when the value is absent, as JSON text ({@code "30"}, {@code "\"json\""}). */
    String defaultValue() default "";

    /** A JSON Schema {@code format} such as {@code uri} or {@code date-time}. */
    String format() default "";

    /** A regular expression the value must match. */
    String pattern() default "";

    /** Inclusive lower bound for numbers; ignored when NaN. */
    double minimum() default Double.NaN;

    /** Inclusive upper bound for numbers; ignored when NaN. */
    double maximum() default Double.NaN;

    /** Upper bound on a string's length; ignored when negative. */
    int maxLength() default -1;

    /**
     * For an output component that the tool's text rendering already carries whole (a page snapshot, say): it is
     * left out of {@code structuredContent} and of the output schema, so that a client that forwards both the text
     * and the structured content does not give the model the same text twice. A tool with such a component must
     * have a rendering.
     */
    boolean textOnly() default false;
}
