package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.structured;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.server.store.PostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Issue 19: several hal9 instances on one PostgreSQL behind a real load balancer (HAProxy). A client's handles resolve
 * through whichever instance takes the call, a Streamable HTTP session stays on the instance that made it, and when
 * one instance stops the load balancer's health checks drop it and the others carry on.
 */
class MultiInstanceTest {

    private static final int INSTANCES = 3;

    @Test
    void anyInstanceServesAClientsHandlesAndTheOthersCarryOnWhenOneStops() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            try (Connection admin = DriverManager.getConnection(postgres.url(), "postgres", "");
                    Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE hal9");
            }
            Map<String, String> database = Map.of(
                    "HAL9_DB_URL",
                    "jdbc:postgresql://127.0.0.1:" + postgres.port + "/hal9",
                    "HAL9_DB_USER",
                    "postgres");
            List<PackagedServer> servers = new ArrayList<>();
            try {
                for (int i = 0; i < INSTANCES; i++) {
                    servers.add(PackagedServer.http(PackagedServer.newHome(), database, "--auth", "token"));
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
                    McpSyncClient first = client(balancer, secret);
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
                        McpSyncClient other = client(balancer, secret);
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

                    // one instance dies; the health checks take it out, and new sessions go to the others
                    servers.get(1).kill();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!"DOWN".equals(balancer.states().get("hal9-2")) && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertThat(balancer.states()).containsEntry("hal9-2", "DOWN");
                    for (int i = 0; i < 2 * INSTANCES; i++) {
                        McpSyncClient later = client(balancer, secret);
                        others.add(later);
                        assertThat(handles(later)).contains(contract);
                    }
                    others.forEach(McpSyncClient::closeGracefully);
                    first.closeGracefully();
                }
            } finally {
                servers.forEach(PackagedServer::close);
            }
        }
    }

    private static McpSyncClient client(HaProxy balancer, String secret) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(balancer.base())
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

    /** The handles server_info lists for the caller. */
    private static List<String> handles(McpSyncClient client) {
        List<String> handles = new ArrayList<>();
        for (Object handle : (List<?>) ok(client, "server_info", Map.of()).get("handles")) {
            handles.add(String.valueOf(((Map<?, ?>) handle).get("handle")));
        }
        return handles;
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
