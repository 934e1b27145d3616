package dev.hal9.tools.browser;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One browser session: a Playwright context (cookies, storage) with its tabs, owned by a principal and named
 * by a server-minted handle. Its fields are touched only on its lane's thread.
 */
final class Session {

    /** The browser lane the session runs on, for all its life. */
    final BrowserPool pool;

    final String handle;
    final String owner;
    final String profile;
    final Path downloads;
    BrowserContext context;
    final List<Page> tabs = new ArrayList<>();
    int active;
    int generation;
    /** The cookies and storage as last seen, so the session can be rebuilt if Chromium dies. */
    String storageState;
    /** The URL of each tab as last seen, for the same reason. */
    final List<String> urls = new ArrayList<>();
    /**
     * The version of the session's row ({@link SessionRecords}) this instance last wrote or took over; -1 when it
     * has not yet taken over a session opened through another instance. Another version in the row means another
     * instance drove the session since, and this one's context is stale.
     */
    long version = -1;

    /** The state as last written to the row, so that a call that changed nothing writes nothing. */
    String savedJson;

    /** When the row was last written or touched (epoch ms), so that a session in use is touched once a minute. */
    long savedAt;

    /** Set when the session came from another instance, until it is rebuilt here: the notice says so. */
    boolean moved;

    /** Dialogs (alert, confirm, prompt) the page opened, and how they were answered. */
    final List<String> dialogs = new ArrayList<>();
    /** How the next dialog is answered: accept (with optional prompt text) or dismiss. */
    boolean acceptDialogs = true;

    String promptText;

    /**
     * The latest snapshot of the active tab, the URL it was taken at, and how many were taken: its later pages are
     * read from it, so that every page of one snapshot shows the same refs.
     */
    String snapshotText;

    String snapshotUrl;
    int snapshots;

    /** The latest snapshot's id ({@code s1}, {@code s2}, ...), or null before the first. */
    String snapshotId() {
        return snapshots == 0 ? null : "s" + snapshots;
    }

    /**
     * Held by a caller for the whole of its work in a background session (a shop's checkout, say): a ReentrantLock,
     * not synchronized, since the caller is often a virtual thread and the work blocks on the lane and the page.
     */
    final ReentrantLock inUse = new ReentrantLock();

    /** The session's passwords and password fields, masked in everything its tools return. */
    final Masking masking = new Masking();

    Session(String handle, String owner, String profile, Path downloads, BrowserPool pool) {
        this.pool = pool;
        this.handle = handle;
        this.owner = owner;
        this.profile = profile;
        this.downloads = downloads;
    }

    Page page() {
        if (tabs.isEmpty()) {
            throw new IllegalStateException("a session always has a tab");
        }
        return tabs.get(active);
    }
}
