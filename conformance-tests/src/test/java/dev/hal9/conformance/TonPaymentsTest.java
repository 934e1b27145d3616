package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.ton.ton4j.address.Address;
import org.ton.ton4j.smartcontract.token.ft.JettonMinter;
import org.ton.ton4j.smartcontract.token.nft.NftUtils;
import org.ton.ton4j.toncenter.TonCenter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * TON end to end: the packaged server's ton_wallet and ton_send, through its real toncenter client (ton4j),
 * against @ton/sandbox (a real TVM) behind a toncenter-v2-style shim. The wallet deploys with its first transfer;
 * the guard auto-approves small amounts and waits for a person above them.
 */
class TonPaymentsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    @SuppressWarnings("unchecked")
    void tonTransfersDeployTheWalletAndGoThroughTheGuard() throws Exception {
        Process shim = new ProcessBuilder(
                        Peers.node22(),
                        Peers.dir().resolve("clients/toncenter-shim.mjs").toString(),
                        "0")
                .directory(Peers.dir().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String listening =
                    new BufferedReader(new InputStreamReader(shim.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(listening).startsWith("listening ");
            String endpoint = "http://127.0.0.1:" + listening.substring("listening ".length());
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            environment.put("HAL9_KEYSTORE_PASSPHRASE", PaymentRig.PASSPHRASE);
            environment.put("HAL9_CAPABILITIES_ENABLED", "chain.write");
            environment.put("HAL9_FAMILIES_CHAIN_TON_ENDPOINT", endpoint);
            environment.put("HAL9_GUARD_LIMITS_TON_TON_DAILY", "10");
            environment.put("HAL9_GUARD_LIMITS_TON_TON_PER__CALL", "5");
            environment.put("HAL9_GUARD_LIMITS_TON_TON_AUTO__APPROVE", "2");
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            String raw = cli(environment, "wallet", "create", "--principal", "alice", "--chain", "ton");
            assertThat(raw).matches("0:[0-9a-f]{64}");
            Address wallet = Address.of(raw);
            String bobSecret = cli(environment, "token", "create", "--principal", "bob", "--capability", "*");
            Address bobWallet = Address.of(cli(
                    environment, "wallet", "create", "--principal", "bob", "--chain", "ton", "--ton-contract", "v5r1"));
            shim(endpoint, "/shim/fund", Map.of("address", bobWallet.toRaw(), "amount", "5000000000"));
            shim(endpoint, "/shim/fund", Map.of("address", raw, "amount", "20000000000")); // 20 TON

            // a TEP-74 jetton (ton4j's jetton-minter code), 6 decimals like USDT, 1,000 minted to alice's wallet
            Address treasury = Address.of(shim(endpoint, "/shim/treasury", null).asString());
            JettonMinter minter = JettonMinter.builder()
                    .adminAddress(treasury)
                    .content(NftUtils.createOffChainUriCell("https://example.invalid/tusdt.json"))
                    .build();
            Address master = minter.getAddress();
            shim(
                    endpoint,
                    "/shim/send",
                    Map.of(
                            "to", master.toRaw(),
                            "amount", "1000000000",
                            "code", TonSandbox.base64(minter.createCodeCell()),
                            "data", TonSandbox.base64(minter.createDataCell())));
            shim(
                    endpoint,
                    "/shim/send",
                    Map.of(
                            "to", master.toRaw(),
                            "amount", "200000000",
                            "body",
                                    TonSandbox.base64(JettonMinter.createMintBody(
                                            1,
                                            wallet,
                                            BigInteger.valueOf(50_000_000L),
                                            BigInteger.valueOf(1_000_000_000L),
                                            null,
                                            treasury,
                                            BigInteger.ZERO,
                                            null))));
            environment.put("HAL9_FAMILIES_CHAIN_TON_JETTONS", "TUSDT=" + master.toBounceable() + ":6");
            environment.put("HAL9_GUARD_LIMITS_TON_TUSDT_DAILY", "100");
            environment.put("HAL9_GUARD_LIMITS_TON_TUSDT_AUTO__APPROVE", "50");
            TonCenter toncenter = TonCenter.builder().endpoint(endpoint).build();
            assertThat(TonSandbox.jettons(toncenter, master, wallet)).isEqualTo(BigInteger.valueOf(1_000_000_000L));

            Address recipient =
                    Address.of("0:" + HexFormat.of().formatHex(new byte[32]).replace("00", "7a"));
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token");
                    McpSyncClient alice = new PaymentRig.Client(server, secret).open()) {
                Map<?, ?> listed = EvmPaymentsTest.structured(
                        alice.callTool(new McpSchema.CallToolRequest("ton_wallet", Map.of("action", "list"))));
                Map<?, ?> mine = (Map<?, ?>) ((List<?>) listed.get("wallets")).get(0);
                assertThat(mine.get("address")).isEqualTo(wallet.toNonBounceable());
                assertThat(mine.get("bounceable")).isEqualTo(wallet.toBounceable());
                assertThat(mine.get("raw")).isEqualTo(raw);

                Map<?, ?> balance = (Map<?, ?>) ((List<?>) EvmPaymentsTest.structured(alice.callTool(
                                        new McpSchema.CallToolRequest("ton_wallet", Map.of("action", "balance"))))
                                .get("balances"))
                        .get(0);
                assertThat(balance.get("amount")).isEqualTo("20");
                assertThat(balance.get("state")).isEqualTo("uninitialized");

                // bad input: each refused with what to do, nothing recorded
                assertThat(EvmPaymentsTest.error(send(alice, recipient.toBounceable(), "1")))
                        .contains("bounceable", recipient.toNonBounceable());
                assertThat(EvmPaymentsTest.error(send(alice, recipient.toNonBounceable(), "0.0000000001")))
                        .contains("has 10 decimals but TON has only 9");
                assertThat(EvmPaymentsTest.error(send(alice, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "1")))
                        .contains("is an EVM address");
                assertThat(EvmPaymentsTest.error(send(alice, "UQnotanaddress", "1")))
                        .contains("is not a TON address");
                assertThat(EvmPaymentsTest.error(send(alice, recipient.toNonBounceable(), "19.9999")))
                        .contains("insufficient TON");
                assertThat(EvmPaymentsTest.error(send(alice, recipient.toNonBounceable(), "6")))
                        .contains("per-call limit of 5 TON");

                // below the auto-approve threshold: the first transfer deploys the wallet and pays
                Map<String, Object> first = EvmPaymentsTest.payment(send(alice, recipient.toNonBounceable(), "1.5"));
                assertThat(first.get("state")).isEqualTo("confirmed");
                assertThat(((Map<?, ?>) first.get("preview")).get("wallet"))
                        .asString()
                        .contains("deploys");
                // the fee is the network's own estimate of this very message (toncenter estimateFee)
                assertThat(String.valueOf(((Map<?, ?>) first.get("preview")).get("fee")))
                        .matches("0\\.00[0-9]+ TON \\(the network's estimate\\)");
                assertThat(state(endpoint, raw)).isEqualTo("active");
                assertThat(balanceOf(endpoint, recipient.toRaw())).isEqualTo(BigInteger.valueOf(1_500_000_000L));

                // above it: pending until a person approves on the command line
                Map<String, Object> second = EvmPaymentsTest.payment(send(alice, recipient.toNonBounceable(), "3"));
                assertThat(second.get("state")).isEqualTo("pending");
                Peers.Result approved = PackagedServer.cli(home, "approve", (String) second.get("id"));
                assertThat(approved.exit()).as(approved.stderr()).isZero();
                EvmPaymentsTest.awaitState(alice, (String) second.get("id"), "confirmed");
                // the whole amount arrives (send mode 3); the recipient's own storage fee may take a nanoton or two
                assertThat(balanceOf(endpoint, recipient.toRaw()))
                        .isBetween(BigInteger.valueOf(4_499_999_000L), BigInteger.valueOf(4_500_000_000L));

                // a jetton: TEP-74 transfer from alice's jetton wallet to the recipient's, with a comment
                assertThat(EvmPaymentsTest.error(sendToken(alice, recipient.toNonBounceable(), "0.0000001", "TUSDT")))
                        .contains("has 7 decimals but TUSDT has only 6");
                assertThat(EvmPaymentsTest.error(sendToken(alice, recipient.toNonBounceable(), "5000", "TUSDT")))
                        .contains("insufficient TUSDT", "has 1000 TUSDT");
                assertThat(EvmPaymentsTest.error(sendToken(alice, recipient.toNonBounceable(), "1", "NOPE")))
                        .contains("not a jetton the operator configured (TUSDT)");
                Map<String, Object> jetton =
                        EvmPaymentsTest.payment(sendToken(alice, recipient.toNonBounceable(), "12.5", "TUSDT"));
                assertThat(jetton.get("state")).as(String.valueOf(jetton)).isEqualTo("confirmed");
                assertThat(jetton.get("asset")).isEqualTo("TUSDT");
                assertThat(TonSandbox.jettons(toncenter, master, recipient)).isEqualTo(BigInteger.valueOf(12_500_000L));
                assertThat(TonSandbox.jettons(toncenter, master, wallet)).isEqualTo(BigInteger.valueOf(987_500_000L));
                Map<?, ?> tusdt =
                        (Map<?, ?>) ((List<?>) EvmPaymentsTest.structured(alice.callTool(new McpSchema.CallToolRequest(
                                                "ton_wallet", Map.of("action", "balance", "token", "TUSDT"))))
                                        .get("balances"))
                                .get(0);
                assertThat(tusdt.get("amount")).isEqualTo("987.5");
                assertThat(tusdt.get("asset")).isEqualTo("TUSDT");

                // alice's history, newest first: the jetton order, the two TON transfers out, the funding in
                List<Map<?, ?>> history =
                        (List<Map<?, ?>>) EvmPaymentsTest.structured(alice.callTool(new McpSchema.CallToolRequest(
                                        "ton_wallet", Map.of("action", "transactions", "limit", 10))))
                                .get("transactions");
                assertThat(history)
                        .extracting(t -> t.get("direction") + " " + t.get("amount"))
                        .contains("out 1.5", "out 3", "in 20");
                assertThat(history)
                        .extracting(t -> String.valueOf(t.get("counterparty")))
                        .contains(recipient.toNonBounceable());

                // bob has a V5R1 (W5) wallet: it deploys with its first transfer too; he cannot touch alice's
                try (McpSyncClient bob = new PaymentRig.Client(server, bobSecret).open()) {
                    Map<?, ?> bobs = (Map<?, ?>) ((List<?>) EvmPaymentsTest.structured(bob.callTool(
                                            new McpSchema.CallToolRequest("ton_wallet", Map.of("action", "list"))))
                                    .get("wallets"))
                            .get(0);
                    assertThat(bobs.get("version")).isEqualTo("v5r1");
                    assertThat(bobs.get("address")).isEqualTo(bobWallet.toNonBounceable());
                    assertThat(EvmPaymentsTest.error(bob.callTool(new McpSchema.CallToolRequest(
                                    "ton_send",
                                    Map.of("to", recipient.toNonBounceable(), "amount", "1", "from", raw)))))
                            .contains("is not one of your TON wallets");
                    BigInteger before = balanceOf(endpoint, recipient.toRaw());
                    Map<String, Object> fromBob = EvmPaymentsTest.payment(send(bob, recipient.toNonBounceable(), "1"));
                    assertThat(fromBob.get("state")).isEqualTo("confirmed");
                    assertThat(state(endpoint, bobWallet.toRaw())).isEqualTo("active");
                    assertThat(balanceOf(endpoint, recipient.toRaw()).subtract(before))
                            .isBetween(BigInteger.valueOf(999_999_000L), BigInteger.valueOf(1_000_000_000L));
                }
                assertThat(server.log()).doesNotContain(PaymentRig.PASSPHRASE);
            }
        } finally {
            shim.destroy();
            shim.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static McpSchema.CallToolResult sendToken(McpSyncClient client, String to, String amount, String token) {
        return client.callTool(new McpSchema.CallToolRequest(
                "ton_send", Map.of("to", to, "amount", amount, "token", token, "comment", "invoice 42")));
    }

    /** An owner's jetton balance, read the way a wallet app does: the master's get_wallet_address, then the data. */
    private static McpSchema.CallToolResult send(McpSyncClient client, String to, String amount) {
        return client.callTool(new McpSchema.CallToolRequest("ton_send", Map.of("to", to, "amount", amount)));
    }

    private static String cli(Map<String, String> environment, String... arguments) {
        List<String> command = new java.util.ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Peers.Result result = Peers.run(command, environment, Duration.ofSeconds(60));
        assertThat(result.exit()).as(result.stderr()).isZero();
        return result.stdout().strip();
    }

    private static JsonNode shim(String endpoint, String path, Object body) throws Exception {
        return TonSandbox.shim(endpoint, path, body);
    }

    private static BigInteger balanceOf(String endpoint, String raw) throws Exception {
        return new BigInteger(
                shim(endpoint, "/getAddressBalance?address=" + raw, null).asString());
    }

    private static String state(String endpoint, String raw) throws Exception {
        return shim(endpoint, "/getAddressState?address=" + raw, null).asString();
    }
}
