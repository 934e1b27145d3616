package dev.hal9.server;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * hal9's configuration: defaults in the jars (the runtime's {@code hal9-defaults.yaml}, and each tool family's
 * {@code hal9/family-defaults.yaml} for its {@code families.<family>.*}), an optional {@code hal9.yaml}, and
 * {@code HAL9_...} environment variables over both. Immutable and thread-safe.
 *
 * <p>Those files are also the reference: a key is known exactly when one of them documents it, so the same
 * list decides which keys of a {@code hal9.yaml} are typos (refused, naming the closest known key), which
 * {@code HAL9_} variables name nothing (warned about), and which keys the code may read (reading any other is a
 * bug and throws, so a test that runs the code finds it).
 */
public final class Settings {

    /**
     * {@code HAL9_} variables that are read directly, not settings: secrets that must not sit in a file, and the
     * launcher's own. They never reach the configuration and are not reported as unknown.
     */
    static final Set<String> NOT_SETTINGS = Set.of(
            "HAL9_JAVA_HOME",
            "HAL9_NO_AOT",
            "HAL9_KEYSTORE_PASSPHRASE",
            "HAL9_IMPORT_PASSPHRASE",
            "HAL9_TELEGRAM_BOT_TOKEN",
            "HAL9_TELEGRAM_WEBHOOK_SECRET",
            "HAL9_LLM_API_KEY",
            "HAL9_TOKEN");

    /** The layers, highest first: command-line options, HAL9_* variables, the file, hal9-defaults.yaml. */
    private final List<Map<String, String>> layers;

    private final Optional<Path> file;
    private final Map<String, String> origins;
    private final List<String> warnings;
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    private Settings(
            List<Map<String, String>> layers, Optional<Path> file, Map<String, String> origins, List<String> warnings) {
        this.layers = layers;
        this.file = file;
        this.origins = origins;
        this.warnings = warnings;
    }

    /**
     * Settings that cannot be used: unknown keys in a file, values of the wrong kind. Each problem is one line that
     * names the key, the value and what is allowed.
     */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        public Invalid(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        /** One line per problem. */
        public List<String> problems() {
            return problems;
        }
    }

    /**
     * Loads the configuration.
     *
     * @param explicitFile a file named on the command line, which must exist; or {@code null} to look for
     *     {@code ./hal9.yaml} and {@code $XDG_CONFIG_HOME/hal9/hal9.yaml}
     * @param environment the process environment (tests pass their own)
     * @param overrides values from command-line flags, highest priority
     * @throws Invalid when the file has unknown keys or a value is not of its key's kind
     */
    public static Settings load(Path explicitFile, Map<String, String> environment, Map<String, String> overrides) {
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
        Map<String, String> fromFile = file.map(Settings::readYaml).orElse(Map.of());
        Map<String, String> fromEnvironment = fromEnvironment(environment);

        // where each value came from, for messages; the highest layer wins, as in the configuration itself
        Map<String, String> origins = new HashMap<>();
        fromFile.keySet().forEach(key -> origins.put(key, "in " + file.orElseThrow()));
        fromEnvironment.keySet().forEach(key -> origins.put(key, "by " + variable(key)));
        overrides.keySet().forEach(key -> origins.put(key, "by a command-line option"));

        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Reference reference = Reference.INSTANCE;
        for (String key : new TreeMap<>(fromFile).keySet()) {
            if (!reference.documents(key)) {
                problems.add("unknown setting " + key + " in " + file.orElseThrow() + suggestion(reference, key, false)
                        + "; hal9-defaults.yaml and the families' family-defaults.yaml list every setting");
            }
        }
        for (String key : new TreeMap<>(fromEnvironment).keySet()) {
            if (!reference.documents(key)) {
                warnings.add(variable(key) + " names no setting (it would set " + key + ") and is ignored"
                        + suggestion(reference, key, true));
            }
        }
        Map<String, String> effective = new HashMap<>();
        fromFile.forEach((key, value) -> {
            if (value != null) {
                effective.put(key, value);
            }
        });
        effective.putAll(fromEnvironment);
        effective.putAll(overrides);
        new TreeMap<>(effective).forEach((key, value) -> reference
                .find(key)
                .flatMap(documented -> documented.kind().problem(value))
                .ifPresent(
                        allowed -> problems.add(key + " is '" + value + "' (set " + origins.get(key) + "); it must be "
                                + allowed + describeDefault(reference.find(key).orElseThrow()))));
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }

