package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.awaitState;
import static dev.hal9.conformance.EvmPaymentsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, defect 1: with an operator-named ERC-20 (per-call 10, daily 20, no auto-approve) and an ETH auto-approve
 * of 0.01, {@code contract_write} of {@code transfer(thief, 1000)} on the token was priced as its gas, approved by
 * policy, and drained the tokens; {@code approve(thief, 2^256-1)} went the same way. Now a contract call is priced by
 * what it moves and approves out of the caller's wallet (a simulation of the call, and the standard token
 * functions' call data), each asset against its own limits; an unlimited approval is refused; a call whose effects
 * the RPC cannot simulate never approves by policy. Through the packaged server, on anvil, with the token's real
 * balances checked.
 */
class ContractSpendTest {

    private static final String THIEF = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
    private static final BigInteger TUSD = BigInteger.valueOf(1_000_000); // 6 decimals

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

    @Test
    void aContractCallIsPricedByWhatItMovesNotByItsGas() throws Exception {
        try (RpcProxy rpc = new RpcProxy(anvil.url);
                PaymentRig rig = new PaymentRig(
                        anvil,
                        token,
                        Map.of(
                                "HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", rpc.url(),
                                "HAL9_CAPABILITIES_ENABLED", "chain.write,contracts.write",
                                "HAL9_GUARD_LIMITS_ANVIL_ETH_AUTO__APPROVE", "0.01",
                                "HAL9_GUARD_LIMITS_ANVIL_TUSD_PER__CALL", "10",
                                "HAL9_GUARD_LIMITS_ANVIL_TUSD_DAILY", "20"));
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            // the token's ABI, from its own source, compiled by the server's solc
            String tokenSource = Files.readString(Peers.dir().resolve("contracts/TestToken.sol"));
            String abi =
                    (String) ok(alice, "contract_generate", Map.of("source", tokenSource, "fileName", "TestToken.sol"))
                            .get("contract");
            assertThat(ok(alice, "contract_compile", Map.of("contract", abi)).get("ok"))
                    .isEqualTo(true);

            // 1000 TUSD to a thief: its gas is within the ETH auto-approve, the tokens are over their limit
            String drain =
                    error(write(alice, abi, "transfer", List.of(THIEF, TUSD.multiply(BigInteger.valueOf(1000)))));
            assertThat(drain).contains("1000 TUSD is over the per-call limit of 10 TUSD", "TUSD to " + THIEF);
            // within the limits, tokens still wait for a person (TUSD has no auto-approve)
            Map<?, ?> five =
                    payment(write(alice, abi, "transfer", List.of(THIEF, TUSD.multiply(BigInteger.valueOf(5)))));
            assertThat(five.get("state")).isEqualTo("pending");
            assertThat(five.get("moves").toString()).contains("5 TUSD to " + THIEF, "ETH in fees");
            // an unlimited approval is refused; an exact one spends its allowance and waits for a person
            String unlimited = error(write(
                    alice,
                    abi,
                    "approve",
                    List.of(THIEF, BigInteger.TWO.pow(256).subtract(BigInteger.ONE))));
            assertThat(unlimited)
                    .contains("take all of your TUSD (an unlimited approval)", "guard.unlimited-approvals");
            Map<?, ?> approval =
                    payment(write(alice, abi, "approve", List.of(THIEF, TUSD.multiply(BigInteger.valueOf(8)))));
            assertThat(approval.get("state")).isEqualTo("pending");
            assertThat(approval.get("moves").toString()).contains("approval of 8 TUSD to " + THIEF);
            // 5 + 8 reserved of 20 today: another 8 does not fit
            assertThat(error(write(alice, abi, "approve", List.of(THIEF, TUSD.multiply(BigInteger.valueOf(8))))))
                    .contains("the daily limit for TUSD on anvil is 20, 13 is already spent or pending today");
            assertThat(anvil.tokenBalance(token, THIEF)).isZero();
            assertThat(rig.cli("decline", (String) five.get("id")).exit()).isZero();
            assertThat(rig.cli("decline", (String) approval.get("id")).exit()).isZero();

            // a contract whose call moves the caller's tokens with no token function in its call data
            String source = Files.readString(Peers.dir().resolve("contracts/Collector.sol"));
            String collector =
                    (String) ok(alice, "contract_generate", Map.of("source", source, "fileName", "Collector.sol"))
                            .get("contract");
            assertThat(ok(alice, "contract_compile", Map.of("contract", collector))
                            .get("ok"))
                    .isEqualTo(true);
            Map<?, ?> deployed = ok(
                    alice,
                    "contract_deploy",
                    Map.of("contract", collector, "network", "anvil", "args", List.of(THIEF)));
            Map<?, ?> deployPayment = (Map<?, ?>) deployed.get("payment");
            assertThat(deployPayment.get("approvedVia")).as("it moves only gas").isEqualTo("auto-approve");
            String deployment = (String) ((Map<?, ?>) deployed.get("deployment")).get("id");
            String collectorAddress = awaitDeployed(alice, deployment);

            // ping() moves nothing but gas: approved by policy; collect() is priced by the tokens it pulls
            Map<?, ?> ping = payment(writeTo(alice, deployment, "ping", List.of()));
            assertThat(ping.get("approvedVia")).isEqualTo("auto-approve");
            Map<?, ?> allow = payment(
                    write(alice, abi, "approve", List.of(collectorAddress, TUSD.multiply(BigInteger.valueOf(5)))));
            assertThat(rig.cli("approve", (String) allow.get("id")).exit()).isZero();
            awaitState(alice, (String) allow.get("id"), "confirmed");
            Map<?, ?> collect = payment(writeTo(
                    alice, deployment, "collect", List.of(token, rig.wallet, TUSD.multiply(BigInteger.valueOf(5)))));
            assertThat(collect.get("state"))
                    .as("it moves 5 TUSD: a person decides")
                    .isEqualTo("pending");
            assertThat(collect.get("moves").toString()).contains("5 TUSD to " + THIEF);
            assertThat(anvil.tokenBalance(token, THIEF)).isZero();
            assertThat(rig.cli("decline", (String) collect.get("id")).exit()).isZero();

            // an RPC with neither eth_simulateV1 nor debug_traceCall: what a call moves is not known, so even a
            // call that moves only a little gas waits for a person
            rpc.refuse("eth_simulateV1");
            rpc.refuse("debug_traceCall");
            Map<?, ?> blind = payment(writeTo(alice, deployment, "ping", List.of()));
            assertThat(blind.get("state")).isEqualTo("pending");
            assertThat(((Map<?, ?>) blind.get("preview")).get("effects").toString())
                    .contains("not simulated");
            assertThat(anvil.tokenBalance(token, THIEF)).isZero();
        }
    }

