package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}) against
 * {@code serve --http --conformance-fixtures}: every server scenario, no expected-failures baseline. The 0.1.16 suite
 * runs every scenario; 0.2.0-alpha.12 (installed under the alias {@code conformance-2026}) runs the scored set of each
 * revision, 2025-11-25 over sessions and 2026-07-28 statelessly, against the same server process.
 */
class ConformanceSuiteTest {

    /** How many scenarios each revision scores in 0.2.0-alpha.12 (the frozen sets; not scored ones come on top). */
    private static final Map<String, Integer> SCORED = Map.of("2025-11-25", 30, "2026-07-28", 37);

    @Test
    void everyScoredScenarioOfBothRevisionsPassesOnOneServer() {
        try (PackagedServer server = PackagedServer.http("--conformance-fixtures")) {
            for (String revision : List.of("2025-11-25", "2026-07-28")) {
                Peers.Result result = Peers.run(
                        List.of(
                                Peers.node22(),
                                Peers.module("conformance-2026/dist/index.js"),
                                "server",
                                "--url",
                                server.mcpUrl(),
                                "--requirements",
                                revision),
                        PackagedServer.environment(server.home),
                        Duration.ofMinutes(8));
                String output = result.stdout() + result.stderr();
                Scenarios scenarios = Scenarios.of(output);
                assertThat(scenarios.failingScored())
                        .as("scored scenarios failing for %s in:%n%s", revision, output)
                        .isEmpty();
                assertThat(scenarios.passingScored())
                        .as("scored scenarios passing for %s in:%n%s", revision, output)
                        .hasSize(SCORED.get(revision));
                assertThat(result.exit()).as("exit code for %s", revision).isZero();
            }
            assertThat(server.alive()).isTrue();
        }
    }

    /**
     * The per-scenario lines of a run: {@code ✓ name: …} or {@code ✗ name: …} above the totals, and under
     * "Not scored for …" the scenarios that do not count (extension and pending ones), one {@code ✓}/{@code ✗} each.
     */
    private record Scenarios(Set<String> passing, Set<String> failing, Set<String> notScored) {
        static Scenarios of(String output) {
            Set<String> passing = new TreeSet<>();
            Set<String> failing = new TreeSet<>();
            Set<String> notScored = new TreeSet<>();
            Matcher line = Pattern.compile("(?m)^([✓✗]) ([\\w.-]+): ").matcher(output);
            while (line.find()) {
                (line.group(1).equals("✓") ? passing : failing).add(line.group(2));
            }
            int tail = output.indexOf("Not scored for");
            if (tail >= 0) {
                Matcher skipped =
                        Pattern.compile("(?m)^\\s+[✓✗] ([\\w.-]+) \\(").matcher(output.substring(tail));
                while (skipped.find()) {
                    notScored.add(skipped.group(1));
                }
            }
            return new Scenarios(passing, failing, notScored);
        }

        Set<String> failingScored() {
            Set<String> scored = new TreeSet<>(failing);
            scored.removeAll(notScored);
            return scored;
        }

        Set<String> passingScored() {
            Set<String> scored = new TreeSet<>(passing);
            scored.removeAll(notScored);
            return scored;
        }
    }

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
