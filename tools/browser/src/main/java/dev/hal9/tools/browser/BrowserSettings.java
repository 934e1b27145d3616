package dev.hal9.tools.browser;

import dev.hal9.api.FamilyContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The browser family's settings ({@code families.browser.*} in hal9.yaml, {@code HAL9_FAMILIES_BROWSER_*}).
 *
 * @param executable the Chromium to launch as the operator configured it; empty means Playwright's own browser, and
 *     null (not configured) means {@link #DEBIAN_CHROMIUM} if it exists when the browser starts, else Playwright's own
 *     browser: looked up then, not now, so that installing Chromium needs no restart
 * @param headless whether to run without a window
 * @param maxSessions sessions open at once on this instance
 * @param maxSessionsPerPrincipal sessions one principal may hold open
 * @param idle how long an unused session lives
 * @param allowedDomains if not empty, the only hosts (and their subdomains) pages may be loaded from
 * @param deniedDomains hosts (and subdomains) pages may never be loaded from
 * @param dataDirectory where downloads and saved profiles live
 * @param pageTokens how many tokens one page of a snapshot or of a page's text holds (o200k_base)
 * @param browserIdle how long Chromium runs without browser work and without open sessions before it is stopped
 * @param extraArgs Chromium flags the operator adds to {@link #FLAGS}
 * @param lanes how many browser lanes (thread, Playwright driver and Chromium each) sessions are spread over
 * @param connect a browser that runs elsewhere, instead of launching one: a Playwright browser server's
 *     {@code ws://} endpoint, or a Chromium's {@code http://} DevTools address (--remote-debugging-port); null to launch
 * @param minimizeWindows whether each session's window is minimized: headless Chromium then stops drawing frames
 *     nobody sees, while scripts, layout, snapshots and screenshots go on as before (on 50 real pages this took a
 *     third off the CPU of loading them and two thirds off idle open sessions)
 */
record BrowserSettings(
        String executable,
        boolean headless,
        int maxSessions,
        int maxSessionsPerPrincipal,
        Duration idle,
        Set<String> allowedDomains,
        Set<String> deniedDomains,
        Path dataDirectory,
        int pageTokens,
        Duration browserIdle,
        List<String> extraArgs,
        int lanes,
        String connect,
        boolean minimizeWindows) {

    /** Chromium's flags for a machine with a closed network and no GPU (see DESIGN.md). */
    static final List<String> FLAGS = List.of(
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage");

    /** Where Debian's and Ubuntu's {@code chromium} package installs the browser. */
    static final Path DEBIAN_CHROMIUM = Path.of("/usr/bin/chromium");

    static BrowserSettings from(FamilyContext context) {
        boolean headless = !"false".equalsIgnoreCase(context.requiredSetting("headless"));
        String connect = connect(context.requiredSetting("connect"));
        return new BrowserSettings(
                context.setting("executable").orElse(null),
                headless,
                positive(context, "max-sessions"),
                positive(context, "max-sessions-per-principal"),
                Duration.ofMinutes(positive(context, "idle-minutes")),
                domains(context, "allowed-domains"),
                domains(context, "denied-domains"),
                context.dataDirectory(),
                pageTokens(context),
                Duration.ofMinutes(positive(context, "browser-idle-minutes")),
                extraArgs(context.requiredSetting("extra-args")),
                lanes(context),
                connect,
                minimizeWindows(context.requiredSetting("minimize-windows"), headless, connect));
    }

    /**
     * families.browser.minimize-windows: {@code auto} (the default) minimizes in a headless Chromium hal9 launches
     * and in a Playwright browser server (headless unless started otherwise), not in a Chromium reached over CDP,
     * which is often one a person started and watches.
     */
    static boolean minimizeWindows(String value, boolean headless, String connect) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "auto", "" -> connect == null ? headless : !overCdp(connect);
            case "true" -> true;
            case "false" -> false;
            default ->
                throw new IllegalArgumentException(
                        "families.browser.minimize-windows must be auto, true or false, not '" + value + "'");
        };
    }

    /** The most and fewest tokens a page may hold: below 1,000 a page is mostly header; above 100,000 few models read it. */
    static final int MIN_PAGE_TOKENS = 1_000;

    static final int MAX_PAGE_TOKENS = 100_000;

    private static int pageTokens(FamilyContext context) {
        int tokens = positive(context, "page-tokens");
        if (tokens < MIN_PAGE_TOKENS || tokens > MAX_PAGE_TOKENS) {
            throw new IllegalArgumentException("families.browser.page-tokens must be " + MIN_PAGE_TOKENS + " to "
                    + MAX_PAGE_TOKENS + ", not " + tokens);
        }
        return tokens;
    }

    /** families.browser.lanes; 0 (the default) means one per processor, at most 4. */
    private static int lanes(FamilyContext context) {
        String value = context.requiredSetting("lanes").trim();
        int lanes;
        try {
            lanes = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            lanes = -1;
        }
        if (lanes < 0 || lanes > 32) {
            throw new IllegalArgumentException(
                    "families.browser.lanes must be 0 (one per processor, at most 4) to 32, not '" + value + "'");
        }
        return lanes == 0 ? Math.min(4, Runtime.getRuntime().availableProcessors()) : lanes;
    }

    private static int positive(FamilyContext context, String key) {
        String value = context.requiredSetting(key).trim();
        try {
            int parsed = Integer.parseInt(value);
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "families.browser." + key + " must be a positive whole number, not '" + value + "'");
    }

    /**
     * Flags as one string, split before each {@code --} that follows a space, so that a flag's value may hold spaces
     * and commas ({@code --host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 --lang=en}).
     */
    static List<String> extraArgs(String value) {
        if (value.isBlank()) {
            return List.of();
        }
        List<String> flags = Arrays.stream(value.strip().split("\\s+(?=--)"))
                .map(String::strip)
                .toList();
        for (String flag : flags) {
            if (!flag.startsWith("--")) {
                throw new IllegalArgumentException("families.browser.extra-args must be Chromium flags, each "
                        + "starting with --, not '" + flag + "'");
            }
        }
        return flags;
    }

    /** A remote browser's address, checked: ws(s):// for a Playwright browser server, http(s):// for CDP. */
    static String connect(String value) {
        String endpoint = value.strip();
        if (endpoint.isEmpty()) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = java.net.URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        String scheme =
                uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri == null
                || uri.getHost() == null
                || !List.of("ws", "wss", "http", "https").contains(scheme)) {
            throw new IllegalArgumentException("families.browser.connect must be a Playwright browser server's "
                    + "ws:// endpoint (from launchServer or 'playwright launch-server') or a Chromium's http:// "
                    + "DevTools address (started with --remote-debugging-port), not '" + endpoint + "'");
        }
        return endpoint;
    }

    /** Whether {@link #connect} speaks CDP to a plain Chromium rather than Playwright's protocol to a browser server. */
    boolean overCdp() {
        return overCdp(connect);
    }

    private static boolean overCdp(String connect) {
        return connect != null && connect.regionMatches(true, 0, "http", 0, 4);
    }

    /** The flags Chromium is launched with: {@link #FLAGS}, then the operator's. */
    List<String> launchFlags() {
        List<String> all = new java.util.ArrayList<>(FLAGS);
        all.addAll(extraArgs);
        return List.copyOf(all);
    }

    private static Set<String> domains(FamilyContext context, String key) {
        return Arrays.stream(context.requiredSetting(key).split(","))
                .map(value -> value.trim().toLowerCase(Locale.ROOT))
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
