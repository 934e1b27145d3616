package dev.hal9.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The bridge's side of the agent's process, against small shell programs that speak the agent's lines (the real
 * agent is run by the Telegram conformance tests): what the user reads when the agent cannot work, and the agent's
 * settings handed on.
 */
class AgentProcessTest {

    private static AgentProcess agent(String script) {
        return new AgentProcess(List.of("sh", "-c", script), Map.of(), (principal, message) -> Optional.empty());
    }

    @Test
    void anAgentThatRefusesItsSettingsSaysWhyInTheReply() {
        try (AgentProcess agent = agent(
                "echo '{\"type\":\"error\",\"message\":\"families.orchestrator.provider is mistral\"}'; exit 2")) {
            Agent.Turn turn = agent.turn("alice", "secret-token", "hello", step -> {});
            assertThat(turn.reply())
                    .isEqualTo("Sorry, my agent is not working right now (families.orchestrator.provider is mistral)."
                            + " Try again in a moment.");
            assertThat(turn.pending()).isEmpty();
        }
    }

    @Test
    void aTurnGetsItsProgressAndReplyAndAnAgentThatStoppedIsStartedAgain() throws Exception {
        Path starts = Files.createTempFile("hal9-agent-starts", ".txt");
        // answers one turn, then dies in the middle of the next; its first turn is t1, the next one's is t3
        String script = "echo start >> " + starts + "; id=t$((2 * $(grep -c start " + starts + ") - 1));"
                + " echo '{\"type\":\"ready\"}'; read line;"
                + " echo '{\"type\":\"progress\",\"id\":\"'$id'\",\"step\":\"using evm_send\"}';"
                + " echo '{\"type\":\"done\",\"id\":\"'$id'\",\"reply\":\"Sent.\",\"pending\":[{\"id\":"
                + "\"pay_1\",\"summary\":\"send 1 ETH\"}],\"images\":[{\"url\":\"https://example.test/p.png\"}]}';"
                + " read line; exit 3";
        try (AgentProcess agent = agent(script)) {
            List<String> steps = new ArrayList<>();
            Agent.Turn first = agent.turn("alice", "secret-token", "send it", steps::add);
            assertThat(first.reply()).isEqualTo("Sent.");
            assertThat(first.pending()).containsExactly(new Agent.Pending("pay_1", "send 1 ETH"));
            assertThat(first.images()).extracting(Agent.Image::url).containsExactly("https://example.test/p.png");
            assertThat(steps).containsExactly("using evm_send");

            Agent.Turn lost = agent.turn("alice", "secret-token", "again", step -> {});
            assertThat(lost.reply()).contains("its process exited with 3");

            Agent.Turn third = agent.turn("alice", "secret-token", "and again", step -> {});
            assertThat(third.reply()).isEqualTo("Sent.");
            assertThat(Files.readAllLines(starts)).hasSize(2);
        }
    }

    @Test
    void theAgentsSettingsAreHandedOnAsTheVariablesItReadsFirst() {
        Map<String, Optional<String>> settings = Map.of(
                "provider", Optional.of("anthropic"),
                "base-url", Optional.of("http://127.0.0.1:9/v1"),
                "max-steps", Optional.of("3"),
                "model", Optional.of(""));
        assertThat(AgentProcess.environment(key -> settings.getOrDefault(key, Optional.empty())))
                .containsOnly(
                        Map.entry("HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "anthropic"),
                        Map.entry("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", "http://127.0.0.1:9/v1"),
                        Map.entry("HAL9_FAMILIES_ORCHESTRATOR_MAX__STEPS", "3"));
    }

    @Test
    void aMissingJarSaysHowToGetOne() {
        assertThatThrownBy(() -> AgentProcess.command(Path.of("/nowhere/hal9-agent.jar"), "http://x/mcp", Path.of(".")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'./hal9 bridge' builds it")
                .hasMessageContaining("families.telegram.agent-jar");
    }
}
