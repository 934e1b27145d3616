package dev.hal9.tools.browser;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.LoadState;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** browser_interact: click, type, fill, select, check, press, hover, scroll, upload, and answer dialogs. */
final class InteractTools {

    private static final Pattern REF = Pattern.compile("[a-z]*\\d*e\\d+");

    enum Action {
        CLICK,
        DOUBLE_CLICK,
        TYPE,
        FILL,
        SELECT,
        CHECK,
        UNCHECK,
        PRESS,
        HOVER,
        SCROLL,
        UPLOAD,
        DIALOG
    }

    record Field(
            @Param(value = "The field's ref from the snapshot (e12).", maxLength = 20)
            String ref,

            @Param(value = "Or a CSS selector for it.", maxLength = 1000)
            String selector,

            @Param(value = "The value to put in it.", required = true, maxLength = 100_000)
            String value) {}

    record Input(
            @Param(value = "The session handle (bs_...).", required = true, maxLength = 40)
            String session,

            @Param(
                    value = "click, double_click, type (keystrokes into the element), fill (replace values of one or "
                            + "more fields), select (options of a combobox), check, uncheck, press (a key such as "
                            + "Enter or Control+A), hover, scroll (into view, or the page by text=up/down), upload "
                            + "(files into a file input), dialog (how to answer the next alert/confirm/prompt).",
                    required = true)
            Action action,

            @Param(
                    value = "The target's ref from the latest snapshot (e12). Refs are preferred to selectors.",
                    maxLength = 20)
            String ref,

            @Param(value = "Or a CSS selector for the target, when no ref fits.", maxLength = 1000)
            String selector,

            @Param(
                    value = "type: the text; press: the key (Enter, Tab, Control+A); scroll without a target: up or "
                            + "down; dialog: the text to answer a prompt with.",
                    maxLength = 100_000)
            String text,

            @Param("fill: the fields and their values, filled in order.")
            List<Field> fields,

            @Param("select: the option values or labels to select.")
            List<String> values,

            @Param("upload: file names inside the server's upload folder or this session's downloads.")
            List<String> files,

            @Param(value = "dialog: accept (true) or dismiss (false) the next dialogs.", defaultValue = "true")
            Boolean accept,

            @Param(
                    value = "How long to wait for the target to be actionable, in milliseconds (1 to 60000).",
                    defaultValue = "10000",
                    minimum = 1,
                    maximum = 60_000)
            Integer timeoutMs,

            @Param(value = "Whether to return the compact snapshot afterwards.", defaultValue = "true")
            Boolean snapshot) {}

    private InteractTools() {}

    static Tool<Input, PageState> tool(Browsing browsing, Path uploads) {
        return Tool.builder("browser_interact", Input.class, PageState.class)
                .title("Interact with the page")
                .description("Act on the page of a browser session: click, type, fill several fields at once, select "
                        + "options, check boxes, press keys, hover, scroll, upload files or set how dialogs are "
                        + "answered. Target elements by the [eN] refs of the latest snapshot; returns the new "
                        + "snapshot. Use browser_navigate to load URLs.")
                .kind(ToolKind.ACTION)
                .capability("browser")
                .handler((input, call) -> interact(browsing, uploads, input, call))
                .render(PageState::render)
                .build();
    }

