package dev.hal9.server;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Handles;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** {@code server_info}: what this server is and offers, and what the caller holds. For operators and models alike. */
public final class ServerInfoFamily implements ToolFamily {

    /** The output of {@code server_info}. */
    public record ServerInfo(
            @Param("hal9's version.") String version,
            @Param("The tool families loaded.") List<String> families,

            @Param("The tools offered to this caller, by name.")
            List<String> tools,

            @Param("The capabilities the operator enabled.") List<String> enabledCapabilities,

            @Param("How this server is reached (stdio, HTTP URLs).")
            List<String> transports,

            @Param("The caller's principal id.") String principal,

            @Param("The capabilities the caller may use ('*' means every enabled one).")
            List<String> callerCapabilities,

            @Param("The caller's live handles (browser sessions, carts, wallets, confirmations), newest first.")
            List<LiveHandle> handles) {}

    /** One live handle. */
    public record LiveHandle(
            @Param("The handle to pass to tools.") String handle,

            @Param("Its kind, as the handle's prefix (bs = browser session, ...).")
            String kind,

            @Param("What it is.") String label,

            @Param(value = "When it was made.", format = "date-time")
            String createdAt) {}

    @Override
    public String name() {
        return "server";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        return List.of(Tool.builder("server_info", Tool.NoInput.class, ServerInfo.class)
                .title("Server info")
                .description("Report hal9's version, the tool families and capabilities enabled, how the server "
                        + "is reached, and the caller's live handles (browser sessions, carts, wallets, pending "
                        + "confirmations). Use it to recover handles after a reconnect.")
                .kind(ToolKind.READ_ONLY)
                .capability("server")
                .handler((input, call) -> {
                    Set<String> enabled = new TreeSet<>(context.enabledCapabilities());
                    List<LiveHandle> handles = call.handles().list().stream()
                            .map(ServerInfoFamily::live)
                            .toList();
                    return new ServerInfo(
                            context.serverVersion(),
                            context.facts().families(),
                            context.facts().tools(),
                            List.copyOf(enabled),
                            context.facts().transports(),
                            call.principal().id(),
                            List.copyOf(new TreeSet<>(call.principal().capabilities())),
                            handles);
                })
                .render(info -> "hal9 " + info.version() + "; " + info.tools().size() + " tools ("
                        + String.join(", ", info.tools()) + "); capabilities " + info.enabledCapabilities()
                        + "; you are " + info.principal() + " with "
                        + info.handles().size() + " live handle(s)"
                        + (info.handles().isEmpty()
                                ? ""
                                : ": "
                                        + String.join(
                                                ", ",
                                                info.handles().stream()
                                                        .map(h -> h.handle() + " (" + h.label() + ")")
                                                        .toList())))
                .build());
    }

    private static LiveHandle live(Handles.HandleInfo info) {
        return new LiveHandle(
                info.handle(),
                info.prefix(),
                info.label(),
                Instant.ofEpochMilli(info.createdAt()).toString());
    }
}
