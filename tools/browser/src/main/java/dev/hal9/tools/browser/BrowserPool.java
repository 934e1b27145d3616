package dev.hal9.tools.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import dev.hal9.api.ToolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Playwright and one Chromium for the whole server, started on first use. Playwright's Java objects
 * belong to the thread that made them, so every browser operation runs on this pool's own thread; callers
 * wait for it. If Chromium died, the next operation launches it again and bumps {@link #generation()}, so
 * sessions know to restore themselves. Thread-safe.
 */
final class BrowserPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrowserPool.class);

    /** Browser work that ran out of time; {@code restarted} says whether Chromium had to be killed. */
    static final class WorkTimeout extends ToolException {
        private static final long serialVersionUID = 1L;
        final boolean restarted;

        WorkTimeout(String message, boolean restarted) {
            super(message);
            this.restarted = restarted;
        }
    }

    /** How long a call may wait behind other sessions' browser work before it is refused. */
    static final long QUEUE_LIMIT_SECONDS = 120;

    private final BrowserSettings settings;
    private final com.github.benmanes.caffeine.cache.Ticker ticker;
    /** When browser work last ran, by {@link #ticker}: Chromium is stopped after {@link BrowserSettings#browserIdle}. */
    private volatile long lastUsed;

    private volatile ExecutorService owner;
    private Playwright playwright;
    private Browser browser;
    private volatile int generation;
    private volatile boolean closed;

    /** Which lane this is (0, 1, ...): its thread's name, and a flag its Chromium carries so it can be told apart. */
    private final int lane;

    BrowserPool(BrowserSettings settings, com.github.benmanes.caffeine.cache.Ticker ticker, int lane) {
        this.settings = settings;
        this.ticker = ticker;
        this.lane = lane;
    }

    /** How many times Chromium was launched; a session made under an older generation lost its context. */
    int generation() {
        return generation;
    }

    /**
     * Runs browser work on the pool's thread and waits at most {@code timeoutMillis} for it.
     *
     * @throws ToolException when the work timed out or the browser could not be started
     */
    <T> T run(long timeoutMillis, Callable<T> work) {
        if (closed) {
            throw new ToolException("the browser is shutting down with the server; try again after it restarts");
        }
        // The timeout is for the work itself: time spent queued behind other sessions' work does not count,
        // up to a limit that tells the caller the browser is overloaded.
        CountDownLatch started = new CountDownLatch(1);
        Future<T> future = owner().submit(() -> {
            started.countDown();
            try {
                return work.call();
            } finally {
                lastUsed = ticker.read();
            }
        });
        try {
            if (!started.await(QUEUE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                future.cancel(false);
                throw new ToolException("the browser is busy with other sessions' work and did not get to this call "
                        + "within " + QUEUE_LIMIT_SECONDS + " s; try again shortly");
            }
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            boolean recovered = recoverIfStuck();
            throw new WorkTimeout(
                    "the browser did not finish within " + timeoutMillis + " ms; the page may be hanging."
                            + (recovered
                                    ? " The browser was restarted to get it unstuck; your sessions are restored on "
                                            + "their next call."
                                    : ""),
                    recovered);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ToolException("the call was cancelled while the browser was working");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** The browser thread, started on the first browser call rather than with the server. */
    private synchronized ExecutorService owner() {
        if (owner == null) {
            owner = newOwner(lane);
        }
        return owner;
    }

    private static ExecutorService newOwner(int lane) {
        return Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("hal9-browser-" + lane).daemon(true).factory());
    }

    /**
     * After a timeout: if the browser thread is still busy, a page or Chromium hangs. Kill Chromium, which makes
     * the stuck Playwright call fail and frees the thread; the next call relaunches it and sessions restore
     * themselves. If even that does not free the thread, the driver is stuck: start over with a new thread
     * and a new Playwright.
     *
     * @return whether the browser had to be restarted
     */
    private boolean recoverIfStuck() {
        Future<?> probe = owner().submit(() -> {});
        if (completes(probe, 2)) {
            return false;
        }
        LOG.warn("the browser thread is stuck; killing Chromium so that it recovers");
        chromiumProcesses().forEach(ProcessHandle::destroyForcibly);
        if (completes(probe, 10)) {
            return true;
        }
        LOG.error("the Playwright driver is stuck; starting a new one");
        ExecutorService stuck;
        synchronized (this) {
            stuck = owner;
            owner = newOwner(lane);
        }
        stuck.shutdownNow();
        playwright = null;
        browser = null;
        return true;
    }

    private static boolean completes(Future<?> future, int seconds) {
        try {
            future.get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /** The Chromium this lane launched (Playwright talks to it over a pipe; it carries the lane's flag). */
    private java.util.stream.Stream<ProcessHandle> chromiumProcesses() {
        return ProcessHandle.current()
                .descendants()
                .filter(process -> process.info().command().orElse("").contains("chrom"))
                .filter(process -> {
                    List<String> args = List.of(process.info().arguments().orElse(new String[0]));
                    return args.contains("--remote-debugging-pipe") && args.contains(laneFlag());
                });
    }

    /** A switch Chromium ignores, so that each lane finds its own browser among the server's. */
    private String laneFlag() {
        return "--hal9-browser-lane=" + lane;
    }

    /** The browser, launched (again) if needed. Only on the pool's thread. */
    Browser browser() {
        if (browser != null && browser.isConnected()) {
            return browser;
        }
        if (browser != null) {
            LOG.warn(
                    settings.connect() == null
                            ? "Chromium is gone; launching it again"
                            : "the remote browser at " + settings.connect() + " is gone; connecting again");
            try {
                browser.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the dead browser: {}", e.getMessage());
            }
            browser = null;
        }
        if (settings.connect() != null) {
            return connectRemote();
        }
        // a configured path that is no program is known without the ~2 s Playwright takes to start
        String missing = missing(settings.executable());
        if (missing != null) {
            throw new ToolException(cannotStart(missing));
        }
        String executable = settings.executable() != null
                ? settings.executable()
                : Files.isExecutable(BrowserSettings.DEBIAN_CHROMIUM) ? BrowserSettings.DEBIAN_CHROMIUM.toString() : "";
        BrowserType.LaunchOptions options =
                new BrowserType.LaunchOptions().setHeadless(settings.headless()).setArgs(laneFlags());
        if (!executable.isBlank()) {
            options.setExecutablePath(Path.of(executable));
        }
        try {
            browser = playwright().chromium().launch(options);
        } catch (RuntimeException e) {
            String message = cannotStart(failed(settings.executable(), executable, cause(e.getMessage())));
            LOG.warn("{}", message);
            throw new ToolException(message, e);
        }
        generation++;
        LOG.info("Chromium {} launched for browser lane {} (generation {})", browser.version(), lane, generation);
        return browser;
    }

    /**
     * Stops Chromium and the Playwright driver if no browser work ran for {@link BrowserSettings#browserIdle}: an
     * idle server should not keep a browser's few hundred MB. The next browser call launches them again (sessions
     * made before restore themselves, as after a crash). Called with no interactive session open.
     *
     * @return whether they were stopped
     */
    boolean stopIfIdle() {
        if (closed
                || owner == null
                || ticker.read() - lastUsed < settings.browserIdle().toNanos()) {
            return false;
        }
        Future<Boolean> stop = owner().submit(() -> {
            if (browser == null && playwright == null
                    || ticker.read() - lastUsed < settings.browserIdle().toNanos()) {
                return false; // nothing to stop, or work ran while this waited for the thread
            }
            try {
                if (browser != null) {
                    browser.close();
                }
                if (playwright != null) {
                    playwright.close();
                }
            } catch (RuntimeException e) {
                LOG.debug("stopping the idle browser: {}", e.getMessage());
            }
            browser = null;
            playwright = null;
            LOG.info(
                    "Chromium stopped after {} min without browser work; the next browser call starts it again",
                    settings.browserIdle().toMinutes());
            return true;
        });
        try {
            return stop.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("stopping the idle browser: {}", e.getMessage());
            return false;
        }
    }

    /** Whether Chromium is running now (launched and not stopped), for tests and diagnostics. */
    boolean running() {
        return browser != null;
    }

    private List<String> laneFlags() {
        List<String> flags = new java.util.ArrayList<>(settings.launchFlags());
        flags.add(laneFlag());
        return flags;
    }

    /** This lane's Playwright driver, started on first use (and again after an idle stop); only on the pool's thread. */
    private Playwright playwright() {
        if (playwright == null) {
            playwright = Playwright.create(
                    new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        }
        return playwright;
    }

    /** Connects to the browser families.browser.connect names; only on the pool's thread. */
    private Browser connectRemote() {
        String endpoint = settings.connect();
        try {
            browser = settings.overCdp()
                    ? playwright()
                            .chromium()
                            .connectOverCDP(endpoint, new BrowserType.ConnectOverCDPOptions().setTimeout(15_000))
                    : playwright().chromium().connect(endpoint, new BrowserType.ConnectOptions().setTimeout(15_000));
        } catch (RuntimeException e) {
            String message = "the remote browser at " + endpoint + " (families.browser.connect) does not answer: "
                    + cause(e.getMessage()) + ". Start it ("
                    + (settings.overCdp()
                            ? "chromium --remote-debugging-port=PORT"
                            : "a Playwright browser server of the same version as hal9's Playwright")
                    + ") or change the setting; the next browser call tries again.";
            LOG.warn("{}", message);
            throw new ToolException(message, e);
        }
        generation++;
        LOG.info("connected to the remote browser {} at {} (generation {})", browser.version(), endpoint, generation);
        return browser;
    }

    /** The Chromium process id, for tests that kill it; only on the pool's thread. */
    long browserPid() {
        return chromiumProcesses().mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /** What to do when no browser starts, whatever the reason; the same for every case, so it is always said. */
    static final String INSTALL = "Install Chromium (Debian/Ubuntu: apt-get install chromium, which puts it at "
            + BrowserSettings.DEBIAN_CHROMIUM + ", where hal9 looks when nothing is configured) or set "
            + "families.browser.executable in hal9.yaml (HAL9_FAMILIES_BROWSER_EXECUTABLE in the environment) to a "
            + "Chromium or Chrome binary; restart hal9 after changing the setting.";

    private static String cannotStart(String problem) {
        return "the browser could not be started: " + problem + ". " + INSTALL;
    }

    /** Why a configured executable cannot be a browser before trying it, or null when it may be one. */
    private static String missing(String configured) {
        if (configured == null || configured.isBlank()) {
            return null;
        }
        Path path = Path.of(configured);
        if (!Files.exists(path)) {
            return "families.browser.executable is " + configured + ", which does not exist";
        }
        if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
            return "families.browser.executable is " + configured + ", which is not an executable program";
        }
        return null;
    }

    /** What failed to start, in the operator's terms: which setting chose it, and the cause. */
    private static String failed(String configured, String executable, String cause) {
        if (configured == null && executable.isBlank()) {
            return "no Chromium was found (" + BrowserSettings.DEBIAN_CHROMIUM + " does not exist, "
                    + "families.browser.executable is not set, and Playwright's own browser is not installed: " + cause
                    + ")";
        }
        if (configured == null) {
            return executable + " did not start: " + cause;
        }
        if (configured.isBlank()) {
            return "Playwright's own browser (families.browser.executable is empty) did not start: " + cause;
        }
        return executable + " (families.browser.executable) did not start as a browser: " + cause;
    }

    /**
     * The first line of a launch failure that says something. Playwright's message starts with "Error {" and a
     * generic line ("Target page, context or browser has been closed"); what the program itself printed to stderr
     * ("error while loading shared libraries: libnss3.so") and its exit code say more, so those come first.
     */
    static String cause(String message) {
        if (message == null) {
            return "no detail";
        }
        List<String> lines = message.lines().map(String::strip).toList();
        String said = null;
        String exit = null;
        String headline = null;
        for (String line : lines) {
            Matcher err = BROWSER_STDERR.matcher(line);
            if (said == null && err.find() && !err.group(1).isBlank()) {
                said = err.group(1).strip();
            }
            Matcher exited = EXIT_CODE.matcher(line);
            if (exit == null && exited.find()) {
                exit = exited.group(1);
            }
            if (headline == null && line.startsWith("message='")) {
                headline = line.substring("message='".length());
            }
        }
        if (headline == null) {
            headline = lines.stream()
                    .filter(line -> !line.isEmpty() && !line.equals("Error {"))
                    .findFirst()
                    .orElse("no detail");
        }
        String cause = said != null ? said : headline;
        if (exit != null && !exit.equals("null")) {
            cause += " (it exited with code " + exit + ")";
        }
        return cause.length() > 300 ? cause.substring(0, 300) + "…" : cause;
    }

    private static final Pattern BROWSER_STDERR = Pattern.compile("^(?:- *)*\\[pid=\\d+\\]\\[err\\] ?(.*)$");
    private static final Pattern EXIT_CODE = Pattern.compile("<process did exit: exitCode=(\\w+)");

    static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        String line = message.lines().findFirst().orElse(message);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owner == null) {
            return; // the browser was never used
        }
        Future<?> shutdown = owner.submit(() -> {
            if (browser != null) {
                browser.close();
            }
            if (playwright != null) {
                playwright.close();
            }
        });
        try {
            shutdown.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("the browser did not close cleanly: {}", e.getMessage());
        }
        owner.shutdownNow();
    }
}
