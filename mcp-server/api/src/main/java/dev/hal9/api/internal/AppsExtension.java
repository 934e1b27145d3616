package dev.hal9.api.internal;

import dev.hal9.api.View;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the MCP Apps extension ({@link View}) meets the SDK's types: which clients declared it, the tools' and
 * resources' metadata that point to views, and the shape of tools/list and resources/list for a client that did
 * not declare it (no {@code _meta.ui}, no {@code ui://} resources), so that such a client sees exactly what it saw
 * before views existed. Every transport passes its list results through {@link #forClient}.
 */
public final class AppsExtension {

    private AppsExtension() {}

    /** Whether a client's {@code capabilities.extensions} declare MCP Apps HTML views. */
    public static boolean declared(Map<String, ? extends Map<String, Object>> extensions) {
        if (extensions == null) {
            return false;
        }
        Map<String, Object> ui = extensions.get(View.EXTENSION);
        return ui != null && ui.get("mimeTypes") instanceof List<?> types && types.contains(View.MIME_TYPE);
    }

    /** The same, from a 2025-era client's capabilities. */
    public static boolean declared(McpSchema.ClientCapabilities capabilities) {
        return capabilities != null && declared(capabilities.extensions());
    }

    /** The same, from an initialize request's params as they arrived (JSON maps). */
    @SuppressWarnings("unchecked")
    public static boolean declaredInInitialize(Object params) {
        if (params instanceof Map<?, ?> map
                && map.get("capabilities") instanceof Map<?, ?> capabilities
                && capabilities.get("extensions") instanceof Map<?, ?> extensions) {
            try {
                return declared((Map<String, Map<String, Object>>) extensions);
            } catch (ClassCastException e) {
                return false; // an extension's settings that are not an object declare nothing
            }
        }
        return false;
    }

    /** A tool's {@code _meta} that names its view. */
    public static Map<String, Object> toolMeta(String viewUri) {
        return Map.of("ui", Map.of("resourceUri", viewUri));
    }

    /** A view's {@code _meta.ui}: the CSP a host builds the frame's policy from, and the border it asks for. */
    public static Map<String, Object> viewMeta(View view) {
        Map<String, Object> csp = new LinkedHashMap<>();
        csp.put("connectDomains", List.of());
        csp.put("resourceDomains", view.imageDomains());
        Map<String, Object> ui = new LinkedHashMap<>();
        ui.put("csp", csp);
        ui.put("prefersBorder", true);
        return Map.of("ui", ui);
    }

    /** A list result as a client that did or did not declare the extension should get it; other results unchanged. */
    public static Object forClient(Object result, boolean declared) {
        if (declared) {
            return result;
        }
        if (result instanceof McpSchema.ListToolsResult tools) {
            return new McpSchema.ListToolsResult(
                    tools.tools().stream().map(AppsExtension::withoutView).toList(), tools.nextCursor(), tools.meta());
        }
        if (result instanceof McpSchema.ListResourcesResult resources) {
            return new McpSchema.ListResourcesResult(
                    resources.resources().stream()
                            .filter(resource -> !resource.uri().startsWith("ui://"))
                            .toList(),
                    resources.nextCursor(),
                    resources.meta());
        }
        return result;
    }

    /** A JSON-RPC message as that client should get it. */
    public static McpSchema.JSONRPCMessage forClient(McpSchema.JSONRPCMessage message, boolean declared) {
        if (!declared && message instanceof McpSchema.JSONRPCResponse response && response.result() != null) {
            Object shaped = forClient(response.result(), false);
            if (shaped != response.result()) {
                return new McpSchema.JSONRPCResponse(response.jsonrpc(), response.id(), shaped, response.error());
            }
        }
        return message;
    }

    /** The tool without {@code _meta.ui} (and without {@code _meta} when that was all it held). */
    public static McpSchema.Tool withoutView(McpSchema.Tool tool) {
        if (tool.meta() == null || !tool.meta().containsKey("ui")) {
            return tool;
        }
        Map<String, Object> meta = new LinkedHashMap<>(tool.meta());
        meta.remove("ui");
        return new McpSchema.Tool(
                tool.name(),
                tool.title(),
                tool.description(),
                tool.inputSchema(),
                tool.outputSchema(),
                tool.annotations(),
                meta.isEmpty() ? null : meta,
                tool.icons());
    }
}
