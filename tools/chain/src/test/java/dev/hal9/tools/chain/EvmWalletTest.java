package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.testkit.McpTestKit;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** evm_wallet through a real MCP client against a real EVM chain (anvil). */
class EvmWalletTest {

    private static Anvil anvil;
    private static McpTestKit kit;
    private static McpSyncClient alice;

    @BeforeAll
    static void start() throws Exception {
        anvil = new Anvil();
        Path data = Files.createTempDirectory("hal9-chain-test");
        // the operator imported anvil's first account for alice (the CLI does the same through Keystore)
        new Keystore(data.resolve("chain/keystore"), 1 << 12)
                .importKey("alice", "dev", HexFormat.of().parseHex(Anvil.KEY_0), "a long passphrase".toCharArray());
        kit = McpTestKit.of(
                data,
                Map.of(
                        "chain.evm-networks", "anvil",
                        "chain.evm.anvil.rpc-url", anvil.url,
                        "chain.evm.anvil.chain-id", "31337",
                        "chain.rpc-timeout-seconds", "3"),
                Duration.ofSeconds(30),
                new ChainFamily());
        alice = kit.client("alice");
    }

    @AfterAll
    static void stop() throws Exception {
        kit.close();
        anvil.close();
    }

    @Test
    void withoutAGuardOnlyReadOnlyToolsAreOffered() {
        // the test kit has no guard, so evm_send and ton_send are not offered at all
        assertThat(alice.listTools().tools())
                .extracting(io.modelcontextprotocol.spec.McpSchema.Tool::name)
                .containsExactly("evm_wallet", "ton_wallet");
        assertThat(alice.listTools().tools())
                .allSatisfy(
                        tool -> assertThat(tool.annotations().readOnlyHint()).isTrue());
    }

    @Test
    void listsTheCallersWalletsAndNoKeys() {
        CallToolResult listed = ok(call(alice, Map.of("action", "list")));
        assertThat(text(listed)).contains(Anvil.ACCOUNT_0, "dev").doesNotContain(Anvil.KEY_0);
        assertThat(text(ok(call(kit.client("bob"), Map.of("action", "list"))))).isEqualTo("no wallets");
    }

    @Test
    void readsBalancesFromTheChain() throws Exception {
        Map<String, Object> mine = structured(ok(call(alice, Map.of("action", "balance", "network", "anvil"))));
        // what the chain itself says, asked directly (other tests move ether between these accounts)
        String raw = anvil.rpc("eth_getBalance", "[\"" + Anvil.ACCOUNT_0 + "\",\"latest\"]")
                .replaceAll(".*\"result\":\"0x([0-9a-f]+)\".*", "$1");
        java.math.BigInteger wei = new java.math.BigInteger(raw.strip(), 16);
        assertThat(mine.get("balances").toString())
                .contains(Anvil.ACCOUNT_0, "units=" + wei, "symbol=ETH")
                .contains("amount="
                        + new java.math.BigDecimal(wei)
                                .movePointLeft(18)
                                .stripTrailingZeros()
                                .toPlainString());
        assertThat(wei).isGreaterThanOrEqualTo(new java.math.BigInteger("9000000000000000000000"));
        Map<String, Object> other = structured(ok(call(
                alice, Map.of("action", "balance", "network", "anvil", "address", Anvil.ACCOUNT_1.toLowerCase()))));
        assertThat(other.get("balances").toString()).contains(Anvil.ACCOUNT_1);
    }

    @Test
    void reportsTransferStatus() throws Exception {
        String sent = anvil.rpc(
                "eth_sendTransaction",
                "[{\"from\":\"" + Anvil.ACCOUNT_1 + "\",\"to\":\"" + Anvil.ACCOUNT_0
                        + "\",\"value\":\"0xde0b6b3a7640000\"}]");
        Matcher hash = Pattern.compile("\"result\":\"(0x[0-9a-f]{64})\"").matcher(sent);
        assertThat(hash.find()).as(sent).isTrue();
        Map<String, Object> status = structured(
                ok(call(alice, Map.of("action", "transfer_status", "network", "anvil", "hash", hash.group(1)))));
        assertThat(status.get("transfer").toString()).contains("status=confirmed", "confirmations=1");
        Map<String, Object> unknown = structured(ok(
                call(alice, Map.of("action", "transfer_status", "network", "anvil", "hash", "0x" + "ab".repeat(32)))));
        assertThat(unknown.get("transfer").toString()).contains("status=unknown");
    }

    @Test
    void badInputAndBrokenNetworksGetClearErrors() throws Exception {
        String badChecksum = Anvil.ACCOUNT_1.replace("C51812", "c51812");
        assertError(
                call(alice, Map.of("action", "balance", "network", "anvil", "address", badChecksum)),
                "EIP-55 checksum");
        assertError(
                call(alice, Map.of("action", "balance", "network", "anvil", "address", "0x1234")), "invalid arguments");
        assertError(call(alice, Map.of("action", "balance", "network", "solana")), "configured networks are", "anvil");
        assertError(call(alice, Map.of("action", "balance")), "network", "required");

        Path data = Files.createTempDirectory("hal9-chain-broken");
        int closed;
        try (var socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (McpTestKit broken = McpTestKit.of(
                data,
                Map.of(
                        "chain.evm-networks", "down,wrong",
                        "chain.evm.down.rpc-url", "http://127.0.0.1:" + closed,
                        "chain.evm.down.chain-id", "31337",
                        "chain.evm.wrong.rpc-url", anvil.url,
                        "chain.evm.wrong.chain-id", "1"),
                Duration.ofSeconds(30),
                new ChainFamily())) {
            McpSyncClient carol = broken.client("carol");
            assertError(
                    call(carol, Map.of("action", "balance", "network", "down", "address", Anvil.ACCOUNT_0)),
                    "refused the connection");
            assertError(
                    call(carol, Map.of("action", "balance", "network", "wrong", "address", Anvil.ACCOUNT_0)),
                    "serves chain 31337, not 1");
        }
    }

    private static CallToolResult call(McpSyncClient client, Map<String, Object> arguments) {
        return client.callTool(new CallToolRequest("evm_wallet", arguments));
    }

    private static CallToolResult ok(CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isFalse();
        return result;
    }

    private static void assertError(CallToolResult result, String... phrases) {
        assertThat(result.isError()).as(text(result)).isTrue();
        assertThat(text(result)).contains(phrases);
    }

    private static String text(CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }
}
