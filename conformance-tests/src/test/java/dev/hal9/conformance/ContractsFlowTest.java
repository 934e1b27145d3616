package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.awaitState;
import static dev.hal9.conformance.EvmPaymentsTest.error;
import static dev.hal9.conformance.EvmPaymentsTest.post;
import static dev.hal9.conformance.EvmPaymentsTest.structured;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole contract flow on the packaged server through an MCP client (the Java SDK over Streamable HTTP):
 * generate -> compile -> audit -> deploy -> read -> write, for an ERC-20 and an ERC-721, on anvil. solc-js,
 * solhint and OpenZeppelin run in the server's Node worker; every deployment and transaction goes through the
 * guard and waits for a person (the CLI or the approvals page), since auto-approval is off here.
 */
class ContractsFlowTest {

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

    private static PaymentRig rig() throws Exception {
        return new PaymentRig(
                anvil,
                token,
                Map.of(
                        "HAL9_CAPABILITIES_ENABLED", "chain.write,contracts.write",
                        "HAL9_GUARD_LIMITS_ANVIL_ETH_AUTO__APPROVE", "0"));
    }

    @Test
    void anErc20FromTemplateToMintedTokens() throws Exception {
        try (PaymentRig rig = rig();
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            Map<?, ?> generated = ok(
                    alice,
                    "contract_generate",
                    Map.of(
                            "template",
                            "erc20",
                            "name",
                            "Hal Token",
                            "symbol",
                            "HAL",
                            "features",
                            List.of("mintable", "burnable", "pausable", "permit"),
                            "initialSupply",
                            "1000"));
            String contract = (String) generated.get("contract");
            Map<?, ?> compiled = ok(alice, "contract_compile", Map.of("contract", contract));
            assertThat(compiled.get("ok")).isEqualTo(true);
            assertThat(compiled.get("contracts").toString()).contains("constructor=[address initialOwner]");
            Map<?, ?> audit = ok(alice, "contract_audit", Map.of("contract", contract));
            assertThat(((Map<?, ?>) audit.get("counts")).get("high")).isEqualTo(0);

            // deploy: simulated and priced, then it waits for a person
            long nonce = anvil.nonce(rig.wallet);
            Map<?, ?> deploy = ok(
                    alice,
                    "contract_deploy",
                    Map.of(
                            "contract",
                            contract,
                            "network",
                            "anvil",
                            "args",
                            List.of(rig.wallet),
                            "idempotencyKey",
                            "hal-1"));
            Map<?, ?> deployment = (Map<?, ?>) deploy.get("deployment");
            Map<?, ?> payment = (Map<?, ?>) deploy.get("payment");
            assertThat(deployment.get("status")).isEqualTo("awaiting_approval");
            assertThat(payment.get("state")).isEqualTo("pending");
            assertThat(payment.get("summary").toString()).startsWith("deploy HalToken on anvil from " + rig.wallet);
            assertThat(payment.get("asset")).isEqualTo("ETH");
            assertThat(((Map<?, ?>) payment.get("preview")).keySet().toString())
                    .contains("contract", "runtime code", "audit", "fee at most", "gas limit", "simulation");
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce);

            Peers.Result approved = rig.cli("approve", (String) payment.get("id"));
            assertThat(approved.exit()).as(approved.stderr()).isZero();
            awaitState(alice, (String) payment.get("id"), "confirmed");
            Map<?, ?> status =
                    ok(alice, "contract_deploy", Map.of("action", "status", "deployment", deployment.get("id")));
            Map<?, ?> deployed = (Map<?, ?>) status.get("deployment");
            assertThat(deployed.get("status")).isEqualTo("deployed");
            // ERC20Permit writes immutables in its constructor: they are masked, the rest must match byte for byte
            assertThat(deployed.get("codeVerified")).isEqualTo(true);
            assertThat(((Number) deployed.get("gasUsed")).longValue()).isGreaterThan(500_000);
            String address = (String) deployed.get("address");
            assertThat(address).matches("0x[0-9a-fA-F]{40}");
            assertThat(anvil.rpc("eth_getCode", address, "latest").asString()).hasSizeGreaterThan(1000);

            // the same idempotency key is the same deployment: nothing is deployed twice
            Map<?, ?> again = ok(
                    alice,
                    "contract_deploy",
                    Map.of(
                            "contract",
                            contract,
                            "network",
                            "anvil",
                            "args",
                            List.of(rig.wallet),
                            "idempotencyKey",
                            "hal-1"));
            assertThat(((Map<?, ?>) again.get("deployment")).get("id")).isEqualTo(deployment.get("id"));
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 1);

