package dev.hal9.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent reads its keys from the server's sources, with the server's precedence: option, variable, file. */
class AgentSettingsTest {

    @TempDir
    Path home;

    @Test
    void defaultsAreTheOnesHal9DefaultsYamlDocuments() {
        AgentSettings settings = AgentSettings.load(null, Map.of("HOME", home.toString()), Map.of());
        assertThat(settings.provider()).isEqualTo(AgentSettings.Provider.OPENAI);
        assertThat(settings.baseUrl()).isEqualTo("https://api.openai.com/v1");
        assertThat(settings.model()).isEqualTo("gpt-4o-mini");
        assertThat(settings.maxSteps()).isEqualTo(8);
        assertThat(settings.tokenBudget()).isEqualTo(20000);
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.mcpServers()).isEmpty();
        assertThat(settings.dataDirectory()).isEqualTo(home.resolve(".local/share/hal9"));
    }

    @Test
    void theEnvironmentOverridesTheFileAndAnOptionOverridesBoth() throws Exception {
        Path config = home.resolve("config/hal9/hal9.yaml");
        Files.createDirectories(config.getParent());
        Files.writeString(config, """
                data-dir: /from/file
                families:
                  orchestrator:
                    provider: anthropic
                    model: from-file
                    max-steps: 3
                    mcp-servers: /etc/mcp.json
                """);
        Map<String, String> environment = Map.of(
                "HOME", home.toString(),
                "XDG_CONFIG_HOME", home.resolve("config").toString(),
                "HAL9_FAMILIES_ORCHESTRATOR_MODEL", "from-env",
                "HAL9_FAMILIES_ORCHESTRATOR_TOKEN__BUDGET", "500",
                "HAL9_DATA__DIR", "/from/env",
                "HAL9_LLM_API_KEY", "sk-never-a-setting");
        AgentSettings settings = AgentSettings.load(null, environment, Map.of("data-dir", "/from/option"));
        assertThat(settings.provider()).isEqualTo(AgentSettings.Provider.ANTHROPIC);
        assertThat(settings.baseUrl()).isEqualTo("https://api.anthropic.com/v1");
        assertThat(settings.model()).isEqualTo("from-env");
        assertThat(settings.maxSteps()).isEqualTo(3);
        assertThat(settings.tokenBudget()).isEqualTo(500);
        assertThat(settings.mcpServers()).contains(Path.of("/etc/mcp.json"));
        assertThat(settings.dataDirectory()).isEqualTo(Path.of("/from/option"));
        assertThat(AgentSettings.load(null, environment, Map.of()).dataDirectory())
                .isEqualTo(Path.of("/from/env"));
    }

    @Test
    void aValueOfTheWrongKindIsRefusedNamingWhereItWasSet() {
        Map<String, String> environment = Map.of(
                "HOME", home.toString(),
                "HAL9_FAMILIES_ORCHESTRATOR_MAX__STEPS", "many",
                "HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "mistral");
        assertThatThrownBy(() -> AgentSettings.load(null, environment, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("families.orchestrator.provider is 'mistral' (set by "
                        + "HAL9_FAMILIES_ORCHESTRATOR_PROVIDER); it is openai (OpenAI and every compatible API), "
                        + "anthropic, ollama or google")
                .hasMessageContaining("families.orchestrator.max-steps is 'many' (set by "
                        + "HAL9_FAMILIES_ORCHESTRATOR_MAX__STEPS); it must be a whole number of at least 1, like its "
                        + "default 8");
    }

    @Test
    void aConfigFileNamedOnTheCommandLineMustExist() {
        assertThatThrownBy(() -> AgentSettings.load(home.resolve("missing.yaml"), Map.of(), Map.of()))
                .hasMessage("config file " + home.resolve("missing.yaml") + " does not exist; check --config");
    }
}
