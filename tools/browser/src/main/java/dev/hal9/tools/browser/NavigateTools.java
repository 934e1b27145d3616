package dev.hal9.tools.browser;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.WaitUntilState;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** browser_navigate (go to a URL, back, forward, reload) and browser_wait. */
final class NavigateTools {

    enum Action {
        GOTO,
        BACK,
        FORWARD,
        RELOAD
    }

    enum WaitUntil {
        LOAD,
        DOMCONTENTLOADED,
        NETWORKIDLE,
        COMMIT
    }

    record Input(
            @Param(value = "The session handle (bs_...) from browser_session.", required = true, maxLength = 40)
            String session,

            @Param(value = "goto a URL, or go back, forward, or reload.", defaultValue = "\"goto\"")
            Action action,

            @Param(value = "goto: the page to load, http:// or https:// only.", format = "uri", maxLength = 4096)
            String url,

            @Param(
                    value = "When the navigation counts as done: load (all resources), domcontentloaded, "
                            + "networkidle (no requests for 500 ms), or commit (the response started).",
                    defaultValue = "\"load\"")
            WaitUntil waitUntil,

            @Param(
                    value = "How long to wait for the page, in milliseconds (1 to 120000).",
                    defaultValue = "30000",
                    minimum = 1,
                    maximum = 120_000)
            Integer timeoutMs,

            @Param(value = "Whether to return the compact snapshot of the page.", defaultValue = "true")
            Boolean snapshot) {}

    enum WaitFor {
        TEXT,
        TEXT_GONE,
        SELECTOR,
        URL,
        TIME
    }

    record WaitInput(
            @Param(value = "The session handle (bs_...).", required = true, maxLength = 40)
            String session,

            @Param(
                    value = "What to wait for: text to appear, text_gone, a CSS selector to be visible, the URL to "
                            + "contain value, or time (value = milliseconds).",
                    required = true)
            WaitFor until,

            @Param(value = "The text, selector, URL part, or milliseconds.", required = true, maxLength = 2000)
            String value,

            @Param(
                    value = "The longest wait in milliseconds (1 to 120000).",
                    defaultValue = "10000",
                    minimum = 1,
                    maximum = 120_000)
            Integer timeoutMs,

            @Param(value = "Whether to return the compact snapshot afterwards.", defaultValue = "true")
            Boolean snapshot) {}

    private NavigateTools() {}

    static Tool<Input, PageState> navigate(Browsing browsing) {
        return Tool.builder("browser_navigate", Input.class, PageState.class)
                .title("Navigate")
                .description("Load a URL in a browser session, or go back, forward or reload; returns the title, "
                        + "URL, HTTP status and a compact snapshot whose [eN] refs browser_interact acts on. "
                        + "Use browser_extract for text, links, tables or a screenshot of the loaded page.")
                .kind(ToolKind.ACTION)
                .capability("browser")
                .handler((input, call) -> navigate(browsing, input, call))
                .render(PageState::render)
                .build();
    }

    static Tool<WaitInput, PageState> await(Browsing browsing) {
        return Tool.builder("browser_wait", WaitInput.class, PageState.class)
                .title("Wait for the page")
                .description("Wait until text appears or disappears, an element is visible, the URL changes, or some "
                        + "time passes. Use it after an action whose effect arrives later; browser_navigate "
                        + "already waits for the page to load.")
                .kind(ToolKind.READ_ONLY)
                .capability("browser")
                .handler((input, call) -> await(browsing, input, call))
                .render(PageState::render)
                .build();
    }

    private static PageState navigate(Browsing browsing, Input input, ToolCall call) {
        Action action = input.action() == null ? Action.GOTO : input.action();
        int timeout = input.timeoutMs() == null ? 30_000 : input.timeoutMs();
        String url;
        if (action == Action.GOTO) {
            if (input.url() == null) {
                throw ToolException.badArgument("url", "is required to goto a page");
            }
            url = browsing.policy().check(input.url());
        } else {
            url = null;
        }
        WaitUntilState until =
                switch (input.waitUntil() == null ? WaitUntil.LOAD : input.waitUntil()) {
                    case LOAD -> WaitUntilState.LOAD;
                    case DOMCONTENTLOADED -> WaitUntilState.DOMCONTENTLOADED;
                    case NETWORKIDLE -> WaitUntilState.NETWORKIDLE;
                    case COMMIT -> WaitUntilState.COMMIT;
                };
        call.progress(0, 1.0, "loading");
        Browsing.Outcome<PageState> outcome = browsing.with(call, input.session(), timeout + 15_000L, session -> {
            Page page = session.page();
            int dialogsBefore = session.dialogs.size();
            Response response;
            try {
                response = switch (action) {
                    case GOTO ->
                        page.navigate(
                                url,
                                new Page.NavigateOptions().setTimeout(timeout).setWaitUntil(until));
                    case BACK ->
                        page.goBack(new Page.GoBackOptions().setTimeout(timeout).setWaitUntil(until));
                    case FORWARD ->
                        page.goForward(
                                new Page.GoForwardOptions().setTimeout(timeout).setWaitUntil(until));
                    case RELOAD ->
                        page.reload(new Page.ReloadOptions().setTimeout(timeout).setWaitUntil(until));
                };
            } catch (TimeoutError e) {
                throw new ToolException("the page did not finish loading within " + timeout + " ms (wait for "
                        + until.name().toLowerCase() + "); the session is still usable and shows " + page.url()
                        + ". Try waitUntil=domcontentloaded or commit, or a longer timeoutMs.");
            } catch (PlaywrightException e) {
                throw navigationFailure(e, url);
            }
            if (response == null && action != Action.GOTO) {
                String nowhere = action == Action.BACK
                        ? "no earlier page in this tab's history"
                        : action == Action.FORWARD ? "no later page in this tab's history" : "nothing to reload";
                throw new ToolException(nowhere + "; the tab stays on " + page.url());
            }
            return state(
                    browsing,
                    session,
                    response == null ? null : response.status(),
                    input.snapshot() == null || input.snapshot(),
                    dialogsBefore);
        });
        call.progress(1, 1.0, "loaded");
        return withNotice(outcome);
    }

