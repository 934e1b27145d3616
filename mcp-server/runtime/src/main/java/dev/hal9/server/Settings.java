package dev.hal9.server;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * hal9's configuration: defaults in the jar ({@code hal9-defaults.yaml}), an optional {@code hal9.yaml},
 * and {@code HAL9_...} environment variables over both. Immutable and thread-safe.
 */
final class Settings {

    private final Config config;
    private final Optional<Path> file;

    private Settings(Config config, Optional<Path> file) {
        this.config = config;
        this.file = file;
    }

    /**
     * Loads the configuration.
     *
     * @param explicitFile a file named on the command line, which must exist; or {@code null} to look for
     *     {@code ./hal9.yaml} and {@code $XDG_CONFIG_HOME/hal9/hal9.yaml}
     * @param environment the process environment (tests pass their own)
     * @param overrides values from command-line flags, highest priority
     */
    static Settings load(Path explicitFile, Map<String, String> environment, Map<String, String> overrides) {
        Optional<Path> file;
        if (explicitFile != null) {
            if (!Files.isRegularFile(explicitFile)) {
                throw new IllegalArgumentException("config file " + explicitFile + " does not exist");
            }
            file = Optional.of(explicitFile);
        } else {
            file = List.of(Path.of("hal9.yaml"), configHome(environment).resolve("hal9/hal9.yaml")).stream()
                    .filter(Files::isRegularFile)
                    .findFirst();
        }
        var builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.create(fromEnvironment(environment)));
        file.ifPresent(path -> builder.addSource(ConfigSources.create(readYaml(path))));
        builder.addSource(ConfigSources.create(defaults()));
        return new Settings(builder.build(), file);
    }

    private static Map<String, String> defaults() {
        try (var in = Settings.class.getResourceAsStream("/hal9-defaults.yaml")) {
            return flatten(YAML.readValue(in, MAP));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the jar's hal9-defaults.yaml is unreadable", e);
        }
    }

    private static Map<String, String> readYaml(Path path) {
        try {
            Map<String, Object> tree = YAML.readValue(path.toFile(), MAP);
            return tree == null ? Map.of() : flatten(tree);
        } catch (tools.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("config file " + path + " is not valid YAML: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")");
        }
    }

    /** {@code {server: {port: 1}}} becomes {@code server.port=1}; lists become comma-separated values. */
    private static Map<String, String> flatten(Map<String, Object> tree) {
        Map<String, String> flat = new HashMap<>();
        flatten("", tree, flat);
        return flat;
    }

    private static void flatten(String prefix, Object node, Map<String, String> flat) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, flat));
        } else if (node instanceof List<?> list) {
            flat.put(prefix, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
        } else {
            flat.put(prefix, node == null ? "" : node.toString());
        }
    }

    private static final tools.jackson.dataformat.yaml.YAMLMapper YAML = new tools.jackson.dataformat.yaml.YAMLMapper();
    private static final tools.jackson.core.type.TypeReference<Map<String, Object>> MAP =
            new tools.jackson.core.type.TypeReference<>() {};

    /** {@code HAL9_SERVER_PORT} becomes {@code server.port}; {@code __} stands for a dash. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("HAL9_") && name.length() > 5) {
                String key = name.substring(5)
                        .toLowerCase(Locale.ROOT)
                        .replace("__", "-")
                        .replace('_', '.');
                values.put(key, value);
            }
        });
        return values;
    }

    Optional<Path> file() {
        return file;
    }

    String string(String key) {
        return config.get(key).asString().orElse("");
    }

    int integer(String key) {
        String value = string(key);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting " + key + " must be a whole number, not '" + value + "'");
        }
    }

    Set<String> list(String key) {
        return Arrays.stream(string(key).split(","))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The value of a family's setting, {@code families.<family>.<key>}. */
    Optional<String> family(String family, String key) {
        return config.get("families").get(family).get(key).asString().asOptional();
    }

    Path dataDirectory(Map<String, String> environment) {
        String configured = string("data-dir");
        if (!configured.isBlank()) {
            return Path.of(configured);
        }
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
        String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home);
    }
}
