package dev.hal9.api;

/**
 * A domain failure the model can act on. The runtime turns it into a tool result with {@code isError: true}
 * whose text is this message, so the message says what was wrong and what to do next, for example
 * "session bs_12 expired; open a new one with browser_session".
 */
public class ToolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ToolException(String message) {
        super(message);
    }

    public ToolException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A handle that does not exist or belongs to someone else: both read the same to the caller. */
    public static ToolException notFound(String what, String handle, String remedy) {
        return new ToolException(what + " " + handle + " not found; " + remedy);
    }

    /** An argument that breaks a rule the schema cannot express. */
    public static ToolException badArgument(String name, String problem) {
        return new ToolException("argument '" + name + "' " + problem);
    }
}
