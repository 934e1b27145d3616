package dev.hal9.tools.browser;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.gson.JsonObject;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Frame;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.options.AriaSnapshotMode;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser sessions of all principals: opening and closing them, finding a caller's session by handle,
 * idle eviction, saved profiles, and rebuilding sessions after Chromium died. Tools reach the browser only
 * through {@link #with}. Thread-safe; the sessions themselves are touched only on the pool's thread.
 */
final class Browsing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Browsing.class);
    private static final Pattern PROFILE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
    private static final Pattern HANDLE = Pattern.compile("bs_[a-z0-9]{1,20}");
    static final String REOPEN = "open a new one with browser_session action=open";

    private final BrowserSettings settings;
    /**
     * The browser lanes: each its own thread, Playwright driver and Chromium (or connection to the remote browser),
     * so that sessions on different lanes do not wait for each other's Playwright calls. A session keeps its lane.
     */
    private final List<BrowserPool> lanes;

    private final UrlPolicy policy;
    private final Ticker ticker;
    /** Where profiles (cookies and storage) are kept: the server's store, shared by its instances. */
    private final dev.hal9.api.FamilyState state;
    /** Built on first use: a Caffeine cache costs start-up time that listing tools should not pay. */
    private volatile Cache<String, Session> sessions;

    /**
     * The sessions as the database knows them, so that any instance on it can drive any of them; null where the
     * family has no database of its own (then sessions live in this process only).
     */
    private final SessionRecords records;

    /** Wall-clock time for the rows, which instances compare. */
    private final java.time.InstantSource clock;

    /** This process, as the holder of the sessions it drives. */
    private final String holder = "hal9-" + java.util.UUID.randomUUID();

    /** A row is written at least this often while its session is in use, so other instances see it alive. */
    static final long TOUCH_MILLIS = 60_000;

    Browsing(
            BrowserSettings settings,
            dev.hal9.api.FamilyState state,
            SessionRecords records,
            java.time.InstantSource clock,
            Ticker ticker) {
        this.settings = settings;
        this.state = state;
        this.records = records;
        this.clock = clock;
        List<BrowserPool> made = new java.util.ArrayList<>();
        for (int lane = 0; lane < settings.lanes(); lane++) {
            made.add(new BrowserPool(settings, ticker, lane));
        }
        this.lanes = List.copyOf(made);
        this.policy = new UrlPolicy(settings.allowedDomains(), settings.deniedDomains());
        this.ticker = ticker;
    }

    private Cache<String, Session> sessions() {
        Cache<String, Session> cache = sessions;
        if (cache == null) {
            synchronized (this) {
                if (sessions == null) {
                    sessions = newCache();
                    watchIdleBrowser();
                }
                cache = sessions;
            }
        }
        return cache;
    }

    /** A minute's check, from the first session on, that stops an idle Chromium (tests call {@link #stopIdleBrowser}). */
    private void watchIdleBrowser() {
        if (ticker != Ticker.systemTicker()) {
            return;
        }
        var watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("hal9-browser-idle").daemon(true).factory());
        watch.scheduleWithFixedDelay(
                () -> {
                    try {
                        releaseMoved();
                        stopIdleBrowser();
                    } catch (RuntimeException e) {
                        LOG.warn("checking for an idle browser: {}", e.getMessage());
                    }
                },
                1,
                1,
                java.util.concurrent.TimeUnit.MINUTES);
    }

    /**
     * Stops Chromium if no interactive session is open (idle ones are closed first) and no browser work ran for
     * {@code families.browser.browser-idle-minutes}. Background sessions of other families restore themselves on
     * their next use, as after a crash.
     *
     * @return whether it was stopped
     */
    boolean stopIdleBrowser() {
        Cache<String, Session> cache = sessions;
        if (cache != null) {
            cache.cleanUp();
            if (!cache.asMap().isEmpty()) {
                return false;
            }
        }
        boolean stopped = false;
        for (BrowserPool lane : lanes) {
            stopped |= lane.stopIfIdle();
        }
        return stopped;
    }

    /**
     * Closes the contexts of sessions another instance took over (or closed) since this one last drove them, so that
     * they do not hold pages in the shared browser until they go idle here; run each minute. A session released so is
     * taken back from its row if it is driven here again.
     *
     * @return how many were released
     */
    int releaseMoved() {
        Cache<String, Session> cache = sessions;
        if (records == null || cache == null || cache.asMap().isEmpty()) {
            return 0;
        }
        java.util.Map<String, Long> held = records.heldBy(holder);
        int released = 0;
        for (Session session : List.copyOf(cache.asMap().values())) {
            Long version = held.get(session.handle);
            if (session.version < 0 || version != null && version == session.version) {
                continue; // not taken over here yet, or still ours
            }
            // removed before the context closes, so that a call arriving now rebuilds from the row
            if (cache.asMap().remove(session.handle, session)) {
                released++;
                try {
                    session.pool.run(30_000, () -> {
                        dispose(session, false);
                        return null;
                    });
                } catch (RuntimeException e) {
                    LOG.warn("releasing browser session {}: {}", session.handle, e.getMessage());
                }
            }
        }
        return released;
    }

    /** How many interactive sessions this instance holds now (for /metrics). */
    long held() {
        Cache<String, Session> cache = sessions;
        return cache == null ? 0 : cache.estimatedSize();
    }

    /** How many background sessions (other families' profiles, a shop's) this instance keeps now (for /metrics). */
    long background() {
        return background.size();
    }

    /** How many lanes have a browser running or connected now (for /metrics). */
    long lanesRunning() {
        return lanes.stream().filter(BrowserPool::running).count();
    }

    /** Whether Chromium is running now. */
    boolean browserRunning() {
        return lanes.stream().anyMatch(BrowserPool::running);
    }

    private Cache<String, Session> newCache() {
        return Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterAccess(settings.idle())
                .executor(Runnable::run)
                .scheduler(
                        ticker == Ticker.systemTicker() ? Scheduler.systemScheduler() : Scheduler.disabledScheduler())
                .<String, Session>removalListener((handle, session, cause) -> {
                    if (session != null && cause != RemovalCause.EXPLICIT) {
                        LOG.info(
                                "closing browser session {} ({})",
                                handle,
                                cause.name().toLowerCase());
                        try {
                            session.pool.run(30_000, () -> {
                                // a session another instance took over is its to save and to end
                                dispose(session, records == null || releaseRow(session));
                                return null;
                            });
                        } catch (RuntimeException e) {
                            LOG.warn("closing session {}: {}", handle, e.getMessage());
                        }
                    }
                })
                .build();
    }

    UrlPolicy policy() {
        return policy;
    }

    BrowserSettings settings() {
        return settings;
    }

    /** Opens a session for the caller, optionally from a saved profile, optionally at a URL. */
    Session open(ToolCall call, String profile, String url, long timeoutMillis) {
        if (profile != null && !PROFILE.matcher(profile).matches()) {
            throw ToolException.badArgument(
                    "profile", "must be 1 to 40 characters of a-z, 0-9, _ and -, " + "starting with a letter or digit");
        }
        String checkedUrl = url == null ? null : policy.check(url);
        String owner = call.principal().id();
        Opening slot = reserve(owner, profile);
        String handle;
        Session session;
        try {
            handle = call.handles()
                    .mint("bs", profile == null ? "browser session" : "browser session, profile " + profile);
            Path downloads = settings.dataDirectory().resolve("downloads").resolve(handle);
            session = new Session(handle, owner, profile, downloads, slot.lane());
            session.storageState = profile == null ? null : readProfile(owner, profile);
        } catch (RuntimeException e) {
            synchronized (slots) {
                opening.remove(slot);
            }
            throw e;
        }
        try {
            session.pool.run(timeoutMillis, () -> {
                build(session);
                if (checkedUrl != null) {
                    session.page().navigate(checkedUrl);
                }
                remember(session);
                if (records != null) {
                    long now = clock.millis();
                    // sessions of instances that died, which nobody will end otherwise
                    records.purge(now - settings.idle().toMillis() - 2 * TOUCH_MILLIS);
                    SessionRecords.Saved saved = saved(session);
                    records.insert(handle, owner, profile, holder, saved, now);
                    session.version = 1;
                    session.savedJson = saved.json();
                    session.savedAt = now;
                }
                return null;
            });
        } catch (RuntimeException e) {
            synchronized (slots) {
                opening.remove(slot);
            }
            call.handles().release(handle);
            session.pool.run(30_000, () -> {
                dispose(session, false);
                if (records != null) {
                    records.delete(handle);
                }
                return null;
            });
            throw e;
        }
        synchronized (slots) {
            sessions().put(handle, session);
            opening.remove(slot);
        }
        return session;
    }

    /** A session being opened: it counts against the limits from its check until it is open or has failed. */
    private record Opening(String owner, String profile, BrowserPool lane) {}

    /** Guards {@link #opening} and each check of the limits with the reservation that follows it. */
    private final Object slots = new Object();

    private final List<Opening> opening = new java.util.ArrayList<>();

    /**
     * Checks the limits and takes a slot in one step (issue 15: 25 concurrent opens against a limit of 10 all
     * succeeded, because each checked before any was open).
     */
    private Opening reserve(String owner, String profile) {
        synchronized (slots) {
            sessions().cleanUp();
            long mine = sessions().asMap().values().stream()
                            .filter(s -> s.owner.equals(owner))
                            .count()
                    + opening.stream().filter(o -> o.owner().equals(owner)).count();
            if (mine >= settings.maxSessionsPerPrincipal()) {
                throw new ToolException("you have " + mine + " browser sessions open, the most allowed; close one "
                        + "with browser_session action=close (browser_session action=list shows them)");
            }
            if (sessions().estimatedSize() + opening.size() >= settings.maxSessions()) {
                throw new ToolException("the server has " + settings.maxSessions() + " browser sessions open, its "
                        + "limit; close one of yours or try again later");
            }
            if (profile != null
                    && (sessions().asMap().values().stream()
                                    .anyMatch(s -> s.owner.equals(owner) && profile.equals(s.profile))
                            || opening.stream()
                                    .anyMatch(o -> o.owner().equals(owner) && profile.equals(o.profile())))) {
                throw new ToolException("profile '" + profile + "' is already open in another of your sessions; "
                        + "use that session, or close it first so its cookies are saved");
            }
            // the lane with the fewest sessions, open or opening
            BrowserPool lane = lanes.get(0);
            long fewest = Long.MAX_VALUE;
            for (BrowserPool candidate : lanes) {
                long load = sessions().asMap().values().stream()
                                .filter(s -> s.pool == candidate)
                                .count()
                        + opening.stream().filter(o -> o.lane() == candidate).count();
                if (load < fewest) {
                    fewest = load;
                    lane = candidate;
                }
            }
            Opening slot = new Opening(owner, profile, lane);
            opening.add(slot);
            return slot;
        }
    }

    /** Closes a session of the caller, saving its profile first, whichever instance holds it. */
    void close(ToolCall call, String handle) {
        Session session = find(call, handle);
        try {
            session.pool.run(30_000, () -> {
                if (records != null) {
                    // the newest state, if another instance drove the session since: that is what the profile keeps
                    refresh(session);
                }
                dispose(session, true);
                if (records != null) {
                    records.delete(handle);
                }
                return null;
            });
        } finally {
            sessions().invalidate(handle);
            call.handles().release(handle);
        }
    }

    /** The caller's sessions this instance holds. */
    List<Session> list(ToolCall call) {
        sessions().cleanUp();
        return sessions().asMap().values().stream()
                .filter(session -> session.owner.equals(call.principal().id()))
                .toList();
    }

    /**
     * The caller's sessions that other instances hold (none without a database): their handles, profiles and tabs'
     * URLs as last written. Listing them does not move them here; driving one does.
     */
    List<SessionRecords.Row> heldElsewhere(ToolCall call) {
        if (records == null) {
            return List.of();
        }
        long alive = clock.millis() - settings.idle().toMillis() - TOUCH_MILLIS;
        return records.ofPrincipal(call.principal().id()).stream()
                .filter(row -> row.usedAt() >= alive)
                .filter(row -> sessions().getIfPresent(row.handle()) == null)
                .toList();
    }

    /**
     * Runs work on a caller's session, on the browser's thread, rebuilding the session first if Chromium died.
     *
     * @return the work's result and a notice for the model, or null when nothing unusual happened
     */
    <T> Outcome<T> with(ToolCall call, String handle, long timeoutMillis, Function<Session, T> work) {
        Session session = find(call, handle);
        try {
            return attempt(session, timeoutMillis, work);
        } catch (BrowserPool.WorkTimeout timeout) {
            if (timeout.restarted) {
                throw timeout;
            }
            // the thread is free again but the tab may still be spinning: replace it, so the session works
            String reopened = session.pool.run(30_000, () -> replaceActiveTab(session));
            throw session.masking.apply(new ToolException(timeout.getMessage() + " " + reopened));
        } catch (ToolException failure) {
            // failures name the page's URL ("the tab stays on ..."), which may carry a password
            throw session.masking.apply(failure);
        }
    }

    private <T> Outcome<T> attempt(Session session, long timeoutMillis, Function<Session, T> work) {
        BrowserPool pool = session.pool;
        return pool.run(timeoutMillis, () -> {
            String notice = null;
            // the browser first: reaching it may launch or reconnect it, which starts a new generation
            boolean connected = pool.browser().isConnected();
            if (records != null) {
                refresh(session);
            }
            if (!connected || session.generation != pool.generation() || session.context == null) {
                notice = restore(session);
            }
            try {
                T result = work.apply(session);
                learnPasswords(session);
                remember(session);
                persist(session);
                // the one place every browser tool's result passes: mask passwords in all of it
                return new Outcome<>(session.masking.apply(result), notice);
            } catch (PlaywrightException e) {
                if (!pool.browser().isConnected()
                        || e.getMessage() != null && e.getMessage().contains("has been closed")) {
                    // Chromium died under this call: rebuild now so the next call finds the session ready
                    String restored = restore(session);
                    throw new ToolException("the browser stopped during this call; " + restored
                            + ". The action did not complete; repeat it if it is still wanted.");
                }
                throw e;
            }
        });
    }

    /** Closes a stuck tab (closing kills its renderer, even mid-script) and reopens its URL in a fresh one. */
    private String replaceActiveTab(Session session) {
        int index = session.active;
        Page stuck = session.page();
        String url = index < session.urls.size() ? session.urls.get(index) : stuck.url();
        try {
            stuck.close(new Page.CloseOptions().setRunBeforeUnload(false));
        } catch (PlaywrightException e) {
            LOG.debug("closing a stuck tab: {}", e.getMessage());
        }
        session.tabs.remove(stuck);
        Page fresh = session.context.newPage();
        adopt(session, fresh);
        session.tabs.remove(fresh);
        session.tabs.add(Math.min(index, session.tabs.size()), fresh);
        session.active = session.tabs.indexOf(fresh);
        if (url != null && url.startsWith("http")) {
            try {
                fresh.navigate(url, new Page.NavigateOptions().setTimeout(15_000));
            } catch (PlaywrightException e) {
                return "The stuck tab was closed; reopening " + url + " failed ("
                        + BrowserPool.firstLine(e.getMessage()) + "), so the tab is blank.";
            }
        }
        return "The stuck tab was closed and " + url + " reopened in its place; anything typed there is lost.";
    }

    /** A result and what the model should know about how it came about. */
    record Outcome<T>(T value, String notice) {}

    /**
     * Captures the compact accessibility snapshot of the active tab. Passwords in it are masked with the rest of the
     * result, in {@link #with}.
     */
    String snapshot(Session session) {
        Page page = session.page();
        String aria = page.ariaSnapshot(
                new Page.AriaSnapshotOptions().setMode(AriaSnapshotMode.AI).setTimeout(10_000));
        String compact = Snapshots.compact(aria);
        session.snapshots++;
        session.snapshotText = compact;
        session.snapshotUrl = page.url();
        return compact;
    }

    /**
     * Learns the password fields of every frame of the active tab: their names, and the values in them (typed by a
     * tool, by the page's script or filled in by the server). The session remembers both, so that a password that
     * left its field (into the next page's URL, say) is still masked.
     */
    static void learnPasswords(Session session) {
        for (Frame frame : session.page().frames()) {
            try {
                Object found = frame.evaluate("() => Array.from(document.querySelectorAll('input[type=password]'))"
                        + ".map(e => [e.name || '', e.value || ''])");
                if (found instanceof List<?> fields) {
                    for (Object field : fields) {
                        List<?> pair = (List<?>) field;
                        session.masking.name(String.valueOf(pair.get(0)));
                        session.masking.value(String.valueOf(pair.get(1)));
                    }
                }
            } catch (PlaywrightException e) {
                // a frame that went away while we asked has no passwords left to learn
            }
        }
    }

    private Session find(ToolCall call, String handle) {
        if (handle == null || !HANDLE.matcher(handle).matches()) {
            throw ToolException.badArgument(
                    "session",
                    "must be a browser session handle such as bs_k3j9x2m4p7qa "
                            + "(from browser_session action=open), not '" + clip(handle) + "'");
        }
        Session session = sessions().getIfPresent(handle);
        if (session == null && records != null) {
            session = recorded(call, handle);
        }
        if (session == null || !session.owner.equals(call.principal().id())) {
            boolean known = call.handles().find(handle).isPresent();
            if (known) {
                call.handles().release(handle);
                throw new ToolException("browser session " + handle + " has ended (idle for more than "
                        + settings.idle().toMinutes() + " minutes, or the server restarted); " + REOPEN
                        + " (with the same profile to get its cookies back)");
            }
            throw ToolException.notFound(
                    "browser session", handle, REOPEN + "; browser_session action=list shows yours");
        }
        return session;
    }

    /**
     * A session of the caller's that another instance opened or last drove, made known here so that the next browser
     * work takes it over ({@link #refresh}); null if the database has none, or none of the caller's that is alive.
     */
    private Session recorded(ToolCall call, String handle) {
        String owner = call.principal().id();
        SessionRecords.Row row = records.find(handle).orElse(null);
        if (row == null
                || !row.principal().equals(owner)
                || row.usedAt() < clock.millis() - settings.idle().toMillis() - TOUCH_MILLIS) {
            return null;
        }
        Opening slot = reserve(owner, null);
        synchronized (slots) {
            opening.remove(slot);
            Session known = sessions().getIfPresent(handle);
            if (known != null) {
                return known; // another call of the caller's got here first
            }
            Session session = new Session(
                    handle,
                    owner,
                    row.profile(),
                    settings.dataDirectory().resolve("downloads").resolve(handle),
                    slot.lane());
            sessions().put(handle, session);
            return session;
        }
    }

    /**
     * Makes this instance the session's holder with its newest state, if another instance drove it since this one
     * last did (or it never was here): the stale context is closed, and the caller rebuilds the session from the row.
     * On the pool's thread.
     *
     * @throws ToolException when the session was closed through another instance
     */
    private void refresh(Session session) {
        for (int attempt = 0; attempt < 3; attempt++) {
            SessionRecords.Row row = records.find(session.handle).orElse(null);
            if (row == null) {
                dispose(session, false);
                sessions().invalidate(session.handle);
                throw new ToolException("browser session " + session.handle + " was closed (through another hal9 "
                        + "instance, or it went idle there); " + REOPEN);
            }
            if (row.holder().equals(holder) && row.version() == session.version) {
                return;
            }
            long now = clock.millis();
            if (records.takeOver(session.handle, holder, row.version(), now)) {
                if (session.context != null) {
                    dispose(session, false);
                }
                SessionRecords.Saved saved = row.state();
                session.storageState = saved.storageState();
                session.urls.clear();
                session.urls.addAll(saved.urls());
                session.active = saved.active();
                session.acceptDialogs = saved.acceptDialogs();
                session.promptText = saved.promptText();
                saved.passwordFields().forEach(session.masking::name);
                session.version = row.version() + 1;
                session.savedJson = saved.json();
                session.savedAt = now;
                session.moved = true;
                return;
            }
            // another instance took it in between: read again
        }
        throw new ToolException("browser session " + session.handle + " is being driven through several hal9 "
                + "instances at once; try again");
    }

    /** What another instance needs to rebuild the session, with passwords masked; on the pool's thread. */
    private static SessionRecords.Saved saved(Session session) {
        return new SessionRecords.Saved(
                session.storageState,
                session.urls.stream().map(session.masking::text).toList(),
                session.active,
                session.acceptDialogs,
                session.promptText,
                session.masking.names());
    }

    /**
     * Writes the session's state to its row if a call changed it, else says once a minute that it is in use. A write
     * that finds another instance took the session over changes nothing: the next call here rebuilds from the row.
     * On the pool's thread.
     */
    private void persist(Session session) {
        if (records == null || session.version < 0) {
            return;
        }
        long now = clock.millis();
        SessionRecords.Saved saved = saved(session);
        String json = saved.json();
        try {
            if (!json.equals(session.savedJson)) {
                if (records.save(session.handle, holder, session.version, saved, now)) {
                    session.version++;
                    session.savedJson = json;
                    session.savedAt = now;
                }
            } else if (now - session.savedAt >= TOUCH_MILLIS
                    && records.touch(session.handle, holder, session.version, now)) {
                session.savedAt = now;
            }
        } catch (RuntimeException e) {
            // the call itself succeeded; other instances see the older state until a later write gets through
            LOG.warn("recording browser session {}: {}", session.handle, e.getMessage());
        }
    }

    /**
     * At server shutdown: the session's newest state goes to its row, which stays, so that another instance can take
     * the session over; its profile is saved if this instance still holds it. On the pool's thread.
     */
    private void shutDown(Session session) {
        boolean mine = true;
        if (records != null && session.version >= 0) {
            try {
                if (session.context != null) {
                    remember(session);
                    persist(session);
                }
                mine = records.find(session.handle)
                        .map(row -> row.holder().equals(holder) && row.version() == session.version)
                        .orElse(false);
            } catch (RuntimeException e) {
                LOG.warn("recording browser session {} at shutdown: {}", session.handle, e.getMessage());
            }
        }
        dispose(session, mine);
    }

    /** Ends the row of a session going idle here, if this instance still holds it; on the pool's thread. */
    private boolean releaseRow(Session session) {
        try {
            return session.version >= 0 && records.deleteHeld(session.handle, holder, session.version);
        } catch (RuntimeException e) {
            LOG.warn("ending the row of browser session {}: {}", session.handle, e.getMessage());
            return true;
        }
    }

    /** Creates the context and first tab of a session; on the pool's thread. */
    private void build(Session session) {
        BrowserPool pool = session.pool;
        Browser browser = pool.browser();
        Browser.NewContextOptions options =
                new Browser.NewContextOptions().setAcceptDownloads(true).setViewportSize(1280, 800);
        if (session.storageState != null) {
            options.setStorageState(session.storageState);
        }
        BrowserContext context = browser.newContext(options);
        context.setDefaultTimeout(30_000);
        if (policy.restricts()) {
            context.route("**/*", route -> {
                String host = hostOf(route.request().url());
                if (host == null || policy.permitted(host)) {
                    route.resume();
                } else {
                    route.abort("blockedbyclient");
                }
            });
        }
        session.context = context;
        session.generation = pool.generation();
        session.tabs.clear();
        context.onPage(page -> adopt(session, page));
        Page first = context.newPage();
        if (!session.tabs.contains(first)) {
            adopt(session, first);
        }
        session.active = session.tabs.indexOf(first);
    }

    /** Watches a tab: dialogs are answered as the session says, downloads land in its folder. */
    private void adopt(Session session, Page page) {
        if (session.tabs.contains(page)) {
            return;
        }
        session.tabs.add(page);
        if (settings.minimizeWindows()) {
            minimize(page);
        }
        page.onClose(closed -> session.tabs.remove(closed));
        page.onDialog(dialog -> {
            String what = dialog.type() + " \"" + dialog.message() + "\"";
            if (session.acceptDialogs) {
                dialog.accept(session.promptText);
                session.dialogs.add(what + " accepted" + (session.promptText == null ? "" : " with text"));
            } else {
                dialog.dismiss();
                session.dialogs.add(what + " dismissed");
            }
        });
        page.onDownload(download -> {
            try {
                Files.createDirectories(session.downloads);
                // the name may come from a URL that carries a password: mask it before the file is named so
                String name = safeFileName(session.masking.text(download.suggestedFilename()));
                download.saveAs(session.downloads.resolve(name));
            } catch (IOException | PlaywrightException e) {
                LOG.warn("download in session {} failed: {}", session.handle, e.getMessage());
            }
        });
    }

    /**
     * Minimizes the window a tab is in. Headless Chromium keeps drawing a visible window's frames that nobody sees;
     * a minimized one's page still runs its scripts and animation frames, lays out, and takes snapshots and
     * screenshots as before (its {@code document.visibilityState} stays visible). Measured on 50 real pages
     * (RESULTS.md): loading them took a third less CPU, and 50 idle sessions less than half.
     */
    private static void minimize(Page page) {
        try {
            CDPSession devtools = page.context().newCDPSession(page);
            try {
                JsonObject window = devtools.send("Browser.getWindowForTarget");
                JsonObject bounds = new JsonObject();
                bounds.addProperty("windowState", "minimized");
                JsonObject args = new JsonObject();
                args.add("windowId", window.get("windowId"));
                args.add("bounds", bounds);
                devtools.send("Browser.setWindowBounds", args);
            } finally {
                devtools.detach();
            }
        } catch (PlaywrightException e) {
            // a browser without windows to minimize draws the same as before: slower, not wrong
            LOG.debug("minimizing a tab's window: {}", BrowserPool.firstLine(e.getMessage()));
        }
    }

    /** Rebuilds a session whose context died with Chromium, from its last known cookies and URLs. */
    private String restore(Session session) {
        List<String> urls = List.copyOf(session.urls);
        int active = session.active;
        build(session);
        for (int i = 0; i < urls.size(); i++) {
            Page page = i == 0 ? session.page() : session.context.newPage();
            if (i > 0 && !session.tabs.contains(page)) {
                adopt(session, page);
            }
            String url = urls.get(i);
            if (url.startsWith("http")) {
                try {
                    page.navigate(url);
                } catch (PlaywrightException e) {
                    LOG.debug("reopening {} after a browser restart: {}", url, e.getMessage());
                }
            }
        }
        session.active = Math.min(active, session.tabs.size() - 1);
        if (session.moved) {
            session.moved = false;
            return "session " + session.handle + " was last driven through another hal9 instance and moved to this "
                    + "one: its cookies and storage came along and its " + urls.size() + " tab(s) were reopened; "
                    + "anything typed there and not submitted stayed behind";
        }
        return "the browser had stopped and was started again; session " + session.handle
                + " was restored with its cookies and " + urls.size() + " tab(s) reopened";
    }

    /** Records cookies and URLs after each call, so a restart can rebuild the session. */
    private void remember(Session session) {
        try {
            session.storageState = session.context.storageState();
            session.urls.clear();
            session.tabs.forEach(page -> session.urls.add(page.url()));
        } catch (PlaywrightException e) {
            LOG.debug("remembering session {}: {}", session.handle, e.getMessage());
        }
    }

    /** Closes the context, saving the session's profile if {@code saveProfile}; on the pool's thread. */
    private void dispose(Session session, boolean saveProfile) {
        try {
            if (session.context != null) {
                if (saveProfile) {
                    remember(session);
                }
                session.context.close();
            }
        } catch (PlaywrightException e) {
            LOG.debug("closing the context of {}: {}", session.handle, e.getMessage());
        }
        session.context = null;
        if (saveProfile && session.profile != null && session.storageState != null) {
            writeProfile(session.owner, session.profile, session.storageState);
        }
    }

    private String readProfile(String owner, String profile) {
        return state.get(owner, "profile/" + profile).orElse(null);
    }

    private void writeProfile(String owner, String profile, String storageState) {
        try {
            state.put(owner, "profile/" + profile, storageState);
        } catch (RuntimeException e) {
            LOG.warn("could not save profile {}: {}", profile, e.getMessage());
        }
    }

    /** The MCP resource URI of a session's download. */
    static String downloadUri(String handle, String file) {
        return "hal9://browser/" + handle + "/downloads/" + file;
    }

    /** Reads a file a caller's session downloaded; at most 20 MiB. */
    dev.hal9.api.Resource.Content download(ToolCall call, String handle, String file) throws IOException {
        Session session = find(call, handle);
        if (file == null || !file.equals(safeFileName(file))) {
            throw new ToolException("no download named '" + clip(file) + "' in " + handle
                    + "; browser_extract what=downloads lists them");
        }
        Path path = session.downloads.resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new ToolException(
                    "no download named '" + file + "' in " + handle + "; browser_extract what=downloads lists them");
        }
        if (Files.size(path) > 20L * 1024 * 1024) {
            throw new ToolException(file + " is larger than 20 MiB, too large to send as a resource");
        }
        String type = Files.probeContentType(path);
        return new dev.hal9.api.Resource.Content(
                downloadUri(handle, file),
                type == null ? "application/octet-stream" : type,
                null,
                Files.readAllBytes(path));
    }

    /** Background sessions for other families ({@link WebBrowser}), by owner and profile. */
    private final java.util.Map<String, Session> background = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@link WebBrowser#withPage}: the owner's background session for a profile, saved after every use. */
    <T> T withProfilePage(String owner, String profile, long timeoutMillis, Function<Page, T> work) {
        if (profile == null || !PROFILE.matcher(profile).matches()) {
            throw new IllegalArgumentException("bad profile name: " + profile);
        }
        sessions(); // starts the idle watch
        Session session = background.computeIfAbsent(owner + "\u0000" + profile, key -> {
            Session fresh = new Session(
                    "bg_" + profile,
                    owner,
                    profile,
                    settings.dataDirectory().resolve("downloads").resolve("bg"),
                    lanes.get(Math.floorMod(key.hashCode(), lanes.size())));
            fresh.storageState = readProfile(owner, profile);
            return fresh;
        });
        BrowserPool pool = session.pool;
        session.inUse.lock();
        try {
            return pool.run(timeoutMillis, () -> {
                boolean connected = pool.browser().isConnected(); // may start a new generation
                if (session.context == null || session.generation != pool.generation() || !connected) {
                    if (session.context == null) {
                        build(session);
                    } else {
                        restore(session);
                    }
                }
                try {
                    return work.apply(session.page());
                } finally {
                    remember(session);
                    if (session.storageState != null) {
                        writeProfile(owner, profile, session.storageState);
                    }
                }
            });
        } finally {
            session.inUse.unlock();
        }
    }

    /**
     * {@link WebBrowser#adoptProfile}: the profile's cookies and storage become {@code storageState}, for this
     * instance's live session too (its context is dropped unsaved, so the next use starts from the new state) and,
     * through the store, for every other instance's next session.
     */
    void adoptProfile(String owner, String profile, String storageState, long timeoutMillis) {
        if (profile == null || !PROFILE.matcher(profile).matches()) {
            throw new IllegalArgumentException("bad profile name: " + profile);
        }
        state.put(owner, "profile/" + profile, storageState);
        Session session = background.remove(owner + "\u0000" + profile);
        if (session != null) {
            session.inUse.lock();
            try {
                session.pool.run(timeoutMillis, () -> {
                    if (session.context != null) {
                        session.context.close();
                        session.context = null;
                    }
                    return null;
                });
            } finally {
                session.inUse.unlock();
            }
        }
    }

    /** Closes every session (saving profiles) and the browsers, each lane's on its own thread. */
    @Override
    public void close() {
        Cache<String, Session> cache = sessions;
        if (cache == null && background.isEmpty()) {
            lanes.forEach(BrowserPool::close); // no session was ever opened
            return;
        }
        if (cache == null) {
            cache = sessions();
        }
        List<Session> open = new java.util.ArrayList<>(cache.asMap().values());
        open.addAll(background.values());
        background.clear();
        cache.invalidateAll();
        for (BrowserPool lane : lanes) {
            try {
                lane.run(60_000, () -> {
                    open.stream().filter(session -> session.pool == lane).forEach(this::shutDown);
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.warn("closing browser sessions: {}", e.getMessage());
            }
            lane.close();
        }
    }

    /** Test hook: runs idle eviction now. */
    void evictIdle() {
        sessions().cleanUp();
    }

    /** Test hook: the Chromium process of the lane a session runs on, so a test can kill it. */
    long browserPid(String handle) {
        Session session = sessions().getIfPresent(handle);
        if (session == null) {
            throw new IllegalArgumentException("no session " + handle);
        }
        return session.pool.run(10_000, session.pool::browserPid);
    }

    static String hostOf(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String safeFileName(String name) {
        String cleaned = name == null ? "download" : name.replaceAll("[^A-Za-z0-9._-]", "_");
        cleaned = cleaned.replaceAll("^\\.+", "_");
        return cleaned.isEmpty() ? "download" : cleaned.length() > 120 ? cleaned.substring(0, 120) : cleaned;
    }

    static String clip(String value) {
        return value == null ? "null" : value.length() > 40 ? value.substring(0, 40) + "…" : value;
    }
}
