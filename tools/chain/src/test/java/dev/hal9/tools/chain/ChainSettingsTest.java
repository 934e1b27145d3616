package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.testkit.McpTestKit;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chain family's settings, read when its tools are built: a bad value stops it there, saying what to write. */
class ChainSettingsTest {

    private static final String ADDRESS = "0x" + "11".repeat(20);

    @Test
    void aChainIdThatIsNoNumberStopsTheFamilyAtStartNamingTheKey() {
        assertThatThrownBy(() -> start(Map.of(
                        "chain.evm-networks", "devnet",
                        "chain.evm.devnet.rpc-url", "http://127.0.0.1:8545",
                        "chain.evm.devnet.chain-id", "thirty-one")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("families.chain.evm.devnet.chain-id must be the network's EIP-155 chain id, a whole "
                        + "number such as 1 or 31337, not 'thirty-one'");
    }

    @Test
    void otherBadValuesSayTheirKeyAndWhatToWrite() {
        assertThatThrownBy(() -> start(Map.of("chain.evm-networks", "devnet", "chain.evm.devnet.chain-id", "7")))
                .hasMessageStartingWith("families.chain.evm.devnet.rpc-url is needed for the network 'devnet'");
        assertThatThrownBy(() -> start(Map.of("chain.rpc-timeout-seconds", "0")))
                .hasMessage(
                        "families.chain.rpc-timeout-seconds must be a whole number of seconds, at least 1, not '0'");
        assertThatThrownBy(() -> start(Map.of("chain.evm.polygon.rpc-url", "polygon-rpc.com")))
                .hasMessage("families.chain.evm.polygon.rpc-url must be an http:// or https:// address, not "
                        + "'polygon-rpc.com'");
        assertThatThrownBy(() -> start(Map.of("chain.evm.bsc.tokens", "USDT")))
                .hasMessageStartingWith("families.chain.evm.bsc.tokens takes SYMBOL=0xADDRESS pairs");
    }

    @Test
    void theBuiltInNetworksComeFirstThenTheOperatorsInTheirOrder() {
        try (McpTestKit kit = start(Map.of(
                "chain.evm-networks", "Devnet, local",
                "chain.evm.devnet.rpc-url", "http://127.0.0.1:8545",
                "chain.evm.devnet.chain-id", "1337",
                "chain.evm.local.rpc-url", "http://127.0.0.1:8546",
                "chain.evm.local.chain-id", " 31337 "))) {
            CallToolResult result = kit.client("alice")
                    .callTool(new CallToolRequest(
                            "evm_wallet", Map.of("action", "balance", "network", "solana", "address", ADDRESS)));
            assertThat(result.isError()).isTrue();
            assertThat(((TextContent) result.content().get(0)).text())
                    .contains("the configured networks are ethereum, polygon, bsc, mantle, devnet, local");
        }
    }

    private static McpTestKit start(Map<String, String> settings) {
        return McpTestKit.of(settings, Duration.ofSeconds(5), new ChainFamily());
    }
}
