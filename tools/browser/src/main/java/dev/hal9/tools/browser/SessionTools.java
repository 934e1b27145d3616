package dev.hal9.tools.browser;

import com.microsoft.playwright.Page;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.util.ArrayList;
import java.util.List;

/** browser_session: open, close and list sessions, and manage their tabs. */
final class SessionTools {

    enum Action {
        OPEN,
        CLOSE,
        LIST,
        TAB_NEW,
        TAB_SELECT,
        TAB_CLOSE
    }

    record Input(
            @Param(
                    value = "open a session; close one (a profile is saved on close); list yours; tab_new, "
                            + "tab_select or tab_close a tab of a session.",
                    required = true)
            Action action,

            @Param(value = "The session handle (bs_...) for close and the tab actions.", maxLength = 40)
            String session,

            @Param(
                    value = "open: a profile whose cookies and storage are restored now and saved when the session "
                            + "closes or expires, e.g. 'shop'; omit for a clean session.",
                    pattern = "^[a-z0-9][a-z0-9_-]{0,39}$")
            String profile,

            @Param(
                    value = "open and tab_new: a page to load, http:// or https:// only.",
                    format = "uri",
                    maxLength = 4096)
            String url,

            @Param(
                    value = "tab_select and tab_close: the tab's index as the tabs list shows it (0-based).",
                    minimum = 0)
            Integer tab) {}

    record Tab(
            @Param("The tab's index (0-based).") int index,
            @Param("Its URL.") String url,

            @Param("Its title; null in a list of a session another instance holds, of which only URLs are known.")
            String title,

            @Param("Whether tools act on this tab.") boolean active) {}

    record Listed(
            @Param("The session handle.") String session,

            @Param("The profile it was opened with, if any.")
            String profile,

            @Param("Its tabs.") List<Tab> tabs) {}

    record Output(
            @Param("The session acted on (open, close, tab_*).")
            String session,

            @Param("The session's tabs after the action.") List<Tab> tabs,
            @Param("list: the caller's open sessions.") List<Listed> sessions,
            @Param("What happened, for a person.") String message,

            @Param("Something the model should know, such as a browser restart.")
            String notice) {}

    private SessionTools() {}

    static Tool<Input, Output> tool(Browsing browsing) {
        return Tool.builder("browser_session", Input.class, Output.class)
                .title("Browser sessions and tabs")
                .description("Open, close or list your browser sessions, and open, switch or close tabs. A session "
                        + "is a private browser profile kept on the server; pass its handle (bs_...) to the other "
                        + "browser tools. Give open a profile name to keep logins across sessions and restarts. "
                        + "Use browser_navigate to load pages in a session.")
                .kind(ToolKind.ACTION)
                .capability("browser")
                .handler((input, call) -> handle(browsing, input, call))
                .render(SessionTools::render)
                .build();
    }

