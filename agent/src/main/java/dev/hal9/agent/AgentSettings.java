package dev.hal9.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The agent's settings, read once at start from the server's sources with the server's precedence: command-line
 * options, then {@code HAL9_...} variables, then {@code hal9.yaml} ({@code --config}, else {@code ./hal9.yaml}, else
 * {@code $XDG_CONFIG_HOME/hal9/hal9.yaml}), then the defaults below, which are those hal9-defaults.yaml documents
 * for {@code families.orchestrator.*} and {@code telemetry.otlp-endpoint}. The server checks the whole file; the agent
 * reads and checks only its own keys. Immutable.
 *
 * @param baseUrl the model API's address
 * @param maxSteps model steps one turn may take
 * @param tokenBudget tokens one turn may use; 0 means no limit
 * @param timeout how long one model request may take
 * @param maxTokens the most tokens one answer may have (Anthropic requires it; the others use their own default)
 * @param mcpServers a desktop-style mcpServers JSON file of more MCP servers, if set
 * @param dataDirectory hal9's data directory; the agent keeps its store under {@code agent/} in it
 * @param otlpEndpoint the OTLP/HTTP collector the agent's spans go to (the server's {@code telemetry.otlp-endpoint},
 *     shared by both), if set
 */
record AgentSettings(
        Provider provider,
        String baseUrl,
        String model,
        int maxSteps,
        int tokenBudget,
        Duration timeout,
        int maxTokens,
        Optional<Path> mcpServers,
        Path dataDirectory,
        Optional<URI> otlpEndpoint) {

    /** The model APIs the agent speaks, each with the address and model used when none is configured. */
    enum Provider {
        OPENAI("https://api.openai.com/v1", "gpt-4o-mini"),
        ANTHROPIC("https://api.anthropic.com/v1", "claude-sonnet-4-5"),
        OLLAMA("http://localhost:11434", "llama3.1"),
        GOOGLE("https://generativelanguage.googleapis.com", "gemini-2.5-flash");

        final String defaultBaseUrl;
        final String defaultModel;

        Provider(String defaultBaseUrl, String defaultModel) {
            this.defaultBaseUrl = defaultBaseUrl;
            this.defaultModel = defaultModel;
        }
    }

    private static final String FAMILY = "families.orchestrator.";

    /** {@code HAL9_} variables that are secrets or the launcher's, never settings (as in the server). */
    private static final Set<String> NOT_SETTINGS = Set.of(
            "HAL9_JAVA_HOME",
            "HAL9_NO_AOT",
            "HAL9_KEYSTORE_PASSPHRASE",
            "HAL9_IMPORT_PASSPHRASE",
            "HAL9_TELEGRAM_BOT_TOKEN",
            "HAL9_TELEGRAM_WEBHOOK_SECRET",
            "HAL9_LLM_API_KEY",
            "HAL9_TOKEN");

    /**
     * Reads the settings.
     *
     * @param explicitFile a file named with {@code --config}, which must exist; or null to look for one
     * @param environment the process environment
     * @param overrides values from command-line options ({@code data-dir}), highest first
     * @throws IllegalArgumentException naming the key, the value, where it was set and what is allowed
     */
    static AgentSettings load(Path explicitFile, Map<String, String> environment, Map<String, String> overrides) {
        Optional<Path> file;
        if (explicitFile != null) {
            if (!Files.isRegularFile(explicitFile)) {
                throw new IllegalArgumentException("config file " + explicitFile + " does not exist; check --config");
            }
            file = Optional.of(explicitFile);
        } else {
            file = List.of(Path.of("hal9.yaml"), configHome(environment).resolve("hal9/hal9.yaml")).stream()
                    .filter(Files::isRegularFile)
                    .findFirst();
        }
        Layers layers = new Layers(
                overrides,
                fromEnvironment(environment),
                file.map(AgentSettings::readYaml).orElse(Map.of()),
                file);
        List<String> problems = new ArrayList<>();
        Provider provider = layers.provider(problems);
        int maxSteps = layers.whole("max-steps", 8, 1, problems);
        int tokenBudget = layers.whole("token-budget", 20000, 0, problems);
        int timeoutSeconds = layers.whole("timeout-seconds", 60, 1, problems);
        int maxTokens = layers.whole("max-tokens", 2048, 1, problems);
        Optional<URI> otlpEndpoint = layers.httpUrl("telemetry.otlp-endpoint", problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new AgentSettings(
                provider,
                layers.text(FAMILY + "base-url").orElse(provider.defaultBaseUrl),
                layers.text(FAMILY + "model").orElse(provider.defaultModel),
                maxSteps,
                tokenBudget,
                Duration.ofSeconds(timeoutSeconds),
                maxTokens,
                layers.text(FAMILY + "mcp-servers").map(Path::of),
                layers.text("data-dir").map(Path::of).orElseGet(() -> defaultDataDirectory(environment)),
                otlpEndpoint);
    }

    /** The four sources, highest first; a blank or null value counts as unset, so the next one applies. */
    private record Layers(
            Map<String, String> overrides,
            Map<String, String> environment,
            Map<String, String> file,
            Optional<Path> filePath) {

        Optional<String> text(String key) {
            for (Map<String, String> layer : List.of(overrides, environment, file)) {
                String value = layer.get(key);
                if (value != null && !value.isBlank()) {
                    return Optional.of(value.strip());
                }
            }
            return Optional.empty();
        }

        String origin(String key) {
            if (overrides.containsKey(key)) {
                return "by a command-line option";
            }
            if (environment.containsKey(key)) {
                return "by " + variable(key);
            }
            return "in " + filePath.map(Path::toString).orElse("hal9.yaml");
        }

        Provider provider(List<String> problems) {
            String key = FAMILY + "provider";
            Optional<String> value = text(key);
            if (value.isEmpty()) {
                return Provider.OPENAI;
            }
            for (Provider provider : Provider.values()) {
                if (provider.name().equalsIgnoreCase(value.get())) {
                    return provider;
                }
            }
            problems.add(key + " is '" + value.get() + "' (set " + origin(key) + "); it is openai (OpenAI and every "
                    + "compatible API), anthropic, ollama or google");
            return Provider.OPENAI;
        }

        Optional<URI> httpUrl(String key, List<String> problems) {
            Optional<String> value = text(key);
            if (value.isEmpty()) {
                return Optional.empty();
            }
            try {
                URI url = new URI(value.get());
                if (("http".equals(url.getScheme()) || "https".equals(url.getScheme())) && url.getHost() != null) {
                    return Optional.of(url);
                }
            } catch (URISyntaxException e) {
                // reported below, with the rule
            }
            problems.add(key + " is '" + value.get() + "' (set " + origin(key) + "); it must be an http(s) URL such as "
                    + "http://127.0.0.1:4318, or empty for no export");
            return Optional.empty();
        }

        int whole(String name, int fallback, int least, List<String> problems) {
            String key = FAMILY + name;
            Optional<String> value = text(key);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                int number = Integer.parseInt(value.get());
                if (number >= least) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below, with the rule
            }
            problems.add(key + " is '" + value.get() + "' (set " + origin(key) + "); it must be a whole number of at "
                    + "least " + least + ", like its default " + fallback);
            return fallback;
        }
    }

    /** {@code HAL9_FAMILIES_ORCHESTRATOR_BASE__URL} becomes {@code families.orchestrator.base-url}, as in the server. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("HAL9_") && name.length() > 5 && !NOT_SETTINGS.contains(name)) {
                values.put(
                        name.substring(5)
                                .toLowerCase(Locale.ROOT)
                                .replace("__", "-")
                                .replace('_', '.'),
                        value);
            }
        });
        return values;
    }

    static String variable(String key) {
        return "HAL9_" + key.toUpperCase(Locale.ROOT).replace("-", "__").replace('.', '_');
    }

    private static Map<String, String> readYaml(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            LoadSettings settings = LoadSettings.builder()
                    .setSchema(new CoreSchema())
                    .setAllowDuplicateKeys(false)
                    .build();
            Object tree = new Load(settings).loadFromInputStream(in);
            if (tree == null) {
                return Map.of();
            }
            if (!(tree instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("config file " + path + " must be a YAML mapping of settings");
            }
            Map<String, String> flat = new HashMap<>();
            flatten("", map, flat);
            return flat;
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException("config file " + path + " is not valid YAML: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + path + " cannot be read: " + e.getMessage());
        }
    }

    /** {@code {families: {orchestrator: {model: x}}}} becomes {@code families.orchestrator.model=x}. */
    private static void flatten(String prefix, Object node, Map<String, String> flat) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, flat));
        } else if (node instanceof List<?> list) {
            flat.put(prefix, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
        } else {
            flat.put(prefix, node == null ? null : node.toString());
        }
    }

    private static Path defaultDataDirectory(Map<String, String> environment) {
        String xdg = environment.get("XDG_DATA_HOME");
        Path base =
                xdg != null && !xdg.isBlank() ? Path.of(xdg) : home(environment).resolve(".local/share");
        return base.resolve("hal9");
    }

    private static Path configHome(Map<String, String> environment) {
        String xdg = environment.get("XDG_CONFIG_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg) : home(environment).resolve(".config");
    }

    private static Path home(Map<String, String> environment) {
        return Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")));
    }
}
