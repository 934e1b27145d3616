import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The load side of bench/run-instances.sh, and its report. A single-file program:
 *
 * <pre>
 *   java InstancesBench.java load --label TEXT --url URL --token SECRET --clients 8,32 --seconds S --warmup S
 *        [--cpu NAME=PID+PID ...] [--metrics URL,URL,...] --out FILE
 *   java InstancesBench.java report --data FILE --facts FILE
 * </pre>
 *
 * load: for each client count, that many MCP clients over Streamable HTTP (Java HttpClient, HTTP/1.1, one per client),
 * each with a session of its own (initialize with the bearer token), call {@code server_info} back to back: first for
 * the warm-up (sessions then ended), then, with new sessions, for the measured seconds. While it measures it reads the
 * CPU time of each named group of processes (a process and all its descendants, /proc/PID/stat), of itself, and of
 * the whole machine (/proc/stat), and, with --metrics, each instance's count of server_info calls; it appends one
 * tab-separated line per client count to FILE. report: turns those lines and the machine's facts (key=value lines
 * the script wrote) into the Instances section of bench/RESULTS.md, on stdout.
 */
public class InstancesBench {

    /** The protocol revision the clients ask for (as bench/Bench.java). */
    static final String PROTOCOL = "2025-06-18";

    public static void main(String[] args) throws Exception {
        Map<String, List<String>> options = options(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "load" -> load(options);
            case "report" -> System.out.print(report(
                    Path.of(one(options, "data")), facts(Path.of(one(options, "facts")))));
            default -> throw new IllegalArgumentException("load or report, not " + args[0]);
        }
    }

    // ---- load

    record Window(long[] latencies, long errors) {}

