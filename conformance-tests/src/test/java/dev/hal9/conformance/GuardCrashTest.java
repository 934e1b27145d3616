package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly once across crashes: the server is killed with SIGKILL while a payment is approved but not signed,
 * signed and stored but not broadcast, or broadcast but not yet marked confirmed; restarted over the same data, it
 * reconciles from the chain and the recipient is paid exactly once (the sender's nonce moves by one). The points are
 * reached by holding the server's own RPC request in a proxy (test code), not by settings of the money code.
 */
class GuardCrashTest {

    private static final BigInteger AMOUNT = BigInteger.TEN.pow(16); // 0.01 ETH, below auto-approve

    private static Anvil anvil;
    private static String token;

    @BeforeAll
    static void chain() throws Exception {
        anvil = new Anvil();
        token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
    }

    @AfterAll
    static void stop() throws Exception {
        anvil.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"approved", "sent", "broadcast"})
    void killedMidPaymentRestartsWithoutASecondSend(String point) throws Exception {
        try (RpcProxy proxy = new RpcProxy(anvil.url);
                PaymentRig rig =
                        new PaymentRig(anvil, token, Map.of("HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", proxy.url()))) {
            // approved: signing asks for the sender's pending nonce; sent: the signed transaction is about to go
            // out; broadcast: it went out and the node answered, but the answer is not back yet
            RpcProxy.Hold hold =
                    switch (point) {
                        case "approved" ->
                            proxy.hold(
                                    "eth_getTransactionCount",
                                    p -> "pending".equals(p.path(1).asString("")),
                                    false);
                        case "sent" -> proxy.hold("eth_sendRawTransaction", p -> true, false);
                        default -> proxy.hold("eth_sendRawTransaction", p -> true, true);
                    };
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
            long nonce = anvil.nonce(rig.wallet);
            McpSyncClient alice = rig.client(rig.aliceSecret);
            CompletableFuture<?> call = CompletableFuture.runAsync(() -> EvmPaymentsTest.send(
                    alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.01")));
            assertThat(hold.reached(java.time.Duration.ofSeconds(60)))
                    .as("the server reached " + point)
                    .isTrue();
            String expected = point.equals("approved") ? "approved" : "sent";
            String id = awaitLedgerState(rig, expected);
            rig.server.kill();
            hold.drop(); // what the dead server asked for never reaches the chain
            // the call dies with the process; the client is dropped without waiting for its timeout
            call.cancel(true);
            alice.close();

            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .as("paid before the crash only if it was broadcast")
                    .isEqualTo(point.equals("broadcast") ? AMOUNT : BigInteger.ZERO);

            rig.restart(Map.of());
            try (McpSyncClient again = rig.client(rig.aliceSecret)) {
                Map<String, Object> payment = EvmPaymentsTest.awaitState(again, id, "confirmed");
                assertThat(payment.get("txHash")).isNotNull();
            }
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before)).isEqualTo(AMOUNT);
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 1);

            // secrets appear nowhere: not in the server's log, not in the data directory outside the keystore
            String exported = rig.cli(
                            "wallet", "export", "--principal", "alice", "--address", rig.wallet, "--i-understand")
                    .stdout()
                    .strip();
            assertThat(exported).matches("(0x)?[0-9a-f]{64}");
            String key = exported.replace("0x", "");
            assertThat(rig.server.log()).doesNotContain(key, PaymentRig.PASSPHRASE);
            try (var files = Files.walk(rig.home.resolve("data"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertThat(content).as(file.toString()).doesNotContain(key, PaymentRig.PASSPHRASE);
                }
            }
        }
    }

    /** Waits until the ledger (read with 'hal9 payments --all' while the server runs) shows a row in a state. */
    static String awaitLedgerState(PaymentRig rig, String state) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 60; i++) {
            last = rig.cli("payments", "--all", "--principal", "alice").stdout();
            for (String line : last.lines().toList()) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length > 1 && columns[0].startsWith("pay_") && columns[1].equals(state)) {
                    return columns[0];
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no payment became " + state + ":\n" + last);
    }
}
