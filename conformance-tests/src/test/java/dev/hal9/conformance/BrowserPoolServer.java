package dev.hal9.conformance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A shared browser pool as deploy/ runs one: Playwright's own browser server ({@code launch-server}, from the
 * Playwright jars the packaged server ships, so the versions match) on Debian's Chromium, on a free loopback port,
 * with its HOME in a temp folder and no DNS lookup leaving the machine. hal9 instances reach it through
 * {@code families.browser.connect}.
 */
final class BrowserPoolServer implements AutoCloseable {

    private static final String NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1";

    private final Process process;
    private final int port;

    private BrowserPoolServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static BrowserPoolServer start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path home = Files.createTempDirectory("hal9-browser-pool");
        Path config = home.resolve("server.json");
        Files.writeString(config, """
                {"headless": true, "executablePath": "/usr/bin/chromium", "host": "127.0.0.1", "port": %d,
                 "wsPath": "/pool", "args": ["--no-sandbox", "%s"]}""".formatted(port, NO_DNS));
        // the packaged jar's manifest puts its lib/ on the class path, Playwright's jars among them
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        PackagedServer.java(),
                        "-cp",
                        PackagedServer.jar().toString(),
                        "com.microsoft.playwright.CLI",
                        "launch-server",
                        "--browser",
                        "chromium",
                        "--config",
                        config.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(home.resolve("stderr.log").toFile());
        builder.environment().put("HOME", home.toString());
        builder.environment().put("XDG_CONFIG_HOME", home.resolve("config").toString());
        builder.environment().put("XDG_CACHE_HOME", home.resolve("cache").toString());
        builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Playwright browser server exited with " + process.exitValue()
                        + ": " + Files.readString(home.resolve("stderr.log")));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return new BrowserPoolServer(process, port);
            } catch (IOException notYet) {
                process.waitFor(50, TimeUnit.MILLISECONDS); // the process's own clock: it may exit
            }
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new IllegalStateException("the Playwright browser server did not listen on " + port + " within 60 s");
    }

    /** What families.browser.connect names. */
    String endpoint() {
        return "ws://127.0.0.1:" + port + "/pool";
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
