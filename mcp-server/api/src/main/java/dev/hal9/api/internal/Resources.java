package dev.hal9.api.internal;

import dev.hal9.api.Resource;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import io.modelcontextprotocol.util.DefaultMcpUriTemplateManager;
import java.util.List;

/** Reads a resource by URI from the families' resource templates, as a given caller. */
public final class Resources {

    private Resources() {}

    /** The contents of the first template that matches the URI; a {@link ToolException} when none does. */
    public static List<Resource.Content> read(List<Resource> resources, String uri, ToolCall call) {
        for (Resource resource : resources) {
            var matcher = new DefaultMcpUriTemplateManager(resource.uriTemplate());
            if (matcher.matches(uri)) {
                try {
                    return resource.reader().read(uri, matcher.extractVariableValues(uri), call);
                } catch (ToolException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ToolException("reading " + uri + " failed: " + e.getMessage());
                }
            }
        }
        throw ToolException.notFound("resource", uri, "a tool result names the resources it made");
    }
}
