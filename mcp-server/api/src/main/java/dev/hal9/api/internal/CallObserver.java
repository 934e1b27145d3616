package dev.hal9.api.internal;

import dev.hal9.api.Principal;
import java.util.Map;

/**
 * Sees every tool call begin and end: the runtime writes the audit row, the span and the metrics here.
 * Implementations are thread-safe and never throw.
 */
public interface CallObserver {

    /** An observer that records nothing, for tests of a family alone. */
    CallObserver NONE = (tool, principal, arguments) -> (outcome, detail) -> {};

    /**
     * Called before the handler runs.
     *
     * @param tool the tool's name
     * @param principal the caller, or {@code null} when the transport authenticated no one
     * @param arguments the raw arguments as the client sent them (the observer redacts secrets)
     */
    Observation begin(String tool, Principal principal, Map<String, Object> arguments);

    /**
     * The same, for a call whose client sent a W3C {@code traceparent} (an agent's tool-call span): the observer's
     * span of the call becomes its child. Observers that trace nothing ignore it.
     */
    default Observation begin(String tool, Principal principal, Map<String, Object> arguments, String traceparent) {
        return begin(tool, principal, arguments);
    }

    /** One call in flight. */
    interface Observation {
        /** Called once when the call ends, with a short detail for failures. */
        void end(Outcome outcome, String detail);
    }

    /** How a call ended. */
    enum Outcome {
        /** The handler returned a result. */
        OK,
        /** The handler threw a domain failure (a {@link dev.hal9.api.ToolException}). */
        ERROR,
        /** The arguments did not fit the schema. */
        INVALID,
        /** The caller may not use the tool's capability. */
        DENIED,
        /** The call ran out of time or was cancelled. */
        CANCELLED,
        /** An unexpected exception: a bug, logged with its stack trace. */
        FAILED
    }
}