    private static PageState await(Browsing browsing, WaitInput input, ToolCall call) {
        int timeout = input.timeoutMs() == null ? 10_000 : input.timeoutMs();
        if (input.until() == WaitFor.TIME) {
            long millis;
            try {
                millis = Long.parseLong(input.value().strip());
            } catch (NumberFormatException e) {
                throw ToolException.badArgument("value", "must be a number of milliseconds for until=time");
            }
            if (millis < 0 || millis > 120_000) {
                throw ToolException.badArgument("value", "must be 0 to 120000 milliseconds for until=time");
            }
            // wait off the browser's thread, reporting progress each second, so other sessions go on
            long end = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < end) {
                call.checkCancelled();
                long left = end - System.currentTimeMillis();
                call.progress(millis - left, (double) millis, "waiting");
                try {
                    Thread.sleep(Math.min(1_000, Math.max(left, 0)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ToolException("the wait was cancelled");
                }
            }
            return withNotice(browsing.with(
                    call,
                    input.session(),
                    30_000,
                    session -> state(
                            browsing,
                            session,
                            null,
                            input.snapshot() == null || input.snapshot(),
                            session.dialogs.size())));
        }
        Browsing.Outcome<PageState> outcome = browsing.with(call, input.session(), timeout + 15_000L, session -> {
            Page page = session.page();
            int dialogsBefore = session.dialogs.size();
            try {
                switch (input.until()) {
                    case TEXT ->
                        page.getByText(input.value())
                                .first()
                                .waitFor(new com.microsoft.playwright.Locator.WaitForOptions().setTimeout(timeout));
                    case TEXT_GONE ->
                        page.getByText(input.value())
                                .first()
                                .waitFor(new com.microsoft.playwright.Locator.WaitForOptions()
                                        .setTimeout(timeout)
                                        .setState(com.microsoft.playwright.options.WaitForSelectorState.HIDDEN));
                    case SELECTOR ->
                        page.locator(input.value())
                                .first()
                                .waitFor(new com.microsoft.playwright.Locator.WaitForOptions().setTimeout(timeout));
                    case URL ->
                        page.waitForURL(
                                Pattern.compile(Pattern.quote(input.value())),
                                new Page.WaitForURLOptions().setTimeout(timeout));
                    default -> throw new IllegalStateException();
                }
            } catch (TimeoutError e) {
                throw new ToolException("waited " + timeout + " ms but " + describe(input) + " did not happen; "
                        + "the page is at " + page.url() + ". Take a snapshot to see what it shows.");
            } catch (PlaywrightException e) {
                throw ToolException.badArgument("value", "could not be used: " + BrowserPool.firstLine(e.getMessage()));
            }
            return state(browsing, session, null, input.snapshot() == null || input.snapshot(), dialogsBefore);
        });
        return withNotice(outcome);
    }

    private static String describe(WaitInput input) {
        return switch (input.until()) {
            case TEXT -> "the text \"" + input.value() + "\" appearing";
            case TEXT_GONE -> "the text \"" + input.value() + "\" going away";
            case SELECTOR -> "an element matching " + input.value() + " becoming visible";
            case URL -> "the URL containing " + input.value();
            case TIME -> "time passing";
        };
    }

    static ToolException navigationFailure(PlaywrightException e, String url) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        java.util.regex.Matcher code = Pattern.compile("net::(ERR_[A-Z_]+)").matcher(message);
        if (code.find()) {
            String error = code.group(1);
            if (error.equals("ERR_BLOCKED_BY_CLIENT")) {
                return new ToolException("the operator does not allow pages from " + Browsing.hostOf(url));
            }
            return new ToolException(
                    "could not reach " + url + " (" + error + "); check the address, or whether " + "the site is up");
        }
        return new ToolException("navigation failed: " + BrowserPool.firstLine(message));
    }

    /** The page state after an action: URL, title, status and the first page of a new snapshot. */
    static PageState state(Browsing browsing, Session session, Integer status, boolean snapshot, int dialogsBefore) {
        Page page = session.page();
        Pager.Paged paged = snapshot
                ? Pager.page(browsing.snapshot(session), 1, browsing.settings().pageTokens())
                : null;
        List<String> dialogs = new ArrayList<>(session.dialogs.subList(dialogsBefore, session.dialogs.size()));
        return new PageState(
                session.handle,
                page.url(),
                page.title(),
                status,
                paged == null ? null : paged.text(),
                paged == null ? null : session.snapshotId(),
                paged == null ? null : paged.page(),
                paged == null ? null : paged.pages(),
                paged == null || paged.laterPages().isEmpty() ? null : paged.laterPages(),
                dialogs.isEmpty() ? null : dialogs,
                null);
    }

    static PageState withNotice(Browsing.Outcome<PageState> outcome) {
        return outcome.notice() == null ? outcome.value() : outcome.value().withNotice(outcome.notice());
    }
}
