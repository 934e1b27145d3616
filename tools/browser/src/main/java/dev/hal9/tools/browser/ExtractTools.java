package dev.hal9.tools.browser;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** browser_extract: snapshot, text, links, tables, form fields, screenshots and downloads of a page. */
final class ExtractTools {

    enum What {
        SNAPSHOT,
        TEXT,
        LINKS,
        TABLES,
        FORMS,
        SCREENSHOT,
        DOWNLOADS
    }

    enum TextMode {
        ARTICLE,
        PAGE
    }

    enum LinkStyle {
        TEXT,
        REFERENCES,
        INLINE
    }

    record Input(
            @Param(value = "The session handle (bs_...).", required = true, maxLength = 40)
            String session,

            @Param(
                    value =
                            "snapshot (elements with refs), text (the main article as Markdown; see textMode), links, tables (as rows), forms "
                                    + "(fields and values; passwords are never shown), screenshot (an image), downloads "
                                    + "(files this session saved).",
                    required = true)
            What what,

            @Param(
                    value = "snapshot, text, links: keep only lines or links containing this text (case-insensitive); "
                            + "snapshot keeps the matches' ancestors too.",
                    maxLength = 500)
            String query,

            @Param(value = "snapshot and text: which page of the output (1-based).", defaultValue = "1", minimum = 1)
            Integer page,

            @Param(
                    value = "snapshot and text: tokens per page (1000 to 100000); the operator's default "
                            + "(families.browser.page-tokens, 20000 unless set) fits a whole snapshot in one page on "
                            + "nearly every site.",
                    minimum = 1000,
                    maximum = 100_000)
            Integer pageTokens,

            @Param(
                    value = "snapshot: read this earlier snapshot (its id from a browser_* result, e.g. s3) instead "
                            + "of taking a new one, so that its pages show the same refs. Without it, page 1 is a "
                            + "new snapshot and a later page reads the latest snapshot while the tab is on its URL.",
                    maxLength = 20)
            String snapshotId,

            @Param(
                    value = "text: article (the main content, found by Mozilla's Readability: title, byline, "
                            + "headings, paragraphs, lists, tables; no navigation or ads; the whole page when no "
                            + "article is found) or page (all the page's text).",
                    defaultValue = "\"article\"")
            TextMode textMode,

            @Param(
                    value = "text: how links appear: text (their words only), references (numbered, with the "
                            + "addresses listed at the end) or inline (Markdown links).",
                    defaultValue = "\"text\"")
            LinkStyle links,

            @Param(value = "screenshot: only this element (ref from the snapshot).", maxLength = 20)
            String ref,

            @Param(value = "screenshot: the whole scrollable page instead of the viewport.", defaultValue = "false")
            Boolean fullPage) {}

    record Link(
            @Param("The link's text.") String text,
            @Param(value = "Where it goes.", format = "uri") String url) {}

    record Table(
            @Param("The table's caption or nearest heading, if any.")
            String caption,

            @Param("Rows of cell texts; the first row is the header when the table has one.")
            List<List<String>> rows) {}

    record FormField(
            @Param("The field's tag and type, e.g. input/email, select, textarea.")
            String kind,

            @Param("Its name attribute.") String name,
            @Param("Its label text.") String label,

            @Param("Its current value; password fields show •••• when filled.")
            String value,

            @Param("For selects: the options.") List<String> options) {}

    record Output(
            @Param("What was extracted.") What what,

            @Param(value = "The page's URL.", format = "uri")
            String url,

            @Param("The page's title.") String title,

            @Param(
                    value = "snapshot and text: the requested page of the output. In the result's text only.",
                    textOnly = true)
            String content,

            @Param("snapshot: the snapshot's id, for reading its other pages.")
            String snapshotId,

            @Param("snapshot and text: which page this is.") Integer page,

            @Param("snapshot and text: how many pages there are.")
            Integer pages,

            @Param("snapshot and text: what each later page holds (refs, first headings).")
            List<String> laterPages,

            @Param("text: article or page, which this is (page when no article was found; see notice).")
            TextMode textMode,

            @Param("links: the links, at most 500.") List<Link> links,

            @Param("tables: the tables, at most 50, each at most 500 rows.")
            List<Table> tables,

            @Param("forms: the form fields, at most 500.") List<FormField> fields,

            @Param("downloads: files saved by this session.")
            List<String> downloads,

            @Param("Something the model should know.") String notice,

            @Param("downloads: the MCP resource URIs of those files, for resources/read.")
            List<String> resources) {

        Output(
                What what,
                String url,
                String title,
                String content,
                Integer page,
                Integer pages,
                List<Link> links,
                List<Table> tables,
                List<FormField> fields,
                List<String> downloads,
                String notice) {
            this(
                    what, url, title, content, null, page, pages, null, null, links, tables, fields, downloads, notice,
                    null);
        }

        Output withNotice(String notice) {
            return new Output(
                    what,
                    url,
                    title,
                    content,
                    snapshotId,
                    page,
                    pages,
                    laterPages,
                    textMode,
                    links,
                    tables,
                    fields,
                    downloads,
                    this.notice == null ? notice : this.notice + " " + notice,
                    resources);
        }
    }

