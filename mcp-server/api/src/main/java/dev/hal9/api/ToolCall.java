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
}
