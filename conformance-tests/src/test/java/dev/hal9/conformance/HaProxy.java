package dev.hal9.conformance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy (which .ci/run installs) in front of hal9 instances on loopback, as an operator runs it: new
 * sessions spread round robin, a Streamable HTTP session kept on the instance that made it (a stick table learns each
 * {@code Mcp-Session-Id} from the answer that created it), and instances checked on {@code /health/ready}; a stats
 * page reports each instance's state.
 */
final class HaProxy implements AutoCloseable {

    private final Process process;
    private final Peers.Drain log;
    final int port;
    private final int statsPort;
    private final HttpClient http = HttpClient.newHttpClient();

    private HaProxy(Process process, Peers.Drain log, int port, int statsPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.statsPort = statsPort;
    }

    /** Starts HAProxy in front of these ports of 127.0.0.1 and waits until it answers. */
    static HaProxy start(List<Integer> backends) throws Exception {
        int port = freePort();
        int statsPort = freePort();
        StringBuilder config = new StringBuilder("""
                global
                    maxconn 512
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 10m
                    timeout server 10m
                    # a health check may wait this long on a busy machine before it counts as failed
                    timeout check 5s
                frontend mcp
                    bind 127.0.0.1:%d
                    default_backend hal9
                backend hal9
                    balance roundrobin
                    # HTTP/1.1 with a Host hal9 accepts: HAProxy's default check is HTTP/1.0 without one
                    option httpchk
                    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host 127.0.0.1
                    http-check expect status 200
                    stick-table type string len 128 size 100k expire 1h
                    stick match req.hdr(mcp-session-id)
                    stick store-response res.hdr(mcp-session-id)
                """.formatted(port));
        for (int i = 0; i < backends.size(); i++) {
            config.append("    server hal9-")
                    .append(i + 1)
                    .append(" 127.0.0.1:")
                    .append(backends.get(i))
                    .append(" check inter 500ms fall 2 rise 2\n");
        }
        config.append("""
                listen stats
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                """.formatted(statsPort));
        Path file = Files.createTempFile("hal9-haproxy", ".cfg");
        Files.writeString(file, config);
        check(file);
        Process process = new ProcessBuilder(haproxy(), "-db", "-f", file.toString())
                .redirectErrorStream(true)
                .start();
        Peers.Drain log = Peers.drain(process.getInputStream());
        HaProxy proxy = new HaProxy(process, log, port, statsPort);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (proxy.states().size() < backends.size() || proxy.states().containsValue("DOWN")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                proxy.close();
                throw new IllegalStateException("HAProxy did not see its instances up:\n" + log.text());
            }
            Thread.sleep(100);
        }
        return proxy;
    }

    /** The address clients use. */
    String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Each instance's state by its health checks (UP, DOWN, ...), from the stats page. */
    Map<String, String> states() {
        Map<String, String> states = new HashMap<>();
        try {
            String csv = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : csv.lines().toList()) {
                String[] fields = line.split(",");
                // pxname, svname, ..., status is field 17
                if (fields.length > 17 && fields[0].equals("hal9") && fields[1].startsWith("hal9-")) {
                    states.put(fields[1], fields[17]);
                }
            }
        } catch (IOException e) {
            // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return states;
    }

    String log() {
        return log.text();
    }

    private static void check(Path file) throws Exception {
        Process check = new ProcessBuilder(haproxy(), "-c", "-q", "-f", file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(check.getInputStream().readAllBytes());
        if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
            throw new IllegalStateException("HAProxy refused its configuration:\n" + output);
        }
    }

    private static String haproxy() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("this test needs HAProxy: apt-get install haproxy (.ci/run installs it)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