    private static PageState interact(Browsing browsing, Path uploads, Input input, ToolCall call) {
        int timeout = input.timeoutMs() == null ? 10_000 : input.timeoutMs();
        List<Path> files = input.action() == Action.UPLOAD ? uploadFiles(uploads, input.files()) : List.of();
        return NavigateTools.withNotice(browsing.with(call, input.session(), timeout * 3L + 20_000, session -> {
            Page page = session.page();
            int dialogsBefore = session.dialogs.size();
            try {
                act(session, page, input, timeout, files);
            } catch (TimeoutError e) {
                throw new ToolException("the target was not ready within " + timeout + " ms ("
                        + BrowserPool.firstLine(e.getMessage()) + "); it may be hidden or disabled. Take a new "
                        + "snapshot and check the ref.");
            } catch (PlaywrightException e) {
                String message = BrowserPool.firstLine(e.getMessage());
                if (message.contains("aria-ref")) {
                    throw staleRef(input.ref());
                }
                throw new ToolException(input.action().name().toLowerCase() + " failed: " + message);
            }
            if (input.action() == Action.CLICK
                    || input.action() == Action.PRESS
                    || input.action() == Action.DOUBLE_CLICK) {
                try {
                    // a click may start a navigation: let the new document arrive before the snapshot
                    session.page()
                            .waitForLoadState(
                                    LoadState.DOMCONTENTLOADED, new Page.WaitForLoadStateOptions().setTimeout(5_000));
                } catch (PlaywrightException e) {
                    // still loading after 5 s: the snapshot shows what is there
                }
            }
            return NavigateTools.state(
                    browsing, session, null, input.snapshot() == null || input.snapshot(), dialogsBefore);
        }));
    }

    private static void act(Session session, Page page, Input input, int timeout, List<Path> files) {
        switch (input.action()) {
            case CLICK -> {
                Locator target = target(page, input.ref(), input.selector());
                String opensIn = target.getAttribute("target", new Locator.GetAttributeOptions().setTimeout(timeout));
                if ("_blank".equals(opensIn)) {
                    // the new tab arrives as an event; wait for it so the result already lists it
                    session.context.waitForPage(
                            new com.microsoft.playwright.BrowserContext.WaitForPageOptions().setTimeout(timeout),
                            () -> target.click(new Locator.ClickOptions().setTimeout(timeout)));
                } else {
                    target.click(new Locator.ClickOptions().setTimeout(timeout));
                }
            }
            case DOUBLE_CLICK ->
                target(page, input.ref(), input.selector()).dblclick(new Locator.DblclickOptions().setTimeout(timeout));
            case HOVER ->
                target(page, input.ref(), input.selector()).hover(new Locator.HoverOptions().setTimeout(timeout));
            case CHECK ->
                target(page, input.ref(), input.selector()).check(new Locator.CheckOptions().setTimeout(timeout));
            case UNCHECK ->
                target(page, input.ref(), input.selector()).uncheck(new Locator.UncheckOptions().setTimeout(timeout));
            case TYPE -> {
                String text = require(input.text(), "text", "type");
                Locator target = target(page, input.ref(), input.selector());
                // a line break in the text presses Enter; it never becomes part of the field's value
                learnIfPassword(session, target, text.replaceAll("[\r\n]", ""));
                target.pressSequentially(text, new Locator.PressSequentiallyOptions().setTimeout(timeout));
            }
            case PRESS -> {
                String key = require(input.text(), "text", "press");
                if (input.ref() == null && input.selector() == null) {
                    page.keyboard().press(key);
                } else {
                    target(page, input.ref(), input.selector())
                            .press(key, new Locator.PressOptions().setTimeout(timeout));
                }
            }
            case FILL -> {
                List<Field> fields = input.fields() != null
                        ? input.fields()
                        : input.text() != null ? List.of(new Field(input.ref(), input.selector(), input.text())) : null;
                if (fields == null || fields.isEmpty()) {
                    throw ToolException.badArgument("fields", "is required for fill: a list of {ref, value}");
                }
                for (Field field : fields) {
                    Locator target = target(page, field.ref(), field.selector());
                    learnIfPassword(session, target, field.value());
                    target.fill(field.value(), new Locator.FillOptions().setTimeout(timeout));
                }
            }
            case SELECT -> {
                if (input.values() == null || input.values().isEmpty()) {
                    throw ToolException.badArgument("values", "is required for select: the options to choose");
                }
                Locator select = target(page, input.ref(), input.selector());
                try {
                    select.selectOption(
                            input.values().toArray(String[]::new),
                            new Locator.SelectOptionOptions().setTimeout(Math.min(timeout, 3_000)));
                } catch (TimeoutError e) {
                    List<com.microsoft.playwright.options.SelectOption> labels = new ArrayList<>();
                    input.values()
                            .forEach(v -> labels.add(new com.microsoft.playwright.options.SelectOption().setLabel(v)));
                    select.selectOption(
                            labels.toArray(com.microsoft.playwright.options.SelectOption[]::new),
                            new Locator.SelectOptionOptions().setTimeout(timeout));
                }
            }
            case SCROLL -> {
                if (input.ref() != null || input.selector() != null) {
                    target(page, input.ref(), input.selector())
                            .scrollIntoViewIfNeeded(new Locator.ScrollIntoViewIfNeededOptions().setTimeout(timeout));
                } else {
                    int direction = "up".equalsIgnoreCase(input.text()) ? -1 : 1;
                    page.mouse().wheel(0, direction * 700);
                }
            }
            case UPLOAD ->
                target(page, input.ref(), input.selector())
                        .setInputFiles(
                                files.toArray(Path[]::new), new Locator.SetInputFilesOptions().setTimeout(timeout));
            case DIALOG -> {
                session.acceptDialogs = input.accept() == null || input.accept();
                session.promptText = input.text();
            }
        }
    }