    private static String awaitDeployed(McpSyncClient alice, String deployment) throws InterruptedException {
        for (int i = 0; i < 120; i++) {
            Map<?, ?> status = ok(alice, "contract_deploy", Map.of("action", "status", "deployment", deployment));
            Map<?, ?> d = (Map<?, ?>) status.get("deployment");
            if ("deployed".equals(d.get("status"))) {
                return (String) d.get("address");
            }
            Thread.sleep(250);
        }
        throw new AssertionError(deployment + " was not deployed");
    }

    private static McpSchema.CallToolResult write(McpSyncClient client, String abi, String function, List<?> args) {
        return client.callTool(new McpSchema.CallToolRequest(
                "contract_write",
                Map.of(
                        "network", "anvil",
                        "address", token,
                        "contract", abi,
                        "function", function,
                        "args", args.stream().map(String::valueOf).toList())));
    }

    private static McpSchema.CallToolResult writeTo(
            McpSyncClient client, String deployment, String function, List<?> args) {
        return client.callTool(new McpSchema.CallToolRequest(
                "contract_write",
                Map.of(
                        "deployment",
                        deployment,
                        "function",
                        function,
                        "args",
                        args.stream().map(String::valueOf).toList())));
    }

    private static Map<?, ?> ok(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest(tool, arguments));
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        return (Map<?, ?>) result.structuredContent();
    }

    private static Map<?, ?> payment(McpSchema.CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        return (Map<?, ?>) ((Map<?, ?>) result.structuredContent()).get("payment");
    }

    private static String error(McpSchema.CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isEqualTo(Boolean.TRUE);
        return text(result);
    }
}
