package dev.hal9.tools.browser;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.hal9.api.FamilyContext;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The browser tools on Playwright: browser_session, browser_navigate, browser_interact, browser_extract and
 * browser_wait, and browser_evaluate (off unless the operator enables browser.evaluate). One Chromium serves every session; it starts on the first call, not with the server.
 */
public final class BrowserFamily implements ToolFamily {

    private final Ticker ticker;

    /** The family as ServiceLoader makes it, with the system clock. */
    public BrowserFamily() {
        this(Ticker.systemTicker());
    }

    /** The family with a clock of the caller's, so tests can expire idle sessions without sleeping. */
    public BrowserFamily(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return "browser";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        BrowserSettings settings = BrowserSettings.from(context);
        Browsing browsing = new Browsing(settings, context.state(), records(context), context.clock(), ticker);
        context.onClose(browsing);
        context.gauge("sessions.held", "Interactive browser sessions (bs_) this instance holds now", browsing::held);
        context.gauge(
                "sessions.max",
                "The most interactive sessions this instance holds (max-sessions)",
                () -> settings.maxSessions());
        context.gauge(
                "sessions.background",
                "Background browser sessions (a shop's signed-in profile, say) this instance keeps now",
                browsing::background);
        context.gauge(
                "lanes.running",
                "Browser lanes with Chromium launched (or the remote browser connected) now, of " + settings.lanes(),
                browsing::lanesRunning);
        Path uploads = settings.dataDirectory().resolve("uploads");
        try {
            Files.createDirectories(uploads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload folder " + uploads, e);
        }
        lastBrowsing = browsing;
        context.publish(WebBrowser.class, new WebBrowser() {
            @Override
            public <T> T withPage(
                    String principal,
                    String profile,
                    long timeoutMillis,
                    java.util.function.Function<com.microsoft.playwright.Page, T> work) {
                return browsing.withProfilePage(principal, profile, timeoutMillis, work);
            }

            @Override
            public void adoptProfile(String principal, String profile, String storageState, long timeoutMillis) {
                browsing.adoptProfile(principal, profile, storageState, timeoutMillis);
            }
        });
        return List.of(
                SessionTools.tool(browsing),
                NavigateTools.navigate(browsing),
                InteractTools.tool(browsing, uploads),
                ExtractTools.tool(browsing),
                NavigateTools.await(browsing),
                EvaluateTools.tool(browsing));
    }

    /** The sessions' rows in the family's own table, where the context has a database; else none. */
    private static SessionRecords records(FamilyContext context) {
        try {
            return new SessionRecords(context.database());
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    @Override
    public List<dev.hal9.api.Resource> resources(FamilyContext context) {
        Browsing browsing = lastBrowsing;
        return List.of(new dev.hal9.api.Resource(
                "hal9://browser/{session}/downloads/{file}",
                "browser_download",
                "Browser download",
                "A file a browser session downloaded; browser_extract what=downloads lists them with these URIs.",
                null,
                (uri, variables, call) ->
                        List.of(browsing.download(call, variables.get("session"), variables.get("file")))));
    }

    /** The sessions of the last {@link #tools} call; tests reach idle eviction and the browser process here. */
    volatile Browsing lastBrowsing;
}
