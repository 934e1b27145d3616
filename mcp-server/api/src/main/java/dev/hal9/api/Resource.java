package dev.hal9.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A family of MCP resources named by a URI template, such as a browser session's downloads at
 * {@code hal9://browser/{session}/downloads/{file}}. Reads go through the same principal and handles as tool
 * calls, so one principal never reads another's resources.
 *
 * @param uriTemplate an RFC 6570 level-1 template, e.g. {@code hal9://browser/{session}/downloads/{file}}
 * @param name a short machine name
 * @param title a human title
 * @param description what the resources are, for a model
 * @param mimeType the type when all share one, else {@code null}
 * @param reader reads one resource
 */
public record Resource(
        String uriTemplate, String name, String title, String description, String mimeType, Reader reader) {

    public Resource {
        Objects.requireNonNull(uriTemplate, "uriTemplate");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(reader, "reader");
    }

    /** Reads the resource a URI names. Throw {@link ToolException} when it does not exist for the caller. */
    @FunctionalInterface
    public interface Reader {
        /**
         * @param uri the URI the client asked for
         * @param variables the template's variables taken from it
         * @param call the caller, handles and logging (progress is not offered for reads)
         */
        List<Content> read(String uri, Map<String, String> variables, ToolCall call) throws Exception;
    }

    /**
     * One part of a resource's contents: text or bytes.
     *
     * @param uri the part's URI
     * @param mimeType its type
     * @param text the text, or null for binary contents
     * @param bytes the bytes, or null for text contents
     */
    public record Content(String uri, String mimeType, String text, byte[] bytes) {
        public Content {
            if ((text == null) == (bytes == null)) {
                throw new IllegalArgumentException("a resource content is either text or bytes");
            }
        }
    }
}