            // read through the deployment, and by address with the contract's ABI
            String id = (String) deployment.get("id");
            assertThat(read(alice, Map.of("deployment", id, "function", "name")).get("0"))
                    .isEqualTo("Hal Token");
            assertThat(read(alice, Map.of("deployment", id, "function", "balanceOf", "args", List.of(rig.wallet)))
                            .get("0"))
                    .isEqualTo("1000000000000000000000");
            assertThat(read(
                                    alice,
                                    Map.of(
                                            "network",
                                            "anvil",
                                            "address",
                                            address,
                                            "contract",
                                            contract,
                                            "function",
                                            "owner"))
                            .get("0"))
                    .isEqualTo(rig.wallet);

            // write: mint 5 HAL to the recipient, approved by a person
            Map<?, ?> minted = ok(
                    alice,
                    "contract_write",
                    Map.of(
                            "deployment",
                            id,
                            "function",
                            "mint",
                            "args",
                            List.of(PaymentRig.RECIPIENT, "5000000000000000000")));
            Map<?, ?> mint = (Map<?, ?>) minted.get("payment");
            assertThat(minted.get("function")).isEqualTo("mint(address,uint256)");
            assertThat(mint.get("state")).isEqualTo("pending");
            assertThat(rig.cli("approve", (String) mint.get("id")).exit()).isZero();
            awaitState(alice, (String) mint.get("id"), "confirmed");
            assertThat(read(
                                    alice,
                                    Map.of(
                                            "deployment",
                                            id,
                                            "function",
                                            "balanceOf",
                                            "args",
                                            List.of(PaymentRig.RECIPIENT)))
                            .get("0"))
                    .isEqualTo("5000000000000000000");
            assertThat(read(alice, Map.of("deployment", id, "function", "totalSupply"))
                            .get("0"))
                    .isEqualTo("1005000000000000000000");

