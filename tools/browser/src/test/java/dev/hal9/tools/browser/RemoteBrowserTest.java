package dev.hal9.tools.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Playwright;
import dev.hal9.api.testkit.McpTestKit;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 6: families.browser.connect to a browser that runs elsewhere, as a separate process: a Playwright
 * browser server (Playwright's own {@code launch-server}, the same driver version as hal9's) and a Chromium started
 * with --remote-debugging-port. Each serves a session; when it dies the next call says so, and once it is back the
 * session is restored.
 */
class RemoteBrowserTest {

    private static final String NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1";
    private static TestSite site;

    @BeforeAll
    static void start() throws IOException {
        site = new TestSite();
    }

    @AfterAll
    static void stop() {
        site.close();
    }

    @Test
    void aChromiumOverCdpServesASessionAndItsDeathIsReportedAndRecoveredFrom() throws Exception {
        int port = freePort();
        List<String> command = cdpChromium(port);
        Process chromium = startAndWaitForPort(command, port);
        try {
            exercise("http://127.0.0.1:" + port, chromium, () -> startAndWaitForPort(command, port));
        } finally {
            destroyTree(chromium);
        }
    }

    @Test
    void aPlaywrightBrowserServerServesASessionAndItsDeathIsReportedAndRecoveredFrom() throws Exception {
        int port = freePort();
        Path config = Files.createTempFile("hal9-browser-server", ".json");
        Files.writeString(config, """
                {"headless": true, "executablePath": "%s", "host": "127.0.0.1", "port": %d, "wsPath": "/hal9",
                 "args": ["--no-sandbox", "%s"]}""".formatted(BrowserSettings.DEBIAN_CHROMIUM, port, NO_DNS));
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "com.microsoft.playwright.CLI",
                "launch-server",
                "--browser",
                "chromium",
                "--config",
                config.toString());
        Process server = startAndWaitForPort(command, port);
        try {
            exercise("ws://127.0.0.1:" + port + "/hal9", server, () -> startAndWaitForPort(command, port));
        } finally {
            destroyTree(server);
        }
    }

    /**
     * A Chromium reached over CDP is often one a person started and watches, so by default hal9 leaves its windows
     * as they are; families.browser.minimize-windows=true minimizes each session's window (which the module's other
     * tests, on the Chromium hal9 launches headless, get by default). The window's state is read by a second DevTools
     * client, as the person's own tools would see it.
     */
    @Test
    void windowsOfACdpChromiumAreMinimizedOnlyWhenTheOperatorSays() throws Exception {
        int port = freePort();
        Process chromium = startAndWaitForPort(cdpChromium(port), port);
        String endpoint = "http://127.0.0.1:" + port;
        try (Playwright watcher = Playwright.create()) {
            CDPSession devtools = watcher.chromium().connectOverCDP(endpoint).newBrowserCDPSession();
            assertThat(windowOfASession(endpoint, Map.of(), "/table", devtools)).isEqualTo("normal");
            assertThat(windowOfASession(endpoint, Map.of("browser.minimize-windows", "true"), "/form", devtools))
                    .isEqualTo("minimized");
        } finally {
            destroyTree(chromium);
        }
    }

    /** Opens a session at path with the given settings, and returns the state of the window its tab is in. */
    private static String windowOfASession(
            String endpoint, Map<String, String> settings, String path, CDPSession devtools) throws IOException {
        Map<String, String> all = new HashMap<>(settings);
        all.put("browser.connect", endpoint);
        try (McpTestKit kit = McpTestKit.of(
                Files.createTempDirectory("hal9-remote-window"), all, Duration.ofSeconds(90), new BrowserFamily())) {
            McpSyncClient client = kit.client("watched");
            CallToolResult opened = ok(client.callTool(
                    new CallToolRequest("browser_session", Map.of("action", "open", "url", site.url(path)))));
            assertThat(text(opened)).contains(site.url(path));
            JsonObject targets = devtools.send("Target.getTargets");
            for (JsonElement target : targets.getAsJsonArray("targetInfos")) {
                JsonObject info = target.getAsJsonObject();
                if ("page".equals(info.get("type").getAsString())
                        && info.get("url").getAsString().endsWith(path)) {
                    JsonObject args = new JsonObject();
                    args.add("targetId", info.get("targetId"));
                    JsonObject window = devtools.send("Browser.getWindowForTarget", args);
                    return window.getAsJsonObject("bounds").get("windowState").getAsString();
                }
            }
            throw new AssertionError("no page at " + path + " among " + targets);
        }
    }

    private static List<String> cdpChromium(int port) throws IOException {
        return List.of(
                BrowserSettings.DEBIAN_CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=" + port,
                "--user-data-dir=" + Files.createTempDirectory("hal9-cdp-chromium"),
                NO_DNS,
                "about:blank");
    }

    /** Opens a session on the remote browser, kills the browser, checks the error, restarts it, checks recovery. */
    private static void exercise(String endpoint, Process remote, Restart restart) throws Exception {
        Path data = Files.createTempDirectory("hal9-remote-browser");
        Process again = null;
        try (McpTestKit kit =
                McpTestKit.of(data, Map.of("browser.connect", endpoint), Duration.ofSeconds(90), new BrowserFamily())) {
            McpSyncClient client = kit.client("remote");
            CallToolResult opened = ok(client.callTool(
                    new CallToolRequest("browser_session", Map.of("action", "open", "url", site.url("/table")))));
            String session =
                    ((Map<?, ?>) opened.structuredContent()).get("session").toString();
            assertThat(text(ok(client.callTool(
                            new CallToolRequest("browser_extract", Map.of("session", session, "what", "tables"))))))
                    .contains("Blue pen");

            destroyTree(remote);
            CallToolResult down = client.callTool(
                    new CallToolRequest("browser_extract", Map.of("session", session, "what", "tables")));
            assertThat(down.isError()).as(text(down)).isTrue();
            assertThat(text(down)).contains("the remote browser at " + endpoint, "does not answer");

            again = restart.start();
            CallToolResult back = ok(client.callTool(
                    new CallToolRequest("browser_extract", Map.of("session", session, "what", "tables"))));
            assertThat(text(back)).contains("Blue pen");
            assertThat(((Map<?, ?>) back.structuredContent()).get("notice").toString())
                    .contains("restored");
        } finally {
            if (again != null) {
                destroyTree(again);
            }
        }
    }

    @FunctionalInterface
    private interface Restart {
        Process start() throws Exception;
    }

    private static Process startAndWaitForPort(List<String> command, int port) throws Exception {
        Process process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(command.get(0) + " exited with " + process.exitValue());
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return process;
            } catch (IOException notYet) {
                process.waitFor(50, TimeUnit.MILLISECONDS); // the process's own clock, not a sleep: it may exit
            }
        }
        destroyTree(process);
        throw new IllegalStateException(command.get(0) + " did not listen on " + port + " within 60 s");
    }

    private static void destroyTree(Process process) throws InterruptedException {
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        // the port must be free before a restart binds it again
        tree.forEach(child -> child.onExit().join());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static CallToolResult ok(CallToolResult result) {
        assertThat(result.isError()).as("tool error: %s", text(result)).isFalse();
        return result;
    }

    private static String text(CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }
}
