package dev.hal9.conformance;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.FrameLocator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ColorScheme;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Chromium that loads hal9's MCP Apps views the way a host does: the test host page
 * ({@code views/host.html}) under a Content-Security-Policy built from the view's {@code _meta.ui.csp}, the view in a
 * sandboxed frame, the extension's postMessage handshake, the tool's input and result, and the view's tools/call
 * answered by the test (through a real MCP client to the packaged server). Images from the allowed domains are
 * answered here with a small picture, since those hosts cannot be reached; every request the page makes is recorded.
 */
final class ViewHost implements AutoCloseable {

    private static final String NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1";
    private static final String HOST = "http://views-host.test/";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The picture every allowed image request gets: a phone case, drawn here, since the image hosts are out of reach. */
    private static final byte[] PICTURE = ("<svg xmlns='http://www.w3.org/2000/svg' width='300' height='300' "
                    + "viewBox='0 0 300 300'><rect width='300' height='300' fill='#eef1f4'/>"
                    + "<rect x='95' y='40' width='110' height='220' rx='22' fill='#5b7083'/>"
                    + "<rect x='108' y='55' width='36' height='52' rx='10' fill='#2d3a46'/>"
                    + "<circle cx='126' cy='70' r='8' fill='#9fb3c4'/><circle cx='126' cy='92' r='8' fill='#9fb3c4'/>"
                    + "</svg>")
            .getBytes(StandardCharsets.UTF_8);

    private final Playwright playwright;
    private final Browser browser;
    private final Path screenshots;