        // A lookup through four maps is all hal9 needs of a configuration library: the keys, kinds and values are
        // checked above, and Helidon Config's tree (built for its own sources and watchers) cost a tenth of the
        // time to a stdio server's first answer.
        Map<String, String> fileValues = new HashMap<>(fromFile);
        fileValues.values().removeIf(java.util.Objects::isNull);
        List<Map<String, String>> layers = List.of(
                Map.copyOf(overrides), Map.copyOf(fromEnvironment), Map.copyOf(fileValues), reference.defaults());
        return new Settings(layers, file, Map.copyOf(origins), List.copyOf(warnings));
    }

    private static String suggestion(Reference reference, String key, boolean asVariable) {
        return reference
                .closest(key)
                .map(closest ->
                        "; did you mean " + (asVariable ? variable(closest) + " (" + closest + ")" : closest) + "?")
                .orElse("");
    }

    private static String describeDefault(Reference.Documented documented) {
        return documented.value() == null ? "" : ", like its default " + documented.value();
    }

    private static Map<String, String> readYaml(Path path) {
        try (var in = Files.newInputStream(path)) {
            Object tree = parseYaml(in);
            if (tree == null) {
                return Map.of();
            }
            if (!(tree instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("config file " + path + " must be a YAML mapping of settings "
                        + "(such as 'server:' then '  port: 8931'), not a "
                        + tree.getClass().getSimpleName());
            }
            return flatten(map);
        } catch (org.snakeyaml.engine.v2.exceptions.YamlEngineException e) {
            String where = e instanceof org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException marked
                    ? marked.getProblemMark()
                            .map(mark -> " (line " + (mark.getLine() + 1) + ")")
                            .orElse("")
                    : "";
            String problem = e instanceof org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException marked
                    ? marked.getProblem()
                    : e.getMessage();
            throw new IllegalArgumentException("config file " + path + " is not valid YAML: " + problem + where);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("config file " + path + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * One YAML document, with YAML 1.2's core schema (so {@code ~} is null and {@code 8931} a number). snakeyaml-engine
     * directly, not through Jackson's YAML mapper, which took a quarter of the time to a stdio server's first answer.
     */
    private static Object parseYaml(java.io.InputStream in) {
        var settings = org.snakeyaml.engine.v2.api.LoadSettings.builder()
                .setSchema(new org.snakeyaml.engine.v2.schema.CoreSchema())
                .setAllowDuplicateKeys(false)
                .build();
        return new org.snakeyaml.engine.v2.api.Load(settings).loadFromInputStream(in);
    }

    /**
     * {@code {server: {port: 1}}} becomes {@code server.port=1}; lists become comma-separated values. A key without
     * a value ({@code ~}, {@code null} or nothing) is present but unset, so its default applies.
     */
    private static Map<String, String> flatten(Map<?, ?> tree) {
        Map<String, String> flat = new HashMap<>();
        flatten("", tree, flat);
        return flat;
    }

    private static void flatten(String prefix, Object node, Map<String, String> flat) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, flat));
        } else {
            flat.put(prefix, scalar(node));
        }
    }

    /** A leaf of a YAML tree as a setting's text, or null when it has none. */
    private static String scalar(Object node) {
        if (node instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return node == null ? null : node.toString();
    }

    /** {@code HAL9_SERVER_PORT} becomes {@code server.port}; {@code __} stands for a dash. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("HAL9_") && name.length() > 5 && !NOT_SETTINGS.contains(name)) {
                String key = name.substring(5)
                        .toLowerCase(Locale.ROOT)
                        .replace("__", "-")
                        .replace('_', '.');
                values.put(key, value);
            }
        });
        return values;
    }

    /** The environment variable that sets a key: {@code server.max-request-bytes} is HAL9_SERVER_MAX__REQUEST__BYTES. */
    static String variable(String key) {
        return "HAL9_" + key.toUpperCase(Locale.ROOT).replace("-", "__").replace('.', '_');
    }

    Optional<Path> file() {
        return file;
    }

    /** What loading noticed but let pass, one line each: {@code HAL9_} variables that name no setting. */
    public List<String> warnings() {
        return warnings;
    }

    /** Every key read so far, by the server and its families; each is documented, or reading it threw. */
    Set<String> keysRead() {
        return Set.copyOf(read);
    }

    /** Whether hal9-defaults.yaml documents the key (a key with a {@code <name>} part matches any name there). */
    /**
     * Every value set by an option, a variable or the file, sorted: equal for two processes that run with the same
     * configuration. It holds secrets' values too, so it is only ever hashed.
     */
    public String fingerprint() {
        StringBuilder text = new StringBuilder();
        for (int layer = 0; layer < layers.size() - 1; layer++) {
            new TreeMap<>(layers.get(layer))
                    .forEach((key, value) ->
                            text.append(key).append('=').append(value).append('\n'));
            text.append("--\n");
        }
        return text.toString();
    }

    public static boolean documents(String key) {
        return Reference.INSTANCE.documents(key);
    }

    public String string(String key) {
        return value(key).orElse("");
    }

    public int integer(String key) {
        String value = string(key);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new Invalid(List.of(key + " is '" + value + "'" + origin(key) + "; it must be a whole number"));
        }
    }

    /** A setting that takes one of an enum's constants, written in lower case ({@code server.auth: token}). */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String value = string(key).trim();
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> names = Arrays.stream(type.getEnumConstants())
                .map(constant -> constant.name().toLowerCase(Locale.ROOT))
                .toList();
        String allowed = names.size() == 1
                ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        throw new Invalid(List.of(key + " is '" + value + "'" + origin(key) + "; it must be " + allowed));
    }

    public Set<String> list(String key) {
        return Arrays.stream(string(key).split(","))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The value of a family's setting, {@code families.<family>.<key>}. */
    public Optional<String> family(String family, String key) {
        return value("families." + family + "." + key);
    }

    private Optional<String> value(String key) {
        if (!Reference.INSTANCE.documents(key)) {
            // a programming error, not an operator's: every key the code reads is documented in one place
            throw new IllegalStateException("hal9 reads the setting " + key + ", which hal9-defaults.yaml does not "
                    + "document; add it there with a comment and its default");
        }
        read.add(key);
        for (Map<String, String> layer : layers) {
            String value = layer.get(key);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private String origin(String key) {
        String origin = origins.get(key);
        return origin == null ? "" : " (set " + origin + ")";
    }

    public Path dataDirectory(Map<String, String> environment) {
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

    /**
     * The keys hal9-defaults.yaml documents, with their defaults. A key whose value is {@code ~} is documented
     * without a fixed default (its comment says what happens when it is unset); a {@code <name>} part of a key stands
     * for any one name ({@code guard.limits.<network>.<asset>.daily}). The kind of a default (a whole number, a
     * decimal, true or false) is the kind every value of that key must have.
     */
    static final class Reference {

        static final Reference INSTANCE = load();

        /** The kinds of value a default can show. */
        enum Kind {
            WHOLE_NUMBER,
            DECIMAL,
            BOOLEAN,
            TEXT;

            static Kind of(Object value) {
                if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
                    return WHOLE_NUMBER;
                }
                if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
                    return DECIMAL;
                }
                return value instanceof Boolean ? BOOLEAN : TEXT;
            }

            /** What is wrong with a value of this kind, as "what is allowed", or empty when it fits. */
            Optional<String> problem(String value) {
                String trimmed = value.trim();
                boolean fits =
                        switch (this) {
                            case WHOLE_NUMBER -> trimmed.matches("-?\\d+");
                            case DECIMAL -> trimmed.matches("-?\\d+(\\.\\d+)?");
                            case BOOLEAN -> trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false");
                            case TEXT -> true;
                        };
                if (fits) {
                    return Optional.empty();
                }
                return Optional.of(
                        switch (this) {
                            case WHOLE_NUMBER -> "a whole number";
                            case DECIMAL -> "a number such as 1 or 0.95";
                            case BOOLEAN -> "true or false";
                            case TEXT -> "text";
                        });
            }
        }

        /** One documented key: its parts, its default (null when it has none) and the kind of its values. */
        record Documented(String key, List<String> parts, String value, Kind kind) {

            boolean matches(List<String> other) {
                if (other.size() != parts.size()) {
                    return false;
                }
                for (int i = 0; i < parts.size(); i++) {
                    if (!isPlaceholder(parts.get(i)) && !parts.get(i).equals(other.get(i))) {
                        return false;
                    }
                }
                return true;
            }

            /** This key with its {@code <name>} parts filled in from another key of the same length. */
            String filledFrom(List<String> other) {
                if (other.size() != parts.size()) {
                    return key;
                }
                List<String> filled = new ArrayList<>(parts);
                for (int i = 0; i < parts.size(); i++) {
                    if (isPlaceholder(parts.get(i))) {
                        filled.set(i, other.get(i));
                    }
                }
                return String.join(".", filled);
            }
        }

        private final List<Documented> documented;
        private final Map<String, String> defaults;

        private Reference(List<Documented> documented, Map<String, String> defaults) {
            this.documented = documented;
            this.defaults = defaults;
        }

        /** Where each tool family documents its own settings, in its jar. */
        static final String FAMILY_DEFAULTS = "hal9/family-defaults.yaml";

        private static Reference load() {
            List<Documented> documented = new ArrayList<>();
            try (var in = Settings.class.getResourceAsStream("/hal9-defaults.yaml")) {
                walk(List.of(), parseYaml(in), documented);
            } catch (java.io.IOException | RuntimeException e) {
                throw new IllegalStateException("the jar's hal9-defaults.yaml is unreadable", e);
            }
            // the families' own sections, one file in each family's jar
            try {
                var files = Settings.class.getClassLoader().getResources(FAMILY_DEFAULTS);
                while (files.hasMoreElements()) {
                    java.net.URL file = files.nextElement();
                    try (var in = file.openStream()) {
                        walk(List.of(), parseYaml(in), documented);
                    } catch (java.io.IOException | RuntimeException e) {
                        throw new IllegalStateException(file + " is unreadable", e);
                    }
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot list the families' " + FAMILY_DEFAULTS, e);
            }
            Set<String> seen = new HashSet<>();
            for (Documented entry : documented) {
                if (!seen.add(entry.key())) {
                    throw new IllegalStateException(entry.key() + " is documented twice (hal9-defaults.yaml and "
                            + "the families' " + FAMILY_DEFAULTS + " must not overlap)");
                }
            }
            Map<String, String> defaults = new LinkedHashMap<>();
            for (Documented entry : documented) {
                boolean templated = entry.parts().stream().anyMatch(Reference::isPlaceholder);
                if (templated && entry.value() != null) {
                    throw new IllegalStateException("hal9-defaults.yaml gives " + entry.key() + " a default, but a key "
                            + "with a <name> part stands for many keys and takes none: write ~");
                }
                if (entry.value() != null) {
                    defaults.put(entry.key(), entry.value());
                }
            }
            return new Reference(List.copyOf(documented), Map.copyOf(defaults));
        }

        private static void walk(List<String> parts, Object node, List<Documented> out) {
            if (node instanceof Map<?, ?> map) {
                map.forEach((key, value) -> {
                    List<String> child = new ArrayList<>(parts);
                    child.add(key.toString());
                    walk(child, value, out);
                });
                return;
            }
            String value = scalar(node);
            out.add(new Documented(
                    String.join(".", parts), List.copyOf(parts), value, value == null ? Kind.TEXT : Kind.of(node)));
        }

        private static boolean isPlaceholder(String part) {
            return part.startsWith("<") && part.endsWith(">");
        }

        /** The defaults, as configuration values (keys without a default are left out). */
        Map<String, String> defaults() {
            return defaults;
        }

        public boolean documents(String key) {
            return find(key).isPresent();
        }

        /** The documented key a key is an instance of; a key named exactly wins over a {@code <name>} pattern. */
        Optional<Documented> find(String key) {
            List<String> parts = List.of(key.split("\\.", -1));
            Documented pattern = null;
            for (Documented entry : documented) {
                if (entry.key().equals(key)) {
                    return Optional.of(entry);
                }
                if (pattern == null && entry.matches(parts)) {
                    pattern = entry;
                }
            }
            return Optional.ofNullable(pattern);
        }

        /** The known key nearest an unknown one, when one is near enough to be what was meant. */
        Optional<String> closest(String key) {
            List<String> parts = List.of(key.split("\\.", -1));
            return documented.stream()
                    .map(entry -> entry.filledFrom(parts))
                    .min(Comparator.comparingInt((String candidate) -> distance(key, candidate))
                            .thenComparing(Comparator.naturalOrder()))
                    .filter(candidate -> distance(key, candidate) <= Math.max(2, key.length() / 3));
        }

        /** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
        static int distance(String a, String b) {
            int[][] d = new int[a.length() + 1][b.length() + 1];
            for (int i = 0; i <= a.length(); i++) {
                d[i][0] = i;
            }
            for (int j = 0; j <= b.length(); j++) {
                d[0][j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                    if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                    }
                }
            }
            return d[a.length()][b.length()];
        }
    }
}