    /**
     * The in-page script that renders the page's main content (or all of it) as Markdown: text.js, with Mozilla's
     * Readability in front of it when the build bundled it.
     */
    private static final String TEXT = textScript();

    private static String textScript() {
        String text = script("text.js");
        try (var in = ExtractTools.class.getResourceAsStream("Readability.js")) {
            if (in == null) {
                return text;
            }
            String readability = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return "(options) => {\n" + readability + "\nreturn (" + text + ")(options);\n}";
        } catch (IOException e) {
            return text;
        }
    }

    private ExtractTools() {}

    private static String script(String name) {
        try (var in = ExtractTools.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.startsWith("//"))
                    .collect(java.util.stream.Collectors.joining("\n"));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the jar lacks " + name, e);
        }
    }

    static Tool<Input, Output> tool(Browsing browsing) {
        return Tool.builder("browser_extract", Input.class, Output.class)
                .title("Read the page")
                .description("Read the page of a browser session: the compact snapshot with refs (paged, filterable "
                        + "by query), the page's article (or all its text) as Markdown, links, tables as rows, form fields, a screenshot (image), or "
                        + "the session's downloads. Prefer text, links or tables for reading: they are far cheaper "
                        + "than a screenshot.")
                .kind(ToolKind.READ_ONLY)
                .capability("browser")
                .handler((input, call) -> extract(browsing, input, call))
                .render(ExtractTools::render)
                .build();
    }

    private static Output extract(Browsing browsing, Input input, ToolCall call) {
        int pageNumber = input.page() == null ? 1 : input.page();
        int pageTokens = input.pageTokens() == null ? browsing.settings().pageTokens() : input.pageTokens();
        Browsing.Outcome<Output> outcome = browsing.with(call, input.session(), 60_000, session -> {
            // passwords in any of this are masked by browsing.with, which every result passes through
            Page page = session.page();
            String url = page.url();
            String title = page.title();
            return switch (input.what()) {
                case SNAPSHOT, TEXT -> {
                    String full;
                    String snapshotId = null;
                    TextMode textMode = null;
                    String notice = null;
                    if (input.what() == What.TEXT) {
                        Map<?, ?> read = (Map<?, ?>) page.evaluate(
                                TEXT,
                                Map.of(
                                        "mode",
                                                (input.textMode() == null ? TextMode.ARTICLE : input.textMode())
                                                        .name()
                                                        .toLowerCase(Locale.ROOT),
                                        "links",
                                                (input.links() == null ? LinkStyle.TEXT : input.links())
                                                        .name()
                                                        .toLowerCase(Locale.ROOT)));
                        textMode = TextMode.valueOf(
                                String.valueOf(read.get("mode")).toUpperCase(Locale.ROOT));
                        full = article(read);
                        if (read.get("why") != null && input.textMode() != TextMode.PAGE) {
                            notice = read.get("why") + "; this is the whole page's text.";
                        }
                    } else {
                        full = earlierSnapshot(session, input, pageNumber, url);
                        if (full == null) {
                            full = browsing.snapshot(session);
                        }
                        snapshotId = session.snapshotId();
                    }
                    String selected =
                            input.query() == null || input.query().isBlank() ? full : Pager.filter(full, input.query());
                    Pager.Paged paged;
                    try {
                        paged = Pager.page(selected, pageNumber, pageTokens);
                    } catch (IllegalArgumentException e) {
                        throw ToolException.badArgument("page", e.getMessage());
                    }
                    yield new Output(
                            input.what(),
                            url,
                            title,
                            paged.text(),
                            snapshotId,
                            paged.page(),
                            paged.pages(),
                            paged.laterPages().isEmpty() ? null : paged.laterPages(),
                            textMode,
                            null,
                            null,
                            null,
                            null,
                            notice,
                            null);
                }
                case LINKS ->
                    new Output(
                            input.what(),
                            url,
                            title,
                            null,
                            null,
                            null,
                            links(page, input.query()),
                            null,
                            null,
                            null,
                            null);
                case TABLES ->
                    new Output(input.what(), url, title, null, null, null, null, tables(page), null, null, null);
                case FORMS ->
                    new Output(input.what(), url, title, null, null, null, null, null, fields(page), null, null);
                case SCREENSHOT -> {
                    byte[] png;
                    try {
                        png = input.ref() != null
                                ? InteractTools.target(page, input.ref(), null)
                                        .screenshot(new Locator.ScreenshotOptions())
                                : page.screenshot(new Page.ScreenshotOptions()
                                        .setFullPage(input.fullPage() != null && input.fullPage()));
                    } catch (PlaywrightException e) {
                        throw new ToolException("the screenshot failed: " + BrowserPool.firstLine(e.getMessage()));
                    }
                    call.attachImage(png, "image/png");
                    yield new Output(
                            input.what(),
                            url,
                            title,
                            "screenshot attached (" + png.length + " bytes PNG)",
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null);
                }
                case DOWNLOADS -> {
                    List<String> files = downloads(session);
                    yield new Output(
                            input.what(),
                            url,
                            title,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            files,
                            null,
                            files.stream()
                                    .map(file -> Browsing.downloadUri(session.handle, file))
                                    .toList());
                }
            };
        });
        return outcome.notice() == null ? outcome.value() : outcome.value().withNotice(outcome.notice());
    }

    /** The article's title and byline above its text, as Markdown. */
    private static String article(Map<?, ?> read) {
        String body = String.valueOf(read.get("text"));
        if (!"article".equals(read.get("mode"))) {
            return body;
        }
        StringBuilder text = new StringBuilder();
        String title = String.valueOf(read.get("title")).strip();
        String byline = String.valueOf(read.get("byline")).strip();
        if (!title.isEmpty() && !body.startsWith("# " + title)) {
            text.append("# ").append(title).append("\n\n");
        }
        if (!byline.isEmpty()) {
            text.append(byline).append("\n\n");
        }
        return text.append(body).toString();
    }

    /**
     * The stored snapshot a call asks for: the one named by snapshotId, or for a later page without one the latest
     * while the tab is still on its URL; null when a new one is to be taken.
     */
    private static String earlierSnapshot(Session session, Input input, int pageNumber, String url) {
        if (input.snapshotId() != null) {
            if (!input.snapshotId().equals(session.snapshotId())) {
                throw ToolException.badArgument(
                        "snapshotId",
                        "names " + clip(input.snapshotId()) + ", but this session's latest snapshot is "
                                + (session.snapshotId() == null ? "none yet" : session.snapshotId())
                                + " (only the latest is kept, because a new snapshot renumbers the refs); "
                                + "leave snapshotId out for a new snapshot");
            }
            return session.snapshotText;
        }
        if (pageNumber > 1 && session.snapshotText != null && url.equals(session.snapshotUrl)) {
            return session.snapshotText;
        }
        return null;
    }

    private static String clip(String value) {
        return value.length() <= 20 ? value : value.substring(0, 20) + "...";
    }

    private static List<Link> links(Page page, String query) {
        Object found = page.evaluate(
                "() => Array.from(document.querySelectorAll('a[href]')).slice(0, 5000)"
                        + ".map(a => [(a.innerText || a.getAttribute('aria-label') || a.title || '').trim().replace(/\\s+/g, ' '), a.href])");
        List<Link> links = new ArrayList<>();
        String needle = query == null ? null : query.toLowerCase(Locale.ROOT);
        if (found instanceof List<?> list) {
            for (Object item : list) {
                List<?> pair = (List<?>) item;
                String text = String.valueOf(pair.get(0));
                String href = String.valueOf(pair.get(1));
                if (needle == null
                        || text.toLowerCase(Locale.ROOT).contains(needle)
                        || href.toLowerCase(Locale.ROOT).contains(needle)) {
                    links.add(new Link(text, href));
                }
                if (links.size() == 500) {
                    break;
                }
            }
        }
        return links;
    }

    private static List<Table> tables(Page page) {
        Object found = page.evaluate("() => Array.from(document.querySelectorAll('table')).slice(0, 50).map(t => {"
                + " const caption = t.caption ? t.caption.innerText.trim() : '';"
                + " const rows = Array.from(t.rows).slice(0, 500).map(r => Array.from(r.cells).map(c => c.innerText.trim().replace(/\\s+/g, ' ')));"
                + " return [caption, rows]; })");
        List<Table> tables = new ArrayList<>();
        if (found instanceof List<?> list) {
            for (Object item : list) {
                List<?> pair = (List<?>) item;
                List<List<String>> rows = new ArrayList<>();
                for (Object row : (List<?>) pair.get(1)) {
                    rows.add(((List<?>) row).stream().map(String::valueOf).toList());
                }
                String caption = String.valueOf(pair.get(0));
                tables.add(new Table(caption.isEmpty() ? null : caption, rows));
            }
        }
        return tables;
    }

    private static List<FormField> fields(Page page) {
        Object found =
                page.evaluate("() => Array.from(document.querySelectorAll('input, select, textarea')).slice(0, 500)"
                        + ".filter(e => e.type !== 'hidden').map(e => {"
                        + " const label = (e.labels && e.labels[0] ? e.labels[0].innerText : (e.getAttribute('aria-label') || e.placeholder || '')).trim();"
                        + " const kind = e.tagName.toLowerCase() + (e.tagName === 'INPUT' ? '/' + e.type : '');"
                        + " const value = e.type === 'password' ? (e.value ? '••••' : '') : (e.type === 'checkbox' || e.type === 'radio') ? String(e.checked) : e.value;"
                        + " const options = e.tagName === 'SELECT' ? Array.from(e.options).map(o => o.label) : null;"
                        + " return {kind, name: e.name || '', label, value, options}; })");
        List<FormField> fields = new ArrayList<>();
        if (found instanceof List<?> list) {
            for (Object item : list) {
                Map<?, ?> field = (Map<?, ?>) item;
                Object options = field.get("options");
                fields.add(new FormField(
                        String.valueOf(field.get("kind")),
                        String.valueOf(field.get("name")),
                        String.valueOf(field.get("label")),
                        String.valueOf(field.get("value")),
                        options instanceof List<?> values
                                ? values.stream().map(String::valueOf).toList()
                                : null));
            }
        }
        return fields;
    }

    private static List<String> downloads(Session session) {
        if (!Files.isDirectory(session.downloads)) {
            return List.of();
        }
        try (Stream<java.nio.file.Path> files = Files.list(session.downloads)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new ToolException("the downloads folder could not be read: " + e.getMessage());
        }
    }

    private static String render(Output output) {
        StringBuilder text = new StringBuilder();
        text.append(output.title()).append(" — ").append(output.url()).append('\n');
        if (output.notice() != null) {
            text.append("Note: ").append(output.notice()).append('\n');
        }
        if (output.content() != null) {
            text.append(output.content()).append('\n');
            if (output.pages() != null && output.pages() > 1) {
                text.append(Pager.footer(output.snapshotId(), output.page(), output.pages(), output.laterPages()));
            }
        }
        if (output.links() != null) {
            output.links().forEach(link -> text.append("- ")
                    .append(link.text())
                    .append(" → ")
                    .append(link.url())
                    .append('\n'));
        }
        if (output.tables() != null) {
            for (Table table : output.tables()) {
                if (table.caption() != null) {
                    text.append(table.caption()).append('\n');
                }
                table.rows().forEach(row -> text.append("| ")
                        .append(String.join(" | ", row))
                        .append(" |\n"));
                text.append('\n');
            }
        }
        if (output.fields() != null) {
            output.fields().forEach(field -> text.append("- ")
                    .append(field.kind())
                    .append(' ')
                    .append(field.name().isEmpty() ? field.label() : field.name())
                    .append(": ")
                    .append(field.value())
                    .append('\n'));
        }
        if (output.downloads() != null) {
            text.append(output.downloads().isEmpty() ? "no downloads" : String.join("\n", output.downloads()));
        }
        return text.toString().stripTrailing();
    }
}
