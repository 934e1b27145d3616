package dev.hal9.api.internal;

import java.util.Map;
import java.util.Objects;

/**
 * Ends a 2026-07-28 tool call with an input-required result: one elicitation (form mode) and a state the server
 * seals for the caller. The tool adapter passes it to the era that serves the call instead of turning it into an
 * {@code isError} result; only a call whose {@link dev.hal9.api.ToolCall#asksByResult()} is true may throw it.
 */
public final class InputRequired extends RuntimeException {

    /** The key of the one input request, in the result and in the client's {@code inputResponses}. */
    public static final String KEY = "hal9_confirm";

    /** Transport-context keys the modern era sets for the tool adapter. */
    public static final String CLIENT_ELICITS = "hal9.modern.clientElicits";

    public static final String STATE = "hal9.modern.requestState";
    public static final String ANSWER = "hal9.modern.answer";

    private final transient Map<String, Object> requestedSchema;
    private final String state;

    public InputRequired(String message, Map<String, Object> requestedSchema, String state) {
        super(message, null, false, false);
        this.requestedSchema = Map.copyOf(Objects.requireNonNull(requestedSchema, "requestedSchema"));
        this.state = Objects.requireNonNull(state, "state");
    }

    /** The flat JSON Schema of the fields the user fills in. */
    public Map<String, Object> requestedSchema() {
        return requestedSchema;
    }

    /** The plain state, sealed by the era before it leaves the server. */
    public String state() {
        return state;
    }
}
