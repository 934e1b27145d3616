package dev.hal9.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's tool table is generated from the registry, and its settings are real ones; this fails on drift. */
class ReadmeTest {

    /** Every key in the README's hal9.yaml examples is one hal9-defaults.yaml documents, so none is refused. */
    @Test
    void everyYamlExampleUsesKnownSettings() throws Exception {
        String readme = Files.readString(Path.of("../../README.md"));
        Matcher block = Pattern.compile("(?m)^( *)```yaml\\n(.*?)^ *```", Pattern.DOTALL)
                .matcher(readme);
        List<String> keys = new ArrayList<>();
        while (block.find()) {
            String indent = block.group(1);
            String yaml = block.group(2)
                    .lines()
                    .map(line -> line.startsWith(indent) ? line.substring(indent.length()) : line)
                    .collect(Collectors.joining("\n"));
            keys("", new tools.jackson.dataformat.yaml.YAMLMapper().readValue(yaml, Map.class), keys);
        }
        assertThat(keys).hasSizeGreaterThan(10);
        assertThat(keys)
                .as("keys in the README's yaml examples that hal9-defaults.yaml does not document")
                .filteredOn(key -> !Settings.documents(key))
                .isEmpty();
    }

    private static void keys(String prefix, Object node, List<String> keys) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> keys(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, keys));
        } else {
            keys.add(prefix);
        }
    }

    @Test
    void toolTableMatchesTheRegistry() throws Exception {
        String readme = Files.readString(Path.of("../../README.md"));
        String table = readme.substring(
                readme.indexOf("<!-- tools:begin -->\n") + "<!-- tools:begin -->\n".length(),
                readme.indexOf("<!-- tools:end -->"));
        Path data = Files.createTempDirectory("hal9-readme");
        Settings settings = Settings.load(null, Map.of(), Map.of("data-dir", data.toString()));
        try (Hal9 hal9 = new Hal9(settings, Map.of(), false)) {
            assertThat(table)
                    .as("README.md's tool table; regenerate it with ./hal9 tools --markdown")
                    .isEqualTo(Main.toolTable(hal9.declaredTools(), hal9.enabledCapabilities()));
        }
    }
}