    static void load(Map<String, List<String>> options) throws Exception {
        String label = one(options, "label");
        String url = one(options, "url");
        String token = one(options, "token");
        int seconds = Integer.parseInt(one(options, "seconds"));
        int warmup = Integer.parseInt(one(options, "warmup"));
        long warmupCalls = Long.parseLong(options.getOrDefault("warmup-calls", List.of("0")).getFirst());
        int hz = Integer.parseInt(options.getOrDefault("hz", List.of("100")).getFirst());
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        for (String group : options.getOrDefault("cpu", List.of())) {
            int equals = group.indexOf('=');
            groups.put(group.substring(0, equals), Arrays.stream(group.substring(equals + 1).split("\\+"))
                    .map(Long::parseLong)
                    .toList());
        }
        List<String> metrics = options.containsKey("metrics")
                ? List.of(one(options, "metrics").split(","))
                : List.of();
        Path out = Path.of(one(options, "out"));
        List<Integer> counts = Arrays.stream(one(options, "clients").split(",")).map(Integer::parseInt).toList();
        if (warmupCalls > 0) {
            // the JIT compiles by call counts: every instance gets the same number of calls before any measurement
            long t0 = System.nanoTime();
            Window warm = run(url, token, counts.getFirst(), WARMUP_LIMIT_SECONDS, warmupCalls, null);
            System.err.printf("%s: warm-up of %d calls at %d clients took %.0f s%n", label, warm.latencies().length,
                    counts.getFirst(), (System.nanoTime() - t0) / 1e9);
        }
        for (int clients : counts) {
            System.err.printf("%s, %d clients: %d s on new sessions, then %d s measured%n", label, clients, warmup,
                    seconds);
            run(url, token, clients, warmup, 0, null);
            Sampler sampler = new Sampler(groups, metrics, hz);
            String load1 = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            Window window = run(url, token, clients, seconds, 0, sampler);
            long[] all = window.latencies();
            Arrays.sort(all);
            double throughput = all.length / (double) seconds;
            double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
            double p99 = all.length == 0 ? 0 : all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6;
            // label, clients, seconds, calls, calls/s, p50, p99, errors, load1, cpu groups, machine cores, per instance,
            // the machine's interrupt handling in cores
            String line = String.join("\t", label, String.valueOf(clients), String.valueOf(seconds),
                    String.valueOf(all.length), String.format(Locale.ROOT, "%.1f", throughput),
                    String.format(Locale.ROOT, "%.2f", p50), String.format(Locale.ROOT, "%.2f", p99),
                    String.valueOf(window.errors()), load1, sampler.groupCores(), sampler.machineCores(),
                    sampler.perInstance(), sampler.interruptCores());
            Files.writeString(out, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            System.err.printf("  %.0f calls/s, p50 %.2f ms, p99 %.2f ms, %d errors; CPU cores %s, machine %s "
                    + "(interrupts %s); calls per instance %s%n", throughput, p50, p99, window.errors(),
                    sampler.groupCores(), sampler.machineCores(), sampler.interruptCores(), sampler.perInstance());
        }
    }

    /** The longest a warm-up by count may take. */
    static final int WARMUP_LIMIT_SECONDS = 900;

    /**
     * Opens a session per client, then lets them call for {@code seconds}, or, with {@code calls} above 0, until that
     * many calls succeeded (at most {@code seconds}); only calls that end inside the window count. A sampler, if
     * given, is started as the window opens and stopped as it closes.
     */
    static Window run(String url, String token, int clients, int seconds, long calls, Sampler sampler)
            throws Exception {
        java.util.concurrent.atomic.AtomicLong succeeded = new java.util.concurrent.atomic.AtomicLong();
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2]; // start and end, System.nanoTime(), set before go
        long[] errors = new long[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int index = c;
            threads.add(Thread.ofPlatform().start(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                long[] mine = new long[1024];
                int count = 0;
                String session = null;
                try {
                    session = initialize(http, url, token);
                    ready.countDown();
                    go.await();
                    HttpRequest request = request(url, token, session)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                                    + "\"tools/call\",\"params\":{\"name\":\"server_info\",\"arguments\":{}}}"))
                            .build();
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        long t1 = System.nanoTime();
                        if (t1 > window[1]) {
                            break; // ended after the window closed: not counted either way
                        }
                        if (response.statusCode() == 200 && response.body().contains("\"result\"")
                                && !response.body().contains("\"isError\":true")) {
                            if (count == mine.length) {
                                mine = Arrays.copyOf(mine, count * 2);
                            }
                            mine[count++] = t1 - t0;
                            succeeded.incrementAndGet();
                        } else {
                            errors[index]++;
                        }
                    }
                } catch (Exception e) {
                    errors[index]++;
                    ready.countDown();
                } finally {
                    samples.add(Arrays.copyOf(mine, count));
                    // end the session as a client should: hal9 caps one principal's open sessions
                    if (session != null) {
                        try {
                            http.send(request(url, token, session).DELETE().build(),
                                    HttpResponse.BodyHandlers.discarding());
                        } catch (Exception e) {
                            // the measurement is done; a failed goodbye changes nothing in it
                        }
                    }
                }
            }));
        }
        ready.await();
        if (sampler != null) {
            sampler.start();
        }
        window[0] = System.nanoTime();
        window[1] = window[0] + seconds * 1_000_000_000L;
        go.countDown();
        if (calls > 0) {
            while (succeeded.get() < calls && System.nanoTime() < window[1]) {
                Thread.sleep(50);
            }
        } else {
            Thread.sleep(seconds * 1000L);
        }
        if (sampler != null) {
            sampler.stop(System.nanoTime() - window[0]);
        }
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        return new Window(samples.stream().flatMapToLong(Arrays::stream).toArray(), Arrays.stream(errors).sum());
    }

    static String initialize(HttpClient http, String url, String token) throws Exception {
        HttpResponse<String> response = http.send(request(url, token, null)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                                + "\"params\":{\"protocolVersion\":\"" + PROTOCOL + "\",\"capabilities\":{},"
                                + "\"clientInfo\":{\"name\":\"instances-bench\",\"version\":\"1\"}}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String session = response.headers().firstValue("mcp-session-id").orElseThrow(() -> new IllegalStateException(
                "no session from " + url + " (" + response.statusCode() + "): " + response.body()));
        http.send(request(url, token, session)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        return session;
    }

    static HttpRequest.Builder request(String url, String token, String session) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (session != null) {
            builder.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", PROTOCOL);
        }
        return builder;
    }

    /** CPU time of process groups, of this process and of the machine, and calls per instance, over one window. */
    static final class Sampler {
        private final Map<String, List<Long>> groups;
        private final List<String> metrics;
        private final int hz;
        private final Map<String, Long> groupTicks = new LinkedHashMap<>();
        private long selfTicks;
        private long machineTicks;
        private long interruptTicks;
        private double[] calls;
        private double seconds;

        Sampler(Map<String, List<Long>> groups, List<String> metrics, int hz) {
            this.groups = groups;
            this.metrics = metrics;
            this.hz = hz;
        }

        void start() throws IOException {
            groups.forEach((name, pids) -> groupTicks.put(name, -ticks(pids)));
            selfTicks = -ticks(ProcessHandle.current().pid());
            machineTicks = -machineBusy();
            interruptTicks = -machineInterrupts();
            calls = serverInfoCalls(metrics);
        }

        void stop(long nanos) throws IOException {
            seconds = nanos / 1e9;
            groups.forEach((name, pids) -> groupTicks.merge(name, ticks(pids), Long::sum));
            selfTicks += ticks(ProcessHandle.current().pid());
            machineTicks += machineBusy();
            interruptTicks += machineInterrupts();
            double[] after = serverInfoCalls(metrics);
            for (int i = 0; i < calls.length; i++) {
                calls[i] = after[i] - calls[i];
            }
        }

        /** name:cores;name:cores;..., the load generator (this process) last, as "load". */
        String groupCores() {
            StringBuilder out = new StringBuilder();
            groupTicks.forEach((name, ticks) -> out.append(name).append(':').append(cores(ticks)).append(';'));
            return out.append("load:").append(cores(selfTicks)).toString();
        }

        String machineCores() {
            return cores(machineTicks);
        }

        String interruptCores() {
            return cores(interruptTicks);
        }

        /** Each instance's share of the window's server_info calls, e.g. 34/33/33 (percent); "-" without --metrics. */
        String perInstance() {
            double total = Arrays.stream(calls).sum();
            if (calls.length == 0 || total == 0) {
                return "-";
            }
            return String.join("/", Arrays.stream(calls)
                    .mapToObj(c -> String.valueOf(Math.round(100 * c / total)))
                    .toList());
        }

        private String cores(long ticks) {
            return String.format(Locale.ROOT, "%.2f", ticks / (double) hz / seconds);
        }
    }

    /** utime + stime of these processes and all their descendants, in clock ticks. */
    static long ticks(List<Long> pids) {
        long total = 0;
        for (long pid : pids) {
            total += ticks(pid);
            try (Stream<ProcessHandle> descendants = ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants)) {
                total += descendants.mapToLong(p -> ticks(p.pid())).sum();
            }
        }
        return total;
    }

    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // after "pid (comm) ": state is field 3, utime 14, stime 15
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0; // gone
        }
    }

    /** The machine's busy time, all CPUs, in clock ticks: /proc/stat's user, nice, system, irq, softirq, steal. */
    static long machineBusy() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                + Long.parseLong(f[7]) + Long.parseLong(f[8]);
    }

    /** The part of it spent in irq and softirq (loopback traffic's delivery is counted there, in no process). */
    static long machineInterrupts() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        return Long.parseLong(f[6]) + Long.parseLong(f[7]);
    }

    /** Each instance's hal9_tool_calls_total for server_info (all outcomes), from its /metrics. */
    static double[] serverInfoCalls(List<String> urls) {
        double[] calls = new double[urls.size()];
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < urls.size(); i++) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create(urls.get(i)))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                for (String line : body.lines().toList()) {
                    if (line.startsWith("hal9_tool_calls_total{") && line.contains("mcp_tool_name=\"server_info\"")) {
                        calls[i] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
            } catch (IOException e) {
                calls[i] = Double.NaN;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return calls;
    }

    // ---- report

    record Row(String label, int clients, int seconds, long calls, double throughput, double p50, double p99,
            long errors, String load1, Map<String, Double> cores, double machine, String perInstance,
            double interrupts) {

        double core(String group) {
            return cores.getOrDefault(group, 0.0);
        }

        /** The machine's busy time that none of the measured processes account for. */
        double rest() {
            return Math.max(0, machine - cores.values().stream().mapToDouble(Double::doubleValue).sum());
        }
    }

    static List<Row> rows(Path data) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(data)) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            Map<String, Double> cores = new LinkedHashMap<>();
            for (String pair : f[9].split(";")) {
                int colon = pair.indexOf(':');
                cores.put(pair.substring(0, colon), Double.parseDouble(pair.substring(colon + 1)));
            }
            // the machine's busy time, read a moment apart from the window's ends, can come out a tick over
            double machine = Math.min(Double.parseDouble(f[10]), Runtime.getRuntime().availableProcessors());
            rows.add(new Row(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                    Long.parseLong(f[7]), f[8], cores, machine, f[11], Double.parseDouble(f[12])));
        }
        return rows;
    }

    static Map<String, String> facts(Path file) throws IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                facts.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        return facts;
    }

    /** The labels run-instances.sh gives its three setups. */
    static final String H2 = "one instance, H2", POSTGRES = "one instance, PostgreSQL",
            THREE = "three instances, PostgreSQL, HAProxy";

    static String report(Path data, Map<String, String> facts) throws IOException {
        List<Row> rows = rows(data);
        StringBuilder out = new StringBuilder();
        out.append("## Instances: server_info on H2, on PostgreSQL, and on three instances behind HAProxy\n\n")
                .append("Written by `conformance-tests/bench/run-instances.sh")
                .append(facts.getOrDefault("arguments", "").isEmpty() ? "" : " " + facts.get("arguments"))
                .append("` on ").append(facts.get("date")).append(". Machine: ").append(facts.get("nproc"))
                .append(" cores (").append(facts.get("cpu")).append("), ").append(facts.get("memory"))
                .append(" GiB, Linux ").append(facts.get("kernel")).append(", JDK ").append(facts.get("jdk"))
                .append(", PostgreSQL ").append(facts.get("postgres")).append(", HAProxy ")
                .append(facts.get("haproxy")).append(".\n\n");
        boolean quiet = "yes".equals(facts.get("quiet"));
        out.append(quiet
                        ? "The script waited until the machine was quiet (1-minute load below 1.5): it began after "
                                + facts.get("waited") + " s, at a load of " + facts.get("load") + "."
                        : "The machine never became quiet: the script waited " + facts.get("waited")
                                + " s for a 1-minute load below 1.5 and began at a load of " + facts.get("load")
                                + ", with other work running; the last column's \"rest\" is that work's share "
                                + "of the CPUs during each run.")
                .append(" (The 1-minute load counts this benchmark's own threads too once it runs; the \"rest\" ")
                .append("column below is what other processes took.)\n\n");
        out.append("The tool is `server_info`, which goes through hal9's whole wrapper and the store: it reads the ")
                .append("caller's live handles (a query per call; the caller holds none, so the query finds no rows: ")
                .append("the cost is the round trip, not a result set) and queues an audit row, which a thread of ")
                .append("each instance writes in batches. Each client opens a session of its own (initialize with ")
                .append("one bearer token, principal alice), then calls back to back for ").append(facts.get("seconds"))
                .append(" s; a call counts when it ends inside the window. Before a setup's first row every instance ")
                .append("gets ").append(facts.get("warmup-calls")).append(" warm-up calls (three instances: three ")
                .append("times as many through the balancer), since the JIT compiles by call counts and a third of ")
                .append("the load warms each of three instances a third as fast; before each row, ")
                .append(facts.get("warmup")).append(" s more on other sessions. The load generator is one JVM (Java HttpClient, ")
                .append("HTTP/1.1 keep-alive, one client and one thread per session) on the same machine. hal9 runs ")
                .append("as `java -jar hal9.jar serve --http 127.0.0.1:0 --auth token` (the JVM's defaults; Hikari ")
                .append("pool of 8 connections per instance); H2 is the embedded file in its data directory; ")
                .append("PostgreSQL is a cluster the script makes with initdb, with its defaults (fsync and ")
                .append("synchronous commit on) but for its port and 127.0.0.1, one database for both PostgreSQL ")
                .append("setups; HAProxy has the configuration of `MultiInstanceTest` (round robin for new ")
                .append("sessions, a stick table on `Mcp-Session-Id`, health checks on `/health/ready`). Only one ")
                .append("setup's instances run at a time (PostgreSQL idles during H2's runs). CPU is the user + ")
                .append("system time of each process and its children during the window, in cores (2.00 is the ")
                .append("whole machine); \"rest\" is the machine's busy time (/proc/stat) that none of these ")
                .append("account for.\n\n");
        out.append("| setup | clients | calls/s | p50 ms | p99 ms | errors | CPU cores: hal9 / ")
                .append("PostgreSQL / HAProxy / load generator / rest | calls per instance |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %d | %s / %s / %s / %.2f / %.2f | %s |%n",
                    row.label(), row.clients(), row.throughput(), row.p50(), row.p99(), row.errors(),
                    fmt(row.core("hal9")), row.cores().containsKey("postgres") ? fmt(row.core("postgres")) : "–",
                    row.cores().containsKey("haproxy") ? fmt(row.core("haproxy")) : "–", row.core("load"),
                    row.rest(), row.perInstance().equals("-") ? "–" : row.perInstance() + " %"));
        }
        out.append('\n').append(reading(rows, quiet));
        return out.toString();
    }

    static String fmt(double cores) {
        return String.format(Locale.ROOT, "%.2f", cores);
    }

    static Row find(List<Row> rows, String label, int clients) {
        return rows.stream()
                .filter(r -> r.label().equals(label) && r.clients() == clients)
                .findFirst()
                .orElse(null);
    }

    static String reading(List<Row> rows, boolean quiet) {
        StringBuilder out = new StringBuilder("Reading: ");
        List<Integer> counts = rows.stream().map(Row::clients).distinct().sorted().toList();
        List<String> h2 = new ArrayList<>(), three = new ArrayList<>();
        boolean threeAhead = false;
        for (int clients : counts) {
            Row a = find(rows, H2, clients), b = find(rows, POSTGRES, clients), c = find(rows, THREE, clients);
            if (a != null && b != null && b.throughput() > 0) {
                h2.add(String.format(Locale.ROOT, "%.2fx at %d clients (p99 %.1f against %.1f ms)",
                        a.throughput() / b.throughput(), clients, a.p99(), b.p99()));
            }
            if (b != null && c != null && b.throughput() > 0) {
                three.add(String.format(Locale.ROOT, "%.2fx at %d clients (p99 %.1f against %.1f ms)",
                        c.throughput() / b.throughput(), clients, c.p99(), b.p99()));
                threeAhead |= c.throughput() > b.throughput() * 1.05;
            }
        }
        out.append("embedded H2 against PostgreSQL, one instance each: ").append(String.join(", ", h2))
                .append(" in calls/s. Three instances behind HAProxy against one, both on PostgreSQL: ")
                .append(String.join(", ", three)).append(".\n\n");
        Row busiest = rows.stream()
                .filter(r -> r.label().equals(THREE))
                .max((x, y) -> Integer.compare(x.clients(), y.clients()))
                .orElse(null);
        Row single = busiest == null ? null : find(rows, POSTGRES, busiest.clients());
        if (busiest != null && single != null) {
            out.append(String.format(Locale.ROOT, "Where the two cores went at %d clients: with one instance, hal9 "
                            + "%.2f, PostgreSQL %.2f, the load generator %.2f, the rest of the machine %.2f (%.2f of "
                            + "2.00 busy); with three, hal9's three JVMs %.2f together, PostgreSQL %.2f, HAProxy "
                            + "%.2f, the load generator %.2f, the rest %.2f (%.2f busy). ",
                    busiest.clients(), single.core("hal9"), single.core("postgres"), single.core("load"), single.rest(),
                    single.machine(), busiest.core("hal9"), busiest.core("postgres"), busiest.core("haproxy"),
                    busiest.core("load"), busiest.rest(), busiest.machine()));
            double hal9One = 1e6 * single.core("hal9") / single.throughput();
            double hal9Three = 1e6 * busiest.core("hal9") / busiest.throughput();
            out.append(String.format(Locale.ROOT, "Per call, hal9 spent %.0f µs of CPU with one instance and %.0f µs "
                            + "with three (%.1fx), PostgreSQL %.0f and %.0f µs, HAProxy %.0f µs: ",
                    hal9One, hal9Three, hal9Three / hal9One, 1e6 * single.core("postgres") / single.throughput(),
                    1e6 * busiest.core("postgres") / busiest.throughput(),
                    1e6 * busiest.core("haproxy") / busiest.throughput()));
            out.append(hal9Three > hal9One * 1.1
                    ? "the same calls cost the JVMs more CPU when three share them, though each had as many warm-up "
                            + "calls. Three JVMs each run their own collector, JIT, pools and timers, and their three "
                            + "heaps and code caches take turns on the same two cores and their caches; this run does "
                            + "not take apart which of these it is. The balancer's hop is cheap beside that.\n\n"
                    : "the JVMs' cost per call hardly changes with three of them, and the balancer's hop is cheap.\n\n");
        }
        long errors = rows.stream().mapToLong(Row::errors).sum();
        double loadShare = single == null ? 0 : single.core("load");
        out.append("What this shows, and what it does not. On 2 cores every process here shares the same two CPUs: ")
                .append("the hal9 JVMs, PostgreSQL's backends, HAProxy, and the load generator itself")
                .append(single == null ? "" : String.format(Locale.ROOT, " (%.2f cores of the two in the run above)",
                        loadShare))
                .append(". ")
                .append(single == null || single.machine() >= 1.8
                        ? "With one instance the two cores are already busy"
                                + (single == null ? "" : String.format(Locale.ROOT, " (%.2f of 2.00)", single.machine()))
                                + ", so three instances add no CPU to serve with, "
                        : String.format(Locale.ROOT, "With one instance the machine was busy %.2f of 2.00, so "
                                + "something besides the CPU (waiting on the database, or on the clients) bounds it "
                                + "too; still, three instances add no CPU to serve with, ", single.machine()))
                .append("only two more JVMs and the balancer's hop, paid from the same two cores. ");
        out.append(threeAhead
                ? "Three instances came out ahead here all the same; on this machine that cannot be more capacity, "
                        + "only less waiting inside one instance (three connection pools of 8 against one, three "
                        + "sets of locks and queues), and it says nothing of what more machines would give. "
                : "So three instances cannot beat one here, and they did not. ");
        out.append("The numbers do show that the setup holds under load: new sessions spread over the three ")
                .append("instances (calls per instance), and ").append(errors).append(" call")
                .append(errors == 1 ? "" : "s").append(" in all failed, so every call of a session reached ")
                .append("the instance that holds it (another would not know the session); and they show what ")
                .append("PostgreSQL's round trip costs against embedded H2 on the same hardware. They do not ")
                .append("show how hal9 scales out: that needs each instance on cores (or a machine) of its own, ")
                .append("PostgreSQL and the load generator elsewhere, and a real network between them, whose ")
                .append("latency this loopback run leaves out. One run per row, at one moment: differences of a ")
                .append("few per cent between rows are within what a second run could change.");
        double leastRest = rows.stream().mapToDouble(Row::rest).min().orElse(0);
        double mostRest = rows.stream().mapToDouble(Row::rest).max().orElse(0);
        double interrupts = rows.stream().mapToDouble(Row::interrupts).max().orElse(0);
        if (mostRest > 0.15 || !quiet) {
            out.append(String.format(Locale.ROOT, " The rest column, CPU that none of this benchmark's processes "
                            + "took, was %.2f to %.2f cores (the kernel's interrupt handling, where loopback traffic "
                            + "is delivered, at most %.2f of it): ", leastRest, mostRest, interrupts))
                    .append(quiet
                            ? "the run began on a quiet machine, but other work on it started again during the run"
                            : "other work was running during this run")
                    .append(", so every figure here is lower, and the tails longer, than on a machine to itself.");
        }
        return out.append('\n').toString();
    }

    // ---- helpers

    static Map<String, List<String>> options(String[] args) {
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option, not " + args[i]);
            }
            options.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[i + 1]);
        }
        return options;
    }

    static String one(Map<String, List<String>> options, String name) {
        List<String> values = options.get(name);
        if (values == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return values.getFirst();
    }
}
