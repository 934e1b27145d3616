package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}) against
 * {@code serve --http --conformance-fixtures}: every server scenario, no expected-failures baseline.
 */
class ConformanceSuiteTest {

    @Test
    void everyServerScenarioPasses() {
        try (PackagedServer server = PackagedServer.http("--conformance-fixtures")) {
            Peers.Result result = Peers.run(
                    List.of(
                            Peers.node22(),
                            Peers.module("@modelcontextprotocol/conformance/dist/index.js"),
                            "server",
                            "--url",
                            server.mcpUrl(),
                            "--suite",
                            "all"),
                    PackagedServer.environment(server.home),
                    Duration.ofMinutes(8));
            String output = result.stdout() + result.stderr();
            Matcher total =
                    Pattern.compile("Total: (\\d+) passed, (\\d+) failed").matcher(output);
            assertThat(total.find())
                    .as("the suite's summary line in:%n%s", output)
                    .isTrue();
            assertThat(Integer.parseInt(total.group(2)))
                    .as("failed checks in:%n%s", output)
                    .isZero();
            assertThat(Integer.parseInt(total.group(1))).isGreaterThanOrEqualTo(40);
            assertThat(output).doesNotContain("✗");
            assertThat(result.exit()).isZero();
            assertThat(server.alive()).isTrue();
        }
    }
}
