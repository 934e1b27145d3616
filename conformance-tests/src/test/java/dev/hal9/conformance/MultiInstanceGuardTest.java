package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.awaitState;
import static dev.hal9.conformance.EvmPaymentsTest.payment;
import static dev.hal9.conformance.EvmPaymentsTest.send;
import static dev.hal9.conformance.EvmPaymentsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.server.store.PostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: the guard across three instances on one PostgreSQL behind HAProxy. Sends raced through every instance at
 * once never pass the daily limit, and a payment whose instance is killed with SIGKILL after signing it, before it
 * reached the chain, is sent by a surviving instance, exactly once.
 */
class MultiInstanceGuardTest {

    private static final BigInteger ETHER = BigInteger.TEN.pow(18);

    @Test
    void raceAndCrashAcrossThreeInstancesPayOnlyWhatTheLimitAllowsAndEachPaymentOnce() throws Exception {
        try (Anvil anvil = new Anvil();
                PostgresServer postgres = PostgresServer.start();
                RpcProxy proxy = new RpcProxy(anvil.url)) {
            String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (Connection admin = DriverManager.getConnection(postgres.url(), "postgres", "");
                    Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE hal9");
            }
            // 25 payments of 0.1 ETH and their fees fit in 2.51 a day; a 26th does not
            try (PaymentRig rig = new PaymentRig(
                    anvil,
                    token,
                    Map.of(
                            "HAL9_DB_URL", "jdbc:postgresql://127.0.0.1:" + postgres.port + "/hal9",
                            "HAL9_DB_USER", "postgres",
                            "HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", proxy.url(),
                            "HAL9_GUARD_LIMITS_ANVIL_ETH_DAILY", "2.51",
                            "HAL9_GUARD_LIMITS_ANVIL_ETH_AUTO__APPROVE", "0.11"))) {
                // the same data directory (the keystore) and database for all three, as a shared volume would be
                List<PackagedServer> servers = new ArrayList<>(List.of(rig.server));
                List<McpSyncClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        servers.add(PackagedServer.http(rig.home, rig.environment(), "--auth", "token"));
                    }
                    try (HaProxy balancer = HaProxy.start(
                            servers.stream().map(PackagedServer::port).toList())) {
                        for (int i = 0; i < 6; i++) {
                            clients.add(client(balancer, rig.aliceSecret)); // new sessions go round the instances
                        }
                        BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
                        long nonce = anvil.nonce(rig.wallet);

                        List<McpSchema.CallToolResult> results = new ArrayList<>();
                        try (ExecutorService pool = Executors.newFixedThreadPool(60)) {
                            List<Future<McpSchema.CallToolResult>> futures = new ArrayList<>();
                            for (int i = 0; i < 60; i++) {
                                McpSyncClient client = clients.get(i % clients.size());
                                futures.add(pool.submit(() -> send(
                                        client,
                                        Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.1"))));
                            }
                            for (Future<McpSchema.CallToolResult> future : futures) {
                                results.add(future.get());
                            }
                        }
                        List<String> paid = new ArrayList<>();
                        for (McpSchema.CallToolResult result : results) {
                            if (Boolean.TRUE.equals(result.isError())) {
                                assertThat(text(result)).contains("daily limit for ETH on anvil is 2.51");
                            } else {
                                paid.add((String) payment(result).get("id"));
                            }
                        }
                        assertThat(paid).hasSize(25);
                        for (String id : paid) {
                            awaitState(clients.get(0), id, "confirmed");
                        }
                        assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 25);
                        assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                                .isEqualTo(
                                        ETHER.multiply(BigInteger.valueOf(25)).divide(BigInteger.TEN));

                        // the second instance signs a payment (0.005 ETH: what the day has left after the 25 and
                        // their fees) and is killed before the transaction leaves
                        RpcProxy.Hold hold = proxy.hold("eth_sendRawTransaction", params -> true, false);
                        McpSyncClient direct = new PaymentRig.Client(servers.get(1), rig.aliceSecret).open();
                        CompletableFuture<?> call = CompletableFuture.runAsync(() -> send(
                                direct, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.005")));
                        assertThat(hold.reached(Duration.ofSeconds(60)))
                                .as("the instance reached the broadcast")
                                .isTrue();
                        servers.get(1).kill();
                        hold.drop(); // what the dead instance sent never reaches the chain
                        call.cancel(true);
                        direct.close();
                        String id = paymentOf(rig, "send 0.005 ETH");

                        // a survivor sends the very transaction the dead one stored (its rounds follow every
                        // signed payment no live thread of theirs is sending), and only that one
                        Map<String, Object> ended = awaitState(clients.get(0), id, "confirmed");
                        assertThat(ended.get("txHash")).isNotNull();
                        assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 26);
                        assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                                .isEqualTo(
                                        ETHER.multiply(BigInteger.valueOf(2505)).divide(BigInteger.valueOf(1000)));
                    }
                } finally {
                    clients.forEach(McpSyncClient::closeGracefully);
                    for (PackagedServer server : servers.subList(1, servers.size())) {
                        server.close();
                    }
                }
            }
        }
    }

    /** The id of the payment whose summary starts so, from the ledger ('hal9 payments --all'). */
    private static String paymentOf(PaymentRig rig, String summary) {
        Peers.Result listed = rig.cli("payments", "--all", "--principal", "alice");
        assertThat(listed.exit()).as(listed.stderr()).isZero();
        for (String line : listed.stdout().lines().toList()) {
            String[] columns = line.trim().split("\\s+", 4);
            if (columns.length == 4 && columns[0].startsWith("pay_") && columns[3].startsWith(summary)) {
                return columns[0];
            }
        }
        throw new AssertionError("no payment '" + summary + "' in the ledger:\n" + listed.stdout());
    }

    private static McpSyncClient client(HaProxy balancer, String secret) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(balancer.base())
                        .endpoint("/mcp")
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                        .build())
                .requestTimeout(Duration.ofSeconds(180))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("multi-instance-guard-test", "1"))
                .build();
        client.initialize();
        return client;
    }
}