    /**
     * Remembers a value on its way into a password field before it goes in: typing Enter, or the page's script,
     * may send it on (into a URL) before this call looks at the page again.
     */
    private static void learnIfPassword(Session session, Locator target, String value) {
        Object name = target.evaluate("e => e instanceof HTMLInputElement && e.type === 'password' ? e.name : null");
        if (name != null) {
            session.masking.value(value);
            session.masking.name(String.valueOf(name));
        }
    }

    /** The element a ref or selector names, checked to exist once. */
    static Locator target(Page page, String ref, String selector) {
        if (ref != null) {
            if (!REF.matcher(ref).matches()) {
                throw ToolException.badArgument(
                        "ref", "must look like e12 (a ref from the latest snapshot), not '" + Browsing.clip(ref) + "'");
            }
            Locator locator = page.locator("aria-ref=" + ref);
            try {
                if (locator.count() == 0) {
                    throw staleRef(ref);
                }
            } catch (PlaywrightException e) {
                throw staleRef(ref);
            }
            return locator;
        }
        if (selector != null) {
            Locator locator;
            int count;
            try {
                locator = page.locator(selector);
                count = locator.count();
            } catch (PlaywrightException e) {
                throw ToolException.badArgument(
                        "selector", "is not a valid selector: " + BrowserPool.firstLine(e.getMessage()));
            }
            if (count == 0) {
                throw new ToolException("no element matches the selector " + Browsing.clip(selector) + " on "
                        + page.url() + "; take a snapshot and use a ref");
            }
            if (count > 1) {
                throw new ToolException("the selector " + Browsing.clip(selector) + " matches " + count
                        + " elements; use a ref from the snapshot or a more specific selector");
            }
            return locator;
        }
        throw ToolException.badArgument("ref", "or selector is required to say which element to act on");
    }

    static ToolException staleRef(String ref) {
        return new ToolException("ref " + ref + " is not on the page (it changed since the snapshot, or the ref "
                + "is from another page); take a new snapshot with browser_extract what=snapshot and use its refs");
    }

    private static String require(String value, String name, String action) {
        if (value == null || value.isEmpty()) {
            throw ToolException.badArgument(name, "is required for " + action);
        }
        return value;
    }

    /** Upload sources: plain file names inside the upload folder, never paths that leave it. */
    private static List<Path> uploadFiles(Path uploads, List<String> names) {
        if (names == null || names.isEmpty()) {
            throw ToolException.badArgument("files", "is required for upload: names of files in " + uploads);
        }
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            Path file = uploads.resolve(name).normalize();
            if (!file.startsWith(uploads) || name.contains("..")) {
                throw ToolException.badArgument(
                        "files",
                        "may only name files inside the upload folder " + uploads + ", not '" + Browsing.clip(name)
                                + "'");
            }
            if (!Files.isRegularFile(file)) {
                throw ToolException.badArgument(
                        "files",
                        "names '" + Browsing.clip(name) + "', which is not in " + uploads
                                + "; the operator puts files to upload there");
            }
            files.add(file);
        }
        return files;
    }
}