    ViewHost(Path screenshots) throws IOException {
        Path home = Files.createTempDirectory("hal9-view-host");
        this.screenshots = Files.createDirectories(screenshots);
        this.playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of(
                        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1",
                        "HOME", home.toString(),
                        "XDG_CONFIG_HOME", home.resolve("config").toString(),
                        "XDG_CACHE_HOME", home.resolve("cache").toString())));
        this.browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(Path.of("/usr/bin/chromium"))
                        .setHeadless(true)
                        .setArgs(List.of("--no-sandbox", "--disable-gpu", NO_DNS)));
    }

    /** A view shown in the host: its frame, the messages it sent, the requests its page made. */
    final class Shown implements AutoCloseable {
        final BrowserContext context;
        final Page page;
        final List<String> requests = new ArrayList<>();
        final String name;

        Shown(BrowserContext context, Page page, String name) {
            this.context = context;
            this.page = page;
            this.name = name;
        }

        FrameLocator frame() {
            return page.frameLocator("#view");
        }

        /** The tools/call params the view sent through the host, as JSON. */
        String calls() {
            return String.valueOf(page.evaluate("() => JSON.stringify(window.host.calls)"));
        }

        /** Every message the view sent the host, as JSON. */
        String messages() {
            return String.valueOf(page.evaluate("() => JSON.stringify(window.host.messages)"));
        }

        /** The view's own frame (not the host page). */
        com.microsoft.playwright.Frame viewFrame() {
            return page.frames().stream()
                    .filter(frame -> frame.parentFrame() != null)
                    .findFirst()
                    .orElseThrow();
        }

        /**
         * Text in the view whose contrast with what is behind it is under WCAG 2's AA minimum (4.5:1, or 3:1 for
         * large text), each as "element "text" ratio"; empty when all text reads well.
         */
        List<String> contrastProblems() {
            Object found = viewFrame().evaluate(CONTRAST);
            List<String> problems = new ArrayList<>();
            ((List<?>) found).forEach(problem -> problems.add(String.valueOf(problem)));
            return problems;
        }

        /** Presses Tab in the view until the focused element's text is {@code text}; false if it never is. */
        boolean tabTo(String text) {
            for (int i = 0; i < 40; i++) {
                page.keyboard().press("Tab");
                Object focused = viewFrame().evaluate("() => (document.activeElement || {}).textContent || ''");
                if (text.equals(String.valueOf(focused).strip())) {
                    return true;
                }
            }
            return false;
        }

        /** A picture of the whole host page, written to the build output. */
        Path screenshot(String suffix) {
            Path file = screenshots.resolve(name + "-" + suffix + ".png");
            // a frame paints only what is in the viewport: make the viewport as tall as the page
            int height = ((Number) page.evaluate("() => document.documentElement.scrollHeight")).intValue();
            page.setViewportSize(960, Math.max(200, Math.min(height, 8000)));
            page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
            return file;
        }

        @Override
        public void close() {
            context.close();
        }
    }

    /**
     * Shows a view.
     *
     * @param name a name for its screenshots
     * @param view the view's resources/read content: its HTML and its {@code _meta}
     * @param theme light or dark
     * @param input the tool's arguments
     * @param result the tool's CallToolResult as JSON maps
     * @param callTool answers the view's tools/call (params in, CallToolResult as JSON maps out)
     */
    Shown show(
            String name,
            String html,
            Map<?, ?> viewMeta,
            String theme,
            Map<String, Object> input,
            Object result,
            Function<Map<?, ?>, Object> callTool) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(960, 900)
                .setColorScheme("dark".equals(theme) ? ColorScheme.DARK : ColorScheme.LIGHT));
        Page page = context.newPage();
        Shown shown = new Shown(context, page, name + "-" + theme);
        page.onRequest(request -> shown.requests.add(request.url()));
        List<String> imageDomains = imageDomains(viewMeta);
        for (String domain : imageDomains) {
            page.route(
                    domain + "/**",
                    route -> route.fulfill(new com.microsoft.playwright.Route.FulfillOptions()
                            .setStatus(200)
                            .setContentType("image/svg+xml")
                            .setBodyBytes(PICTURE)));
        }
        page.route(
                HOST,
                route -> route.fulfill(new com.microsoft.playwright.Route.FulfillOptions()
                        .setStatus(200)
                        .setContentType("text/html; charset=utf-8")
                        .setHeaders(Map.of("Content-Security-Policy", policy(imageDomains)))
                        .setBody(hostPage())));
        page.exposeFunction("hostCallTool", args -> {
            Map<?, ?> params = JSON.readValue(String.valueOf(args[0]), Map.class);
            return JSON.writeValueAsString(callTool.apply(params));
        });
        page.navigate(HOST);
        page.evaluate(
                "([html, theme, input, result]) => loadView(html, theme, JSON.parse(input), JSON.parse(result))",
                List.of(html, theme, JSON.writeValueAsString(input), JSON.writeValueAsString(result)));
        page.waitForFunction("() => window.host.initialized");
        return shown;
    }

    /** WCAG 2 contrast of every visible element's own text against the first opaque background behind it. */
    private static final String CONTRAST = """
            () => {
              const rgb = c => { const m = /rgba?\\(([^)]+)\\)/.exec(c); return m ? m[1].split(',').map(Number) : null; };
              const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
              const luminance = c => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
              const dark = document.documentElement.getAttribute('data-theme') === 'dark';
              const behind = el => {
                for (; el; el = el.parentElement) {
                  const c = rgb(getComputedStyle(el).backgroundColor);
                  if (c && (c.length < 4 || c[3] >= 0.5)) return c;
                }
                return dark ? [27, 27, 27] : [255, 255, 255];
              };
              const problems = [];
              for (const el of document.querySelectorAll('body *')) {
                const style = getComputedStyle(el);
                if (el.getClientRects().length === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
                if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
                const fg = rgb(style.color), bg = behind(el);
                const a = luminance(fg), b = luminance(bg);
                const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
                const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
                if (ratio < needed) {
                  problems.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 40)
                      + '" ' + ratio.toFixed(2) + ' (needs ' + needed + ')');
                }
              }
              return problems;
            }""";

    /**
     * The policy a host builds from {@code _meta.ui.csp} (the extension's own construction): nothing remote but images
     * from the declared domains; a srcdoc frame inherits it.
     */
    private static String policy(List<String> imageDomains) {
        String images = String.join(" ", imageDomains);
        return "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: " + images
                + "; connect-src 'none'; font-src 'none'; media-src 'none'; object-src 'none'; base-uri 'none'";
    }

    private static List<String> imageDomains(Map<?, ?> viewMeta) {
        List<String> domains = new ArrayList<>();
        if (viewMeta != null
                && viewMeta.get("ui") instanceof Map<?, ?> ui
                && ui.get("csp") instanceof Map<?, ?> csp
                && csp.get("resourceDomains") instanceof List<?> listed) {
            listed.forEach(domain -> domains.add(String.valueOf(domain)));
        }
        return domains;
    }

    private static String hostPage() {
        try (InputStream in = ViewHost.class.getResourceAsStream("/views/host.html")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tool result (the SDK's record) as the JSON maps a host passes on. */
    static Object json(Object sdkRecord) {
        return JSON.readValue(JSON.writeValueAsString(sdkRecord), Object.class);
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
