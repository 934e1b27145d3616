package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.testkit.McpTestKit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The analysis family's settings, read when its tools are built: a bad value stops it there, saying what to write. */
class AnalysisSettingsTest {

    @Test
    void routersThatAreNoAddressesStopTheFamilyAtStartNotAtTheFirstAnalysis() {
        assertThatThrownBy(() -> start(Map.of(
                        "chain.evm-networks", "devnet",
                        "analysis.evm.devnet.routers", "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D, uniswap")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("families.analysis.evm.devnet.routers takes router addresses (0x + 40 hex) separated by "
                        + "commas, not 'uniswap'");
        assertThatThrownBy(() -> start(Map.of("analysis.evm.bsc.routers", "pancakeswap")))
                .hasMessageStartingWith("families.analysis.evm.bsc.routers takes router addresses");
    }

    @Test
    void otherBadValuesSayTheirKeyAndWhatToWrite() {
        assertThatThrownBy(() -> start(Map.of("analysis.rpc-budget", "lots")))
                .hasMessage("families.analysis.rpc-budget must be a whole number from 10 to 100000, not 'lots'");
        assertThatThrownBy(() -> start(Map.of("analysis.market.base-url", "api.coingecko.com/api/v3")))
                .hasMessage("families.analysis.market.base-url must be an http:// or https:// address, not "
                        + "'api.coingecko.com/api/v3'");
        assertThatThrownBy(() -> start(Map.of("analysis.search.provider", "google")))
                .hasMessage("families.analysis.search.provider must be searxng, brave or tavily, not 'google'");
    }

    @Test
    void theDefaultsAreEnoughToStart() {
        try (McpTestKit kit = start(Map.of())) {
            assertThat(kit.tools())
                    .extracting(tool -> tool.name())
                    .contains("onchain_analyze", "calculate", "web_search", "token_market", "file_read");
        }
    }

    private static McpTestKit start(Map<String, String> settings) {
        return McpTestKit.of(settings, Duration.ofSeconds(5), new AnalysisFamily());
    }
}
