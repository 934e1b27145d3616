package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Value moving end to end: an MCP client (the Java SDK over Streamable HTTP) calls evm_send on the packaged
 * server; the guard checks limits, asks a person (the CLI, the approvals page, or an elicitation where policy
 * lets it) and sends exactly once to anvil, where the test checks the balances. A real ERC-20 compiled by solc.
 */
class EvmPaymentsTest {

    private static final BigInteger ETHER = BigInteger.TEN.pow(18);

    private static Anvil anvil;
    private static String token;
    private static String otherToken;

    @BeforeAll
    static void chain() throws Exception {
        anvil = new Anvil();
        token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L)); // 1,000,000 TUSD (6 decimals)
        otherToken = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
    }

    @AfterAll
    static void stop() throws Exception {
        anvil.close();
    }

    @Test
    void nativeAndTokenTransfersWithAutoApprovalAndTheCli() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of());
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);

            // at or below the auto-approve threshold: sent and confirmed within the call
            Map<String, Object> small = payment(send(
                    alice,
                    Map.of(
                            "network",
                            "anvil",
                            "to",
                            PaymentRig.RECIPIENT,
                            "amount",
                            "0.05",
                            "idempotencyKey",
                            "order-1")));
            assertThat(small.get("state")).isEqualTo("confirmed");
            assertThat(small.get("approvedVia")).isEqualTo("auto-approve");
            assertThat((String) small.get("txHash")).matches("0x[0-9a-f]{64}");
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.divide(BigInteger.valueOf(20)));

            // the same idempotency key returns the same payment and sends nothing more
            Map<String, Object> again = payment(send(
                    alice,
                    Map.of(
                            "network",
                            "anvil",
                            "to",
                            PaymentRig.RECIPIENT,
                            "amount",
                            "0.05",
                            "idempotencyKey",
                            "order-1")));
            assertThat(again.get("id")).isEqualTo(small.get("id"));
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.divide(BigInteger.valueOf(20)));
            assertThat(error(send(
                            alice,
                            Map.of(
                                    "network",
                                    "anvil",
                                    "to",
                                    PaymentRig.RECIPIENT,
                                    "amount",
                                    "0.06",
                                    "idempotencyKey",
                                    "order-1"))))
                    .contains("idempotency key 'order-1' was used for another payment");

            // a token transfer above the threshold waits for a person
            Map<String, Object> pending = payment(send(
                    alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "12.5", "token", "TUSD")));
            assertThat(pending.get("state")).isEqualTo("pending");
            assertThat((String) pending.get("next")).contains("hal9 approve " + pending.get("id"), "/approvals");
            assertThat(((Map<?, ?>) pending.get("preview")).get("token contract"))
                    .isNotNull();
            assertThat(anvil.tokenBalance(token, PaymentRig.RECIPIENT)).isZero();

            Peers.Result listed = rig.cli("payments");
            assertThat(listed.stdout()).contains((String) pending.get("id"), "send 12.5 TUSD on anvil");
            Peers.Result approved = rig.cli("approve", (String) pending.get("id"));
            assertThat(approved.exit()).as(approved.stderr()).isZero();
            Map<String, Object> done = awaitState(alice, (String) pending.get("id"), "confirmed");
            assertThat(done.get("approvedVia")).isEqualTo("cli");
            assertThat(anvil.tokenBalance(token, PaymentRig.RECIPIENT)).isEqualTo(BigInteger.valueOf(12_500_000));
            assertThat(rig.cli("approve", (String) pending.get("id")).stderr()).contains("is confirmed, not pending");

            // ERC-20 balance through evm_wallet
            Map<?, ?> balances = structured(alice.callTool(new McpSchema.CallToolRequest(
                    "evm_wallet", Map.of("action", "balance", "network", "anvil", "token", "TUSD"))));
            Map<?, ?> balance = (Map<?, ?>) ((List<?>) balances.get("balances")).get(0);
            assertThat(balance.get("amount")).isEqualTo("987.5");
            assertThat(balance.get("symbol")).isEqualTo("TUSD");

            // payment_status lists both, newest first
            Map<?, ?> status = structured(alice.callTool(new McpSchema.CallToolRequest("payment_status", Map.of())));
            assertThat((List<?>) status.get("payments")).hasSize(2);

            // no tool result, and no line of the server's log, holds the wallet's key or the keystore passphrase
            String key = rig.cli("wallet", "export", "--principal", "alice", "--address", rig.wallet, "--i-understand")
                    .stdout()
                    .strip()
                    .replace("0x", "");
            assertThat(key).matches("[0-9a-f]{64}");
            String seen = String.valueOf(List.of(small, again, pending, done, balances, status));
            assertThat(seen).doesNotContain(key, PaymentRig.PASSPHRASE);
            assertThat(rig.server.log()).doesNotContain(key, PaymentRig.PASSPHRASE);
        }
    }

    @Test
    void badInputIsRefusedWithAClearReasonAndRecordsNothing() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of());
                McpSyncClient alice = rig.client(rig.aliceSecret);
                McpSyncClient bob = rig.client(rig.bobSecret)) {
            Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put("0.0000001|TUSD|" + PaymentRig.RECIPIENT, "has 7 decimals but TUSD has only 6");
            cases.put("0|ETH|" + PaymentRig.RECIPIENT, "must be more than zero");
            cases.put("-1|ETH|" + PaymentRig.RECIPIENT, "plain decimal number");
            cases.put("1e3|ETH|" + PaymentRig.RECIPIENT, "plain decimal number");
            cases.put("1" + "0".repeat(78) + "|ETH|" + PaymentRig.RECIPIENT, "larger than any ETH amount can be");
            cases.put("1|ETH|0x70997970c51812dc3a010c7d01b50e0d17dc79C8", "wrong EIP-55 checksum");
            cases.put(
                    "1|ETH|EQD2NmD_lH5f5u1Kj3KfGyTvhZSX0Eg6qp2a5IQUKXxOG21n", "/to: does not match the regex pattern");
            cases.put("1|FOO|" + PaymentRig.RECIPIENT, "'FOO' is not a token configured on anvil");
            cases.put("5000|ETH|" + PaymentRig.RECIPIENT, "insufficient ETH");
            cases.put("2000|TUSD|" + PaymentRig.RECIPIENT, "insufficient TUSD: ");
            cases.put("1.5|ETH|" + PaymentRig.RECIPIENT, "over the per-call limit of 1 ETH");
            cases.put(
                    "1|" + token.toLowerCase().replace("0x", "0x") + "|0x0000000000000000000000000000000000000000",
                    "transfer to the zero address");
            for (var entry : cases.entrySet()) {
                String[] parts = entry.getKey().split("\\|");
                Map<String, Object> arguments =
                        new HashMap<>(Map.of("network", "anvil", "to", parts[2], "amount", parts[0]));
                arguments.put("token", parts[1]);
                assertThat(error(send(alice, arguments))).as(entry.getKey()).contains(entry.getValue());
            }
            assertThat(error(send(alice, Map.of("network", "goerli", "to", PaymentRig.RECIPIENT, "amount", "1"))))
                    .contains("configured networks are");
            // a token the operator did not name, even one called TUSD, has no limits and cannot be spent
            anvil.tokenFromFunder(otherToken, rig.wallet, BigInteger.valueOf(10_000_000));
            assertThat(error(send(
                            alice,
                            Map.of(
                                    "network",
                                    "anvil",
                                    "to",
                                    PaymentRig.RECIPIENT,
                                    "amount",
                                    "1",
                                    "token",
                                    otherToken))))
                    .contains("set no daily limit for " + otherToken.toLowerCase());

            // bob cannot see or spend alice's wallet
            assertThat(error(send(
                            bob,
                            Map.of(
                                    "network",
                                    "anvil",
                                    "to",
                                    PaymentRig.RECIPIENT,
                                    "amount",
                                    "0.01",
                                    "from",
                                    rig.wallet))))
                    .contains("is not one of your wallets");
            Map<?, ?> bobs =
                    structured(bob.callTool(new McpSchema.CallToolRequest("evm_wallet", Map.of("action", "list"))));
            assertThat((List<?>) bobs.get("wallets")).isEmpty();

            Map<?, ?> status = structured(alice.callTool(new McpSchema.CallToolRequest("payment_status", Map.of())));
            assertThat((List<?>) status.get("payments")).as("nothing recorded").isEmpty();
        }
    }

    @Test
    void theApprovalsPageDecidesOnlyWithAnApproverTokenAndForItsOwner() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of());
                McpSyncClient alice = rig.client(rig.aliceSecret);
                McpSyncClient bob = rig.client(rig.bobSecret)) {
            Map<String, Object> first =
                    payment(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.5")));
            Map<String, Object> second =
                    payment(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.25")));
            String approvals = rig.server.base() + "/approvals/";
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);

            // the MCP token (even '*') is not an approver token; bob's payments page does not have alice's
            assertThat(post(approvals + first.get("id") + "/approve", rig.aliceSecret)
                            .statusCode())
                    .isEqualTo(401);
            assertThat(post(approvals + first.get("id") + "/approve", null).statusCode())
                    .isEqualTo(401);
            String bobApprover = rig.cli("token", "create", "--principal", "bob", "--capability", "payments.approve")
                    .stdout()
                    .strip();
            HttpResponse<String> foreign = post(approvals + first.get("id") + "/approve", bobApprover);
            assertThat(foreign.statusCode()).isEqualTo(409);
            assertThat(foreign.body()).contains("no payment " + first.get("id") + " of yours");
            assertThat(error(bob.callTool(
                            new McpSchema.CallToolRequest("payment_status", Map.of("id", first.get("id"))))))
                    .contains("not found");

            // the page lists what waits, for a signed-in approver
            HttpResponse<String> page = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(rig.server.base() + "/approvals"))
                                    .header("Cookie", "hal9_approver=" + rig.approverSecret)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("send 0.5 ETH on anvil", "send 0.25 ETH on anvil", "Approve and send");

            assertThat(post(approvals + first.get("id") + "/approve", rig.approverSecret)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(post(approvals + second.get("id") + "/decline", rig.approverSecret)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(awaitState(alice, (String) first.get("id"), "confirmed").get("approvedVia"))
                    .isEqualTo("web");
            assertThat(awaitState(alice, (String) second.get("id"), "declined").get("txHash"))
                    .isNull();
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before)).isEqualTo(ETHER.divide(BigInteger.TWO));
        }
    }

    @Test
    void expiredAndDeclinedConfirmationsSendNothing() throws Exception {
        try (PaymentRig rig = new PaymentRig(
                        anvil,
                        token,
                        Map.of("HAL9_GUARD_APPROVAL__TIMEOUT__SECONDS", "2", "HAL9_GUARD_ELICITATION", "true"));
                McpSyncClient noElicitation = rig.client(rig.aliceSecret);
                McpSyncClient declining =
                        rig.client(rig.aliceSecret, spec -> spec.capabilities(McpSchema.ClientCapabilities.builder()
                                        .elicitation()
                                        .build())
                                .elicitation(request ->
                                        new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null)));
                McpSyncClient accepting =
                        rig.client(rig.aliceSecret, spec -> spec.capabilities(McpSchema.ClientCapabilities.builder()
                                        .elicitation()
                                        .build())
                                .elicitation(request -> {
                                    assertThat(request.message()).contains("send 0.3 ETH on anvil");
                                    return new McpSchema.ElicitResult(
                                            McpSchema.ElicitResult.Action.ACCEPT, Map.of("approve", true));
                                }))) {
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
            long nonce = anvil.nonce(rig.wallet);

            Map<String, Object> expiring = payment(
                    send(noElicitation, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.2")));
            assertThat(expiring.get("state")).isEqualTo("pending");
            awaitState(noElicitation, (String) expiring.get("id"), "expired");
            assertThat(rig.cli("approve", (String) expiring.get("id")).stderr()).contains("is expired, not pending");

            Map<String, Object> declined =
                    payment(send(declining, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.2")));
            assertThat(declined.get("state")).isEqualTo("declined");
            assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce);

            Map<String, Object> accepted =
                    payment(send(accepting, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.3")));
            assertThat(accepted.get("state")).isEqualTo("confirmed");
            assertThat(accepted.get("approvedVia")).isEqualTo("elicitation");
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.multiply(BigInteger.valueOf(3)).divide(BigInteger.TEN));
        }
    }

    @Test
    void aClientsYesDoesNotCountUnlessTheOperatorSaysSo() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of());
                McpSyncClient accepting =
                        rig.client(rig.aliceSecret, spec -> spec.capabilities(McpSchema.ClientCapabilities.builder()
                                        .elicitation()
                                        .build())
                                .elicitation(request -> new McpSchema.ElicitResult(
                                        McpSchema.ElicitResult.Action.ACCEPT, Map.of("approve", true))))) {
            Map<String, Object> pending =
                    payment(send(accepting, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.2")));
            assertThat(pending.get("state")).isEqualTo("pending");
        }
    }

    @Test
    void aHundredConcurrentSendsNeverExceedTheDailyLimit() throws Exception {
        // 25 payments of 0.1 ETH and each one's fee (at most about 0.00007 ETH here) fit in 2.51; a 26th does not
        try (PaymentRig rig = new PaymentRig(
                        anvil,
                        token,
                        Map.of(
                                "HAL9_GUARD_LIMITS_ANVIL_ETH_DAILY",
                                "2.51",
                                "HAL9_GUARD_LIMITS_ANVIL_ETH_AUTO__APPROVE",
                                "0.11"));
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
            List<McpSchema.CallToolResult> results;
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(100)) {
                List<java.util.concurrent.Future<McpSchema.CallToolResult>> futures = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    futures.add(pool.submit(() ->
                            send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.1"))));
                }
                results = new java.util.ArrayList<>();
                for (var future : futures) {
                    results.add(future.get());
                }
            }
            long refused = results.stream()
                    .filter(r -> Boolean.TRUE.equals(r.isError()))
                    .peek(r -> assertThat(text(r)).contains("daily limit for ETH on anvil is 2.51"))
                    .count();
            List<Map<String, Object>> paid = results.stream()
                    .filter(r -> !Boolean.TRUE.equals(r.isError()))
                    .map(EvmPaymentsTest::payment)
                    .toList();
            assertThat(paid).hasSize(25);
            assertThat(refused).isEqualTo(75);
            for (Map<String, Object> payment : paid) {
                awaitState(alice, (String) payment.get("id"), "confirmed");
            }
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.multiply(BigInteger.valueOf(25)).divide(BigInteger.TEN));
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(25);
        }
    }

    @Test
    void anRpcThatIsDownOrSilentLeavesNoAmbiguousRow() throws Exception {
        try (Anvil own = new Anvil();
                java.net.ServerSocket silent =
                        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // a "network" whose RPC accepts connections and never answers
            Thread.ofVirtual().start(() -> {
                List<java.net.Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            String ownToken = own.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            Map<String, String> settings = Map.of(
                    "HAL9_FAMILIES_CHAIN_EVM__NETWORKS", "anvil,silent",
                    "HAL9_FAMILIES_CHAIN_EVM_SILENT_RPC__URL", "http://127.0.0.1:" + silent.getLocalPort(),
                    "HAL9_FAMILIES_CHAIN_EVM_SILENT_CHAIN__ID", "31337",
                    "HAL9_FAMILIES_CHAIN_RPC__TIMEOUT__SECONDS", "2");
            try (PaymentRig rig = new PaymentRig(own, ownToken, settings);
                    McpSyncClient alice = rig.client(rig.aliceSecret)) {
                assertThat(error(
                                send(alice, Map.of("network", "silent", "to", PaymentRig.RECIPIENT, "amount", "0.01"))))
                        .contains("did not answer", "within 2 s");

                Map<String, Object> pending =
                        payment(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.5")));
                own.close(); // the chain goes away while the payment waits for a person
                assertThat(error(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.01"))))
                        .contains("refused the connection");
                assertThat(rig.cli("approve", (String) pending.get("id")).exit())
                        .isZero();
                Map<String, Object> failed = awaitState(alice, (String) pending.get("id"), "failed");
                assertThat((String) failed.get("detail"))
                        .startsWith("not sent:")
                        .contains("refused the connection");
                assertThat(failed.get("txHash")).isNull();

                Map<?, ?> status =
                        structured(alice.callTool(new McpSchema.CallToolRequest("payment_status", Map.of())));
                assertThat((List<?>) status.get("payments"))
                        .as("only the one payment, now failed")
                        .hasSize(1);
            }
        }
    }

    /**
     * Issue 12, defect 2: behind an RPC whose nodes answer receipt and transaction lookups with null for 300-1500 ms
     * after a broadcast (as load-balanced public RPCs do), the guard once broadcast again, got "nonce too low",
     * marked mined payments failed and released their budget: 10 of 10 were mined against a 0.3 ETH limit. Now no
     * payment is called failed without proof, and the limit holds.
     */
    @Test
    void aLaggingRpcNeverTurnsMinedPaymentsIntoFailures() throws Exception {
        try (Anvil own = new Anvil();
                RpcProxy lagging = new RpcProxy(own.url)) {
            lagging.lagLookups(java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(1500));
            String ownToken = own.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(
                            own,
                            ownToken,
                            Map.of(
                                    "HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", lagging.url(),
                                    "HAL9_GUARD_LIMITS_ANVIL_ETH_DAILY", "0.3",
                                    "HAL9_GUARD_CONFIRM__WAIT__SECONDS", "5"));
                    McpSyncClient alice = rig.client(rig.aliceSecret)) {
                BigInteger before = own.balance(PaymentRig.RECIPIENT);
                List<Map<String, Object>> paid = new java.util.ArrayList<>();
                int refused = 0;
                for (int i = 0; i < 10; i++) {
                    McpSchema.CallToolResult result =
                            send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.05"));
                    if (Boolean.TRUE.equals(result.isError())) {
                        assertThat(text(result)).contains("daily limit for ETH on anvil is 0.3");
                        refused++;
                        continue;
                    }
                    Map<String, Object> payment = payment(result);
                    assertThat(payment.get("state")).isIn("confirmed", "sent", "reconciling");
                    assertThat(text(result)).doesNotContain("nothing was", "failed");
                    paid.add(payment);
                }
                // 0.05 ETH and a fee of at most ~0.00007 each: five fit in 0.3, a sixth does not
                assertThat(paid).hasSize(5);
                assertThat(refused).isEqualTo(5);
                for (Map<String, Object> payment : paid) {
                    awaitState(alice, (String) payment.get("id"), "confirmed");
                }
                assertThat(lagging.lagged.get()).as("the proxy did lag").isPositive();
                assertThat(own.balance(PaymentRig.RECIPIENT).subtract(before))
                        .isEqualTo(ETHER.divide(BigInteger.valueOf(4)));
                assertThat(own.nonce(rig.wallet)).isEqualTo(5);
                assertThat(rig.cli("payments", "--all", "--principal", "alice").stdout())
                        .doesNotContain("failed");
            }
        }
    }

    /**
     * Issue 12, defect 3: {@code serve --stdio} and {@code serve --http} default to the same data directory; two
     * servers on one store once signed the same nonce for identical payments (the same transaction twice), so 10
     * rows said confirmed for 7 transactions. Now signing is serialized per sender in the store.
     */
    @Test
    void twoServersOnOneDataDirectoryPayEachPaymentOnce() throws Exception {
        try (Anvil own = new Anvil()) {
            String ownToken = own.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(own, ownToken, Map.of());
                    PackagedServer second = PackagedServer.http(rig.home, rig.environment(), "--auth", "token");
                    McpSyncClient one = rig.client(rig.aliceSecret);
                    McpSyncClient two = new PaymentRig.Client(second, rig.aliceSecret).open()) {
                BigInteger before = own.balance(PaymentRig.RECIPIENT);
                List<McpSchema.CallToolResult> results = new java.util.ArrayList<>();
                try (var pool = java.util.concurrent.Executors.newFixedThreadPool(30)) {
                    List<java.util.concurrent.Future<McpSchema.CallToolResult>> futures = new java.util.ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        McpSyncClient client = i % 2 == 0 ? one : two;
                        futures.add(pool.submit(() -> send(
                                client, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.01"))));
                    }
                    for (var future : futures) {
                        results.add(future.get());
                    }
                }
                List<String> ids = new java.util.ArrayList<>();
                for (McpSchema.CallToolResult result : results) {
                    assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
                    ids.add((String) payment(result).get("id"));
                }
                java.util.Set<String> hashes = new java.util.HashSet<>();
                for (String id : ids) {
                    hashes.add((String) awaitState(one, id, "confirmed").get("txHash"));
                }
                assertThat(hashes).as("one transaction per confirmed payment").hasSize(30);
                assertThat(own.nonce(rig.wallet)).isEqualTo(30);
                assertThat(own.balance(PaymentRig.RECIPIENT).subtract(before))
                        .isEqualTo(ETHER.multiply(BigInteger.valueOf(30)).divide(BigInteger.valueOf(100)));
            }
        }
    }

    /**
     * Issue 12, defect 4: the fee the person approved was re-priced when the payment was signed, so the signed
     * transaction could exceed the "fee at most" they saw. Now it is signed with the approved caps; when the network
     * needs more than they allow, nothing is sent and the payment says to submit it again.
     */
    @Test
    void theFeeCapsAPersonApprovedAreTheOnesSigned() throws Exception {
        try (Anvil own = new Anvil()) {
            String ownToken = own.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(own, ownToken, Map.of());
                    McpSyncClient alice = rig.client(rig.aliceSecret)) {
                Map<String, Object> pending =
                        payment(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.5")));
                assertThat(pending.get("state")).isEqualTo("pending");
                BigInteger approvedCap = gwei((String) ((Map<?, ?>) pending.get("preview")).get("max fee per gas"));
                // the network gets dearer while the payment waits, but stays within what was approved
                BigInteger base = Anvil.quantity(
                        own.rpc("eth_getBlockByNumber", "latest", false).get("baseFeePerGas"));
                BigInteger higher = base.multiply(BigInteger.valueOf(3))
                        .divide(BigInteger.TWO)
                        .add(BigInteger.ONE);
                own.rpc("anvil_setNextBlockBaseFeePerGas", "0x" + higher.toString(16));
                own.rpc("evm_mine");
                assertThat(rig.cli("approve", (String) pending.get("id")).exit())
                        .isZero();
                Map<String, Object> sent = awaitState(alice, (String) pending.get("id"), "confirmed");
                JsonNode transaction = own.rpc("eth_getTransactionByHash", sent.get("txHash"));
                assertThat(Anvil.quantity(transaction.get("maxFeePerGas")))
                        .as("signed with the cap that was approved")
                        .isEqualTo(approvedCap);

                // now the network needs more than a waiting payment's approved cap: it is not sent
                Map<String, Object> second =
                        payment(send(alice, Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.4")));
                BigInteger secondCap = gwei((String) ((Map<?, ?>) second.get("preview")).get("max fee per gas"));
                own.rpc(
                        "anvil_setNextBlockBaseFeePerGas",
                        "0x" + secondCap.multiply(BigInteger.TWO).toString(16));
                own.rpc("evm_mine");
                long nonce = own.nonce(rig.wallet);
                BigInteger balance = own.balance(PaymentRig.RECIPIENT);
                assertThat(rig.cli("approve", (String) second.get("id")).exit()).isZero();
                Map<String, Object> failed = awaitState(alice, (String) second.get("id"), "failed");
                assertThat((String) failed.get("detail"))
                        .startsWith("not sent: the network's base fee is now")
                        .contains("Submit it again");
                assertThat(failed.get("txHash")).isNull();
                assertThat(own.nonce(rig.wallet)).isEqualTo(nonce);
                assertThat(own.balance(PaymentRig.RECIPIENT)).isEqualTo(balance);
            }
        }
    }

    private static BigInteger gwei(String shown) {
        return new java.math.BigDecimal(shown.replace(" gwei", ""))
                .movePointRight(9)
                .toBigIntegerExact();
    }

    // ---- helpers

    static McpSchema.CallToolResult send(McpSyncClient client, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest("evm_send", arguments));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> payment(McpSchema.CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        Map<String, Object> structured = (Map<String, Object>) result.structuredContent();
        if (structured.containsKey("payment")) {
            return (Map<String, Object>) structured.get("payment");
        }
        return (Map<String, Object>) ((List<?>) structured.get("payments")).get(0);
    }

    static Map<?, ?> structured(McpSchema.CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        return (Map<?, ?>) result.structuredContent();
    }

    static String error(McpSchema.CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isTrue();
        return text(result);
    }

    static String text(McpSchema.CallToolResult result) {
        return result.content().stream()
                .filter(McpSchema.TextContent.class::isInstance)
                .map(c -> ((McpSchema.TextContent) c).text())
                .reduce("", String::concat);
    }

    /** Polls payment_status until the payment reaches a state (the guard's worker runs every second). */
    static Map<String, Object> awaitState(McpSyncClient client, String id, String state) throws InterruptedException {
        Map<String, Object> payment = null;
        for (int i = 0; i < 120; i++) {
            payment = payment(client.callTool(new McpSchema.CallToolRequest("payment_status", Map.of("id", id))));
            if (state.equals(payment.get("state"))) {
                return payment;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(id + " did not become " + state + "; last seen " + payment);
    }

    static HttpResponse<String> post(String url, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
