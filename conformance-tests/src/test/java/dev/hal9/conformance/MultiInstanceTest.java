package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.structured;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hal9.server.store.PostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: several hal9 instances on one PostgreSQL behind a real load balancer (HAProxy), sharing one browser pool
 * (a Playwright browser server). A client's handles resolve through whichever instance takes the call, a browser
 * session opened through one instance is driven through the others with its cookies and tabs, a Streamable HTTP
 * session stays on the instance that made it, and when one instance stops the load balancer's health checks drop it
 * and the others carry on, the browser session too.
 */
class MultiInstanceTest {

    private static final int INSTANCES = 3;

    @Test
    void anyInstanceServesAClientsHandlesAndTheOthersCarryOnWhenOneStops() throws Exception {
        try (PostgresServer postgres = PostgresServer.start();
                BrowserPoolServer pool = BrowserPoolServer.start();
                Site site = new Site()) {
            try (Connection admin = DriverManager.getConnection(postgres.url(), "postgres", "");
                    Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE hal9");
            }
            Map<String, String> database = Map.of(
                    "HAL9_DB_URL",
                    "jdbc:postgresql://127.0.0.1:" + postgres.port + "/hal9",
                    "HAL9_DB_USER",
                    "postgres");
            Map<String, String> instance = new HashMap<>(database);
            instance.put("HAL9_FAMILIES_BROWSER_CONNECT", pool.endpoint());
            List<PackagedServer> servers = new ArrayList<>();
            try {
                for (int i = 0; i < INSTANCES; i++) {
                    servers.add(PackagedServer.http(PackagedServer.newHome(), instance, "--auth", "token"));
                }
                // a token made once, through any instance's database, is good on all of them
                Map<String, String> cliEnvironment =
                        new HashMap<>(PackagedServer.environment(PackagedServer.newHome()));
                cliEnvironment.putAll(database);
                Peers.Result token = Peers.run(
                        List.of(
                                PackagedServer.java(),
                                "-jar",
                                PackagedServer.jar().toString(),
                                "token",
                                "create",
                                "--principal",
                                "alice",
                                "--capability",
                                "*"),
                        cliEnvironment,
                        Duration.ofSeconds(60));
                assertThat(token.exit()).as(token.stderr()).isZero();
                String secret = token.stdout().strip();

                try (HaProxy balancer =
                        HaProxy.start(servers.stream().map(PackagedServer::port).toList())) {
                    McpSyncClient first = client(balancer.base(), secret);
                    Map<?, ?> generated = ok(
                            first,
                            "contract_generate",
                            Map.of("template", "erc20", "name", "Shared Token", "symbol", "SHR"));
                    String contract = (String) generated.get("contract");
                    // one session, many calls: each goes to the instance that holds the session
                    for (int i = 0; i < 5; i++) {
                        assertThat(handles(first)).contains(contract);
                    }

                    // new sessions spread over the instances; every one sees the handle and works with it
                    List<McpSyncClient> others = new ArrayList<>();
                    for (int i = 0; i < 2 * INSTANCES; i++) {
                        McpSyncClient other = client(balancer.base(), secret);
                        others.add(other);
                        assertThat(handles(other)).contains(contract);
                        Map<?, ?> audit = ok(other, "contract_audit", Map.of("contract", contract));
                        assertThat(audit.get("contract")).isEqualTo(contract);
                    }
                    for (PackagedServer server : servers) {
                        assertThat(calls(server, "server_info"))
                                .as("server_info calls served by the instance on port " + server.port())
                                .isPositive();
                    }

                    // a browser session opened through the balancer, signed in with a cookie, on a second tab
                    String browser = (String) ok(
                                    first,
                                    "browser_session",
                                    Map.of("action", "open", "url", site.url("/sign-in?user=alice")))
                            .get("session");
                    ok(
                            first,
                            "browser_session",
                            Map.of("action", "tab_new", "session", browser, "url", site.url("/account")));
                    int opener = -1;
                    for (int i = 0; i < INSTANCES; i++) {
                        if (calls(servers.get(i), "browser_session") > 0) {
                            opener = i;
                        }
                    }
                    assertThat(opener)
                            .as("the instance that opened the browser session")
                            .isNotNegative();
                    // driven through each other instance in turn, the one to be killed last: each takes it over
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < INSTANCES; i++) {
                        if (i != opener && i != 1) {
                            order.add(i);
                        }
                    }
                    order.add(1);
                    for (int i : order) {
                        McpSyncClient direct = client(servers.get(i).base(), secret);
                        String page = text(direct, "browser_extract", Map.of("session", browser, "what", "text"));
                        assertThat(page)
                                .as("the session driven through instance " + i)
                                .contains("Signed in as alice", "moved to this one", "2 tab(s) were reopened");
                        direct.closeGracefully();
                    }

                    // each instance's /metrics says how many browser sessions it holds: instance 1 holds this one
                    assertThat(gauge(servers.get(1), "hal9_browser_sessions_held"))
                            .as("browser sessions instance 1 holds")
                            .isEqualTo(1);
                    assertThat(gauge(servers.get(1), "hal9_browser_sessions_max"))
                            .isEqualTo(50);

                    // one instance dies; the health checks take it out, and new sessions go to the others
                    servers.get(1).kill();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!"DOWN".equals(balancer.states().get("hal9-2")) && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertThat(balancer.states()).containsEntry("hal9-2", "DOWN");
                    for (int i = 0; i < 2 * INSTANCES; i++) {
                        McpSyncClient later = client(balancer.base(), secret);
                        others.add(later);
                        assertThat(handles(later)).contains(contract, browser);
                    }
                    // the instance that last held the browser session is gone; a survivor takes it over, signed in
                    McpSyncClient survivor = others.get(others.size() - 1);
                    assertThat(text(survivor, "browser_extract", Map.of("session", browser, "what", "text")))
                            .contains("Signed in as alice", "moved to this one");
                    ok(survivor, "browser_session", Map.of("action", "close", "session", browser));
                    assertThat(handles(client(balancer.base(), secret))).doesNotContain(browser);
                    others.forEach(McpSyncClient::closeGracefully);
                    first.closeGracefully();
                }
            } finally {
                servers.forEach(PackagedServer::close);
            }
        }
    }

    private static McpSyncClient client(String base, String secret) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base)
                        .endpoint("/mcp")
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                        .build())
                .requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("multi-instance-test", "1"))
                .build();
        client.initialize();
        return client;
    }

    private static Map<?, ?> ok(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest(tool, arguments));
        assertThat(result.isError())
                .as(tool + ": " + EvmPaymentsTest.text(result))
                .isNotEqualTo(Boolean.TRUE);
        return structured(result);
    }

    /** A tool's text result, which holds the notice a structured result keeps in a field. */
    private static String text(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest(tool, arguments));
        assertThat(result.isError())
                .as(tool + ": " + EvmPaymentsTest.text(result))
                .isNotEqualTo(Boolean.TRUE);
        return EvmPaymentsTest.text(result);
    }

    /** A site to sign in to: /sign-in?user=NAME sets a cookie, /account says who the cookie names. */
    private static final class Site implements AutoCloseable {
        private final HttpServer server;

        Site() throws java.io.IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/sign-in", exchange -> {
                String user = exchange.getRequestURI().getQuery().replaceFirst("^user=", "");
                exchange.getResponseHeaders().add("Set-Cookie", "user=" + user + "; Path=/; Max-Age=3600");
                send(exchange, "<title>Signed in</title><p>Welcome, " + user + "</p>");
            });
            server.createContext("/account", exchange -> {
                String cookie = exchange.getRequestHeaders().getFirst("Cookie");
                String user = cookie == null ? null : cookie.replaceFirst(".*user=([a-z]+).*", "$1");
                send(
                        exchange,
                        "<title>Account</title><p>" + (user == null ? "Not signed in" : "Signed in as " + user)
                                + "</p>");
            });
            server.start();
        }

        private static void send(HttpExchange exchange, String html) throws java.io.IOException {
            byte[] body = ("<!doctype html><html><body>" + html + "</body></html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** The handles server_info lists for the caller. */
    private static List<String> handles(McpSyncClient client) {
        List<String> handles = new ArrayList<>();
        for (Object handle : (List<?>) ok(client, "server_info", Map.of()).get("handles")) {
            handles.add(String.valueOf(((Map<?, ?>) handle).get("handle")));
        }
        return handles;
    }

    /** One instance's own value of a gauge without labels of its own, from its /metrics. */
    private static double gauge(PackagedServer server, String name) throws Exception {
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.base() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not on /metrics of port " + server.port()));
    }

    /** How many calls of a tool one instance served, from its own /metrics. */
    private static double calls(PackagedServer server, String tool) throws Exception {
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.base() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        double total = 0;
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("hal9_tool_calls_total{") && line.contains("mcp_tool_name=\"" + tool + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
