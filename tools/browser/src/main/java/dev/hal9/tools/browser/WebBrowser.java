package dev.hal9.tools.browser;

import com.microsoft.playwright.Page;
import java.util.function.Function;

/**
 * The browser family's Chromium for other families (a shop adapter, say), published through
 * {@link dev.hal9.api.FamilyContext#publish}. Each principal gets one background session per profile: a browser
 * context whose cookies and storage are the profile's (saved after every use, so a login or a cart survives
 * restarts), with one tab. The model never sees these sessions; they obey the same domain lists as
 * browser_navigate. Work runs on the browser's own thread, one piece at a time, and must not keep the page.
 */
public interface WebBrowser {

    /**
     * Runs work on the principal's session for a profile, creating it (from the saved profile) when needed, and
     * rebuilding it if Chromium died. The work gets the session's page.
     *
     * @param principal whose session
     * @param profile the profile name, e.g. {@code amazon}: 1 to 40 of a-z, 0-9, _ and -
     * @param timeoutMillis how long the work may take once it runs
     * @throws dev.hal9.api.ToolException when the work times out or the browser cannot start
     */
    <T> T withPage(String principal, String profile, long timeoutMillis, Function<Page, T> work);

    /**
     * Makes a Playwright storage state (cookies and local storage, as {@code context.storageState()} writes it) the
     * principal's profile, replacing what the profile held: a sign-in the person made in a browser of their own,
     * handed over by the family that asked for it. A live session of that profile starts again from it.
     *
     * @throws IllegalArgumentException when the profile name is not one {@link #withPage} takes
     */
    void adoptProfile(String principal, String profile, String storageState, long timeoutMillis);
}
