package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A hal9 server set up for payments on anvil, the way an operator would: tokens for alice and bob and an approver
 * token for alice ({@code hal9 token create}), a wallet for alice ({@code hal9 wallet create}) funded with ETH
 * and the test token, the network and the guard's limits in HAL9_* variables. {@link #restart} starts it again
 * over the same data, as after a crash.
 */
final class PaymentRig implements AutoCloseable {

    static final String PASSPHRASE = "correct-horse-battery-staple";
    static final String RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    final Anvil anvil;
    final String token;
    final Path home;
    final String aliceSecret;
    final String bobSecret;
    final String approverSecret;
    final String wallet;
    private final Map<String, String> environment = new HashMap<>();
    PackagedServer server;

    PaymentRig(Anvil anvil, String token, Map<String, String> settings) throws Exception {
        this.anvil = anvil;
        this.token = token;
        this.home = PackagedServer.newHome();
        environment.put("HAL9_KEYSTORE_PASSPHRASE", PASSPHRASE);
        environment.put("HAL9_CAPABILITIES_ENABLED", "chain.write");
        environment.put("HAL9_FAMILIES_CHAIN_EVM__NETWORKS", "anvil");
        environment.put("HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", anvil.url);
        environment.put("HAL9_FAMILIES_CHAIN_EVM_ANVIL_CHAIN__ID", String.valueOf(Anvil.CHAIN_ID));
        environment.put("HAL9_FAMILIES_CHAIN_EVM_ANVIL_TOKENS", "TUSD=" + token);
        environment.put("HAL9_GUARD_LIMITS_ANVIL_ETH_DAILY", "2.5");
        environment.put("HAL9_GUARD_LIMITS_ANVIL_ETH_PER__CALL", "1");
        environment.put("HAL9_GUARD_LIMITS_ANVIL_ETH_AUTO__APPROVE", "0.1");
        environment.put("HAL9_GUARD_LIMITS_ANVIL_TUSD_DAILY", "100");
        environment.put("HAL9_GUARD_LIMITS_ANVIL_TUSD_PER__CALL", "50");
        environment.putAll(settings);
        aliceSecret = secret("token", "create", "--principal", "alice", "--capability", "*");
        bobSecret = secret("token", "create", "--principal", "bob", "--capability", "*");
        approverSecret = secret("token", "create", "--principal", "alice", "--capability", "payments.approve");
        wallet = secret("wallet", "create", "--principal", "alice", "--label", "spending");
        anvil.sendFromFunder(wallet, BigInteger.TEN.pow(19), null); // 10 ETH
        anvil.tokenFromFunder(token, wallet, BigInteger.valueOf(1_000_000_000L)); // 1,000 TUSD
        server = PackagedServer.http(home, environment, "--auth", "token");
    }

    private String secret(String... arguments) {
        Peers.Result result = cli(arguments);
        assertThat(result.exit()).as(result.stderr()).isZero();
        return result.stdout().strip();
    }

    /** A hal9 CLI command over this rig's data, with the operator's environment. */
    Peers.Result cli(String... arguments) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(java.util.List.of(arguments));
        Map<String, String> all = new HashMap<>(PackagedServer.environment(home));
        all.putAll(environment);
        return Peers.run(command, all, Duration.ofSeconds(60));
    }

    /** The operator's environment for this rig's data: what the CLI and the server run with. */
    Map<String, String> environment() {
        Map<String, String> all = new HashMap<>(PackagedServer.environment(home));
        all.putAll(environment);
        return all;
    }

    /** Starts the server again over the same data, with settings changed. */
    void restart(Map<String, String> settings) {
        saveLog();
        environment.putAll(settings);
        server = PackagedServer.http(home, environment, "--auth", "token");
    }

    McpSyncClient client(String secret) {
        return client(secret, spec -> spec);
    }

    McpSyncClient client(String secret, UnaryOperator<McpClient.SyncSpec> customize) {
        McpSyncClient client = customize
                .apply(McpClient.sync(HttpClientStreamableHttpTransport.builder(server.base())
                                .endpoint("/mcp")
                                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                                .build())
                        .requestTimeout(Duration.ofSeconds(180))
                        .initializationTimeout(Duration.ofSeconds(60))
                        .clientInfo(new McpSchema.Implementation("payments-test", "1")))
                .build();
        client.initialize();
        return client;
    }

    /** Keeps the server's log under target/payment-rigs, to read when a test fails. */
    private void saveLog() {
        try {
            Path folder = java.nio.file.Files.createDirectories(Path.of("target", "payment-rigs"));
            java.nio.file.Files.writeString(
                    folder.resolve(home.getFileName() + ".log"),
                    server.log(),
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A Java SDK client over Streamable HTTP with a bearer token, for a server set up by hand. */
    record Client(PackagedServer server, String secret) {
        McpSyncClient open() {
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(server.base())
                            .endpoint("/mcp")
                            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                            .build())
                    .requestTimeout(Duration.ofSeconds(180))
                    .initializationTimeout(Duration.ofSeconds(60))
                    .clientInfo(new McpSchema.Implementation("payments-test", "1"))
                    .build();
            client.initialize();
            return client;
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            saveLog();
        }
    }
}
