package dev.hal9.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's tool table is generated from the registry; this fails when the two drift apart. */
class ReadmeTest {

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
