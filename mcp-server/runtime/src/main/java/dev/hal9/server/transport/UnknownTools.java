package dev.hal9.server.transport;

import dev.hal9.api.Principal;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Answers a {@code tools/call} of a tool the server does not have, before the SDK does: the SDK's error reads
 * "Unknown tool: invalid_tool_name" whatever was asked, which leaves a model guessing. This one names the tool that
 * was asked for and the closest names among the tools the caller may see. Immutable, so thread-safe.
 */
public final class UnknownTools {

    private static final int MAX_SUGGESTIONS = 3;

    /** A tool's name and the capability it needs (null: any caller may call it). */
    public record Entry(String name, String capability) {

        boolean visibleTo(Principal caller) {
            return capability == null || caller.may(capability);
        }
    }

    private final List<Entry> tools;

    public UnknownTools(List<Entry> tools) {
        this.tools = List.copyOf(tools);
    }

    /** The JSON-RPC error for a call of an unknown tool, or null when the request is something else. */
    public Map<String, Object> check(McpSchema.JSONRPCRequest request, Principal caller) {
        if (!McpSchema.METHOD_TOOLS_CALL.equals(request.method())
                || !(request.params() instanceof Map<?, ?> params)
                || !(params.get("name") instanceof String name)
                || tools.stream().anyMatch(tool -> tool.name().equals(name))) {
            return null;
        }
        List<String> close = closeMatches(name, caller);
        String asked = name.length() > 80 ? name.substring(0, 80) + "…" : name;
        String message = "Unknown tool: '" + asked + "'"
                + (close.isEmpty()
                        ? "; no tool of yours has a similar name"
                        : "; did you mean " + String.join(", ", close) + "?")
                + " tools/list shows the tools you may call";
        return JsonRpc.error(request.id(), JsonRpc.INVALID_PARAMS, message);
    }

    /**
     * The capability a {@code tools/call} of a known tool needs and the caller lacks, or null when the request is
     * something else or the caller may make it. An OAuth caller is then asked for more scope (HTTP 403).
     */
    public String missingCapability(McpSchema.JSONRPCRequest request, Principal caller) {
        if (!McpSchema.METHOD_TOOLS_CALL.equals(request.method())
                || !(request.params() instanceof Map<?, ?> params)
                || !(params.get("name") instanceof String name)) {
            return null;
        }
        return tools.stream()
                .filter(tool -> tool.name().equals(name) && !tool.visibleTo(caller))
                .map(Entry::capability)
                .findFirst()
                .orElse(null);
    }

    /** Up to three visible names nearest to the asked one: by edit distance, or sharing its family prefix. */
    List<String> closeMatches(String asked, Principal caller) {
        String wanted = asked.toLowerCase(Locale.ROOT);
        String family = wanted.contains("_") ? wanted.substring(0, wanted.indexOf('_') + 1) : null;
        int tolerance = Math.max(2, wanted.length() / 3);
        return tools.stream()
                .filter(tool -> caller == null || tool.visibleTo(caller))
                .map(Entry::name)
                .map(name -> Map.entry(name, distance(wanted, name.toLowerCase(Locale.ROOT))))
                .filter(scored -> scored.getValue() <= tolerance
                        || scored.getKey().toLowerCase(Locale.ROOT).startsWith(wanted)
                        || (family != null && scored.getKey().startsWith(family)))
                .sorted(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_SUGGESTIONS)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Levenshtein distance (names are short: two rows are plenty). */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
