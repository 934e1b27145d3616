package dev.hal9.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
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
        assertThat(settings.otlpEndpoint()).isEmpty();
    }

    /** The agent exports its spans where the server exports its own: the one telemetry.otlp-endpoint key. */
    @Test
    void theOtlpEndpointIsTheServersKeyWithTheSamePrecedence() throws Exception {
        Path config = home.resolve("hal9.yaml");
        Files.writeString(config, """
                telemetry:
                  otlp-endpoint: http://collector.example:4318
                """);
        assertThat(AgentSettings.load(config, Map.of("HOME", home.toString()), Map.of())
                        .otlpEndpoint())
                .contains(URI.create("http://collector.example:4318"));
        Map<String, String> environment =
                Map.of("HOME", home.toString(), "HAL9_TELEMETRY_OTLP__ENDPOINT", "http://127.0.0.1:4318/");
        assertThat(AgentSettings.load(config, environment, Map.of()).otlpEndpoint())
                .contains(URI.create("http://127.0.0.1:4318/"));
        // an empty variable is unset, so the file's value applies, as for every other key
        assertThat(AgentSettings.load(
                                config, Map.of("HOME", home.toString(), "HAL9_TELEMETRY_OTLP__ENDPOINT", ""), Map.of())
                        .otlpEndpoint())
                .contains(URI.create("http://collector.example:4318"));
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
                "HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "mistral",
                "HAL9_TELEMETRY_OTLP__ENDPOINT", "localhost:4318");
        assertThatThrownBy(() -> AgentSettings.load(null, environment, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("families.orchestrator.provider is 'mistral' (set by "
                        + "HAL9_FAMILIES_ORCHESTRATOR_PROVIDER); it is openai (OpenAI and every compatible API), "
                        + "anthropic, ollama or google")
                .hasMessageContaining("families.orchestrator.max-steps is 'many' (set by "
                        + "HAL9_FAMILIES_ORCHESTRATOR_MAX__STEPS); it must be a whole number of at least 1, like its "
                        + "default 8")
                .hasMessageContaining("telemetry.otlp-endpoint is 'localhost:4318' (set by "
                        + "HAL9_TELEMETRY_OTLP__ENDPOINT); it must be an http(s) URL such as http://127.0.0.1:4318, or "
                        + "empty for no export");
    }

    @Test
    void aConfigFileNamedOnTheCommandLineMustExist() {
        assertThatThrownBy(() -> AgentSettings.load(home.resolve("missing.yaml"), Map.of(), Map.of()))
                .hasMessage("config file " + home.resolve("missing.yaml") + " does not exist; check --config");
    }
}
