package dev.hal9.api;

/**
 * What a handler knows about the call it serves besides its input: who calls, how to report progress and
 * log to the client, whether the client gave up, and the caller's handles. One instance serves one call;
 * it is safe to use from the handler's thread and threads it starts.
 */
public interface ToolCall {

    /** The caller, as the transport authenticated it. */
    Principal principal();

    /** The caller's handles. */
    Handles handles();

    /**
     * Reports progress to the client if it asked for it (a progress token); otherwise does nothing.
     *
     * @param progress work done so far, increasing with every call
     * @param total the total when known, else {@code null}
     * @param message a short human-readable status, or {@code null}
     */
    void progress(double progress, Double total, String message);

    /** Sends a log message to the client at the given level ({@code debug}, {@code info}, {@code warning}, {@code error}). */
    void log(String level, String message);

    /** Whether the call was cancelled or timed out; long handlers check it between steps. */
    boolean cancelled();

    /** Throws if the call was cancelled, so a handler stops between steps without leaving work half done. */
    default void checkCancelled() {
        if (cancelled()) {
            throw new ToolException("the call was cancelled before it finished; nothing after this point was done");
        }
    }

    /** Adds an image to the result's content, after the text rendering (screenshots). */
    void attachImage(byte[] data, String mimeType);

    /**
     * Asks the client's user a question (MCP elicitation, form mode) and waits for the answer. Empty when the
     * client does not offer elicitation. Which answers count as a human's is the caller's policy: a headless
     * client may answer by itself.
     *
     * @param message what to ask
     * @param requestedSchema a flat JSON Schema object of the fields to fill
     * @param timeout how long to wait for the answer
     */
    default java.util.Optional<Elicited> elicit(
            String message, java.util.Map<String, Object> requestedSchema, java.time.Duration timeout) {
        return java.util.Optional.empty();
    }

    /**
     * Whether a question to the client's user is asked by ending the call with an input-required result instead of
     * {@link #elicit}: revision 2026-07-28, whose client declared elicitation, and which sends no server requests.
     * The client answers by calling again with the answer and the sealed state (see {@link #retry()}).
     */
    default boolean asksByResult() {
        return false;
    }

    /**
     * On a 2026-07-28 retry: the state this server sealed into its input-required result, already verified for this
     * caller, with the client's answer. Empty on a first call and in the session revisions.
     */
    default java.util.Optional<Retry> retry() {
        return java.util.Optional.empty();
    }

    /** A retry's opened state and the client's answer to the question, empty when the client gave none. */
    record Retry(String state, java.util.Optional<Elicited> answer) {}

    /** The answer to an elicitation: {@code accept}, {@code decline} or {@code cancel}, with the fields. */
    record Elicited(String action, java.util.Map<String, Object> content) {
        public boolean accepted() {
            return "accept".equals(action);
        }
    }
}