            // a transaction that would revert is refused with its decoded reason, and nothing is recorded
            assertThat(error(call(
                            alice,
                            "contract_write",
                            Map.of(
                                    "deployment",
                                    id,
                                    "function",
                                    "transfer",
                                    "args",
                                    List.of(PaymentRig.RECIPIENT, "2000000000000000000000")))))
                    .contains(
                            "would revert",
                            "ERC20InsufficientBalance(sender=" + rig.wallet,
                            "needed=2000000000000000000000");
            assertThat(error(call(
                            alice,
                            "contract_write",
                            Map.of("deployment", id, "function", "balanceOf", "args", List.of(rig.wallet)))))
                    .contains("is view", "contract_read");
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 2);

            // the deployment is listed
            Map<?, ?> listed = ok(alice, "contract_deploy", Map.of("action", "list"));
            assertThat(listed.get("deployments").toString()).contains(id, "HalToken", address);
        }
    }

    @Test
    void anErc721ApprovedOnTheApprovalsPage() throws Exception {
        try (PaymentRig rig = rig();
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            Map<?, ?> generated = ok(
                    alice,
                    "contract_generate",
                    Map.of(
                            "template",
                            "erc721",
                            "name",
                            "Hal Art",
                            "symbol",
                            "HART",
                            "features",
                            List.of("mintable", "enumerable", "uri_storage"),
                            "uri",
                            "ipfs://hal/"));
            String contract = (String) generated.get("contract");
            assertThat(ok(alice, "contract_compile", Map.of("contract", contract))
                            .get("ok"))
                    .isEqualTo(true);
            Map<?, ?> deploy = ok(
                    alice,
                    "contract_deploy",
                    Map.of("contract", contract, "network", "anvil", "args", List.of(rig.wallet)));
            String paymentId = (String) ((Map<?, ?>) deploy.get("payment")).get("id");
            String deploymentId = (String) ((Map<?, ?>) deploy.get("deployment")).get("id");
            assertThat(post(rig.server.base() + "/approvals/" + paymentId + "/approve", rig.approverSecret)
                            .statusCode())
                    .isEqualTo(200);
            awaitState(alice, paymentId, "confirmed");
            Map<?, ?> deployed =
                    (Map<?, ?>) ok(alice, "contract_deploy", Map.of("action", "status", "deployment", deploymentId))
                            .get("deployment");
            assertThat(deployed.get("status")).isEqualTo("deployed");
            assertThat(deployed.get("codeVerified")).isEqualTo(true);

            Map<?, ?> minted = ok(
                    alice,
                    "contract_write",
                    Map.of(
                            "deployment",
                            deploymentId,
                            "function",
                            "safeMint",
                            "args",
                            List.of(rig.wallet, "token-0.json")));
            String mint = (String) ((Map<?, ?>) minted.get("payment")).get("id");
            assertThat(rig.cli("approve", mint).exit()).isZero();
            awaitState(alice, mint, "confirmed");
            assertThat(read(alice, Map.of("deployment", deploymentId, "function", "ownerOf", "args", List.of(0)))
                            .get("0"))
                    .isEqualTo(rig.wallet);
            assertThat(read(alice, Map.of("deployment", deploymentId, "function", "tokenURI", "args", List.of("0")))
                            .get("0"))
                    .isEqualTo("ipfs://hal/token-0.json");
            assertThat(read(alice, Map.of("deployment", deploymentId, "function", "totalSupply"))
                            .get("0"))
                    .isEqualTo("1");
            assertThat(error(call(
                            alice,
                            "contract_read",
                            Map.of("deployment", deploymentId, "function", "ownerOf", "args", List.of(7)))))
                    .contains("reverted", "ERC721NonexistentToken(tokenId=7)");
        }
    }

    @Test
    void aDeclinedDeploySendsNothingAndBadInputIsRefused() throws Exception {
        try (PaymentRig rig = rig();
                McpSyncClient alice = rig.client(rig.aliceSecret);
                McpSyncClient bob = rig.client(rig.bobSecret)) {
            String contract = (String) ok(
                            alice,
                            "contract_generate",
                            Map.of(
                                    "template",
                                    "erc20",
                                    "name",
                                    "Never",
                                    "symbol",
                                    "NVR",
                                    "features",
                                    List.of("mintable")))
                    .get("contract");
            // not compiled yet
            assertThat(error(call(alice, "contract_deploy", Map.of("contract", contract, "network", "anvil"))))
                    .contains("compile the contract first");
            ok(alice, "contract_compile", Map.of("contract", contract));
            // constructor arguments: wrong count, wrong type; an unknown network
            assertThat(error(call(alice, "contract_deploy", Map.of("contract", contract, "network", "anvil"))))
                    .contains("takes 1 argument(s) (address initialOwner), 0 given");
            assertThat(error(call(
                            alice,
                            "contract_deploy",
                            Map.of("contract", contract, "network", "anvil", "args", List.of("not-an-address")))))
                    .contains("argument 'initialOwner' (address)", "is not an address");
            assertThat(error(call(
                            alice,
                            "contract_deploy",
                            Map.of("contract", contract, "network", "solana", "args", List.of(rig.wallet)))))
                    .contains("configured networks are", "anvil");
            // another principal cannot use alice's contract handle
            assertThat(error(call(
                            bob,
                            "contract_deploy",
                            Map.of("contract", contract, "network", "anvil", "args", List.of(rig.wallet)))))
                    .contains(contract, "not found");

            long nonce = anvil.nonce(rig.wallet);
            Map<?, ?> deploy = ok(
                    alice,
                    "contract_deploy",
                    Map.of("contract", contract, "network", "anvil", "args", List.of(rig.wallet)));
            String paymentId = (String) ((Map<?, ?>) deploy.get("payment")).get("id");
            Peers.Result declined = rig.cli("decline", paymentId);
            assertThat(declined.exit()).as(declined.stderr()).isZero();
            Map<?, ?> status = ok(
                    alice,
                    "contract_deploy",
                    Map.of("action", "status", "deployment", ((Map<?, ?>) deploy.get("deployment")).get("id")));
            assertThat(((Map<?, ?>) status.get("deployment")).get("status")).isEqualTo("not_deployed");
            assertThat(((Map<?, ?>) status.get("payment")).get("state")).isEqualTo("declined");
            assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce);

            // a contract that does not compile cannot be deployed
            String broken = (String) ok(
                            alice,
                            "contract_generate",
                            Map.of(
                                    "source",
                                    "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\ncontract B { uint x = ; }\n"))
                    .get("contract");
            assertThat(ok(alice, "contract_compile", Map.of("contract", broken)).get("ok"))
                    .isEqualTo(false);
            assertThat(error(call(alice, "contract_deploy", Map.of("contract", broken, "network", "anvil"))))
                    .contains("did not compile", "Contract.sol:3:");
        }
    }

    // ---- helpers

    private static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    /**
     * Issue 12, defect 10, through the packaged server: a contract that returns a uint8 of 256, an address with
     * dirty high bytes and a string whose length runs past the data. The old codec read them as values; a strict
     * decoder (Solidity's own, ethers for addresses and strings) refuses each, and so does contract_read.
     */
    @Test
    void returnValuesNoAbiEncoderWritesAreRefused() throws Exception {
        try (PaymentRig rig = rig();
                McpSyncClient alice = rig.client(rig.aliceSecret)) {
            String source = java.nio.file.Files.readString(Peers.dir().resolve("contracts/Dirty.sol"));
            String contract = (String) ok(alice, "contract_generate", Map.of("source", source, "fileName", "Dirty.sol"))
                    .get("contract");
            assertThat(ok(alice, "contract_compile", Map.of("contract", contract))
                            .get("ok"))
                    .isEqualTo(true);
            Map<?, ?> deploy = ok(alice, "contract_deploy", Map.of("contract", contract, "network", "anvil"));
            Map<?, ?> payment = (Map<?, ?>) deploy.get("payment");
            assertThat(rig.cli("approve", (String) payment.get("id")).exit()).isZero();
            awaitState(alice, (String) payment.get("id"), "confirmed");
            String id = (String) ((Map<?, ?>) deploy.get("deployment")).get("id");
            ok(alice, "contract_deploy", Map.of("action", "status", "deployment", id));
            for (String function : List.of("small", "owner", "label")) {
                McpSchema.CallToolResult result =
                        call(alice, "contract_read", Map.of("deployment", id, "function", function));
                assertThat(result.isError())
                        .as(function + ": " + EvmPaymentsTest.text(result))
                        .isTrue();
                assertThat(EvmPaymentsTest.text(result)).contains(function + "()");
            }
        }
    }

    private static Map<?, ?> ok(McpSyncClient client, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(client, tool, arguments);
        assertThat(result.isError())
                .as(tool + ": " + EvmPaymentsTest.text(result))
                .isNotEqualTo(Boolean.TRUE);
        return structured(result);
    }

    private static Map<?, ?> read(McpSyncClient client, Map<String, Object> arguments) {
        return (Map<?, ?>) ok(client, "contract_read", arguments).get("result");
    }
}