    private static Output handle(Browsing browsing, Input input, ToolCall call) {
        return switch (input.action()) {
            case OPEN -> {
                Session session = browsing.open(call, input.profile(), input.url(), 60_000);
                Browsing.Outcome<List<Tab>> tabs = browsing.with(call, session.handle, 10_000, SessionTools::tabs);
                yield new Output(
                        session.handle,
                        tabs.value(),
                        null,
                        "opened " + session.handle
                                + (input.profile() == null ? "" : " with profile " + input.profile()),
                        tabs.notice());
            }
            case CLOSE -> {
                String handle = required(input.session(), "close");
                browsing.close(call, handle);
                yield new Output(handle, List.of(), null, "closed " + handle, null);
            }
            case LIST -> {
                List<Listed> listed = new ArrayList<>();
                for (Session session : browsing.list(call)) {
                    listed.add(new Listed(
                            session.handle,
                            session.profile,
                            browsing.with(call, session.handle, 10_000, SessionTools::tabs)
                                    .value()));
                }
                for (SessionRecords.Row row : browsing.heldElsewhere(call)) {
                    List<Tab> tabs = new ArrayList<>();
                    List<String> urls = row.state().urls();
                    for (int i = 0; i < urls.size(); i++) {
                        tabs.add(new Tab(i, urls.get(i), null, i == row.state().active()));
                    }
                    listed.add(new Listed(row.handle(), row.profile(), tabs));
                }
                yield new Output(null, null, listed, listed.size() + " session(s) open", null);
            }
            case TAB_NEW -> {
                String url = input.url() == null ? null : browsing.policy().check(input.url());
                String handle = required(input.session(), "tab_new");
                Browsing.Outcome<List<Tab>> tabs = browsing.with(call, handle, 60_000, session -> {
                    Page page = session.context.newPage();
                    session.active = session.tabs.indexOf(page);
                    if (url != null) {
                        page.navigate(url);
                    }
                    return tabs(session);
                });
                yield new Output(
                        handle,
                        tabs.value(),
                        null,
                        "opened tab " + (tabs.value().size() - 1),
                        tabs.notice());
            }
            case TAB_SELECT, TAB_CLOSE -> {
                String handle = required(input.session(), input.action().name().toLowerCase());
                if (input.tab() == null) {
                    throw ToolException.badArgument(
                            "tab",
                            "is required for " + input.action().name().toLowerCase()
                                    + "; browser_session action=list shows the tab indexes");
                }
                int index = input.tab();
                Browsing.Outcome<List<Tab>> tabs = browsing.with(call, handle, 30_000, session -> {
                    if (index >= session.tabs.size()) {
                        throw ToolException.badArgument(
                                "tab", "is " + index + " but the session has tabs 0 to " + (session.tabs.size() - 1));
                    }
                    if (input.action() == Action.TAB_SELECT) {
                        session.active = index;
                        session.page().bringToFront();
                    } else {
                        if (session.tabs.size() == 1) {
                            throw new ToolException("a session keeps at least one tab; close the session instead");
                        }
                        Page page = session.tabs.get(index);
                        page.close();
                        session.tabs.remove(page);
                        session.active = Math.min(
                                session.active >= index && session.active > 0 ? session.active - 1 : session.active,
                                session.tabs.size() - 1);
                    }
                    return tabs(session);
                });
                yield new Output(
                        handle,
                        tabs.value(),
                        null,
                        (input.action() == Action.TAB_SELECT ? "selected tab " : "closed tab ") + index,
                        tabs.notice());
            }
        };
    }

    static List<Tab> tabs(Session session) {
        List<Tab> tabs = new ArrayList<>();
        for (int i = 0; i < session.tabs.size(); i++) {
            Page page = session.tabs.get(i);
            tabs.add(new Tab(i, page.url(), page.title(), i == session.active));
        }
        return tabs;
    }

    static String required(String session, String action) {
        if (session == null || session.isBlank()) {
            throw ToolException.badArgument(
                    "session",
                    "is required for " + action + "; browser_session action=open returns one, action=list shows yours");
        }
        return session;
    }

    private static String render(Output output) {
        StringBuilder text = new StringBuilder(output.message());
        if (output.notice() != null) {
            text.append("\nNote: ").append(output.notice());
        }
        if (output.tabs() != null) {
            for (Tab tab : output.tabs()) {
                text.append('\n')
                        .append(tab.active() ? "* " : "  ")
                        .append(tab.index())
                        .append(": ")
                        .append(tab.title())
                        .append(" — ")
                        .append(tab.url());
            }
        }
        if (output.sessions() != null) {
            for (Listed session : output.sessions()) {
                text.append('\n')
                        .append(session.session())
                        .append(session.profile() == null ? "" : " (profile " + session.profile() + ")")
                        .append(": ")
                        .append(session.tabs().size())
                        .append(" tab(s)");
                session.tabs().stream().filter(Tab::active).findFirst().ifPresent(tab -> text.append(", on ")
                        .append(tab.url()));
            }
        }
        return text.toString();
    }
}
