package dev.hal9.server.transport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The conformance fixtures are test code: the runtime's own class path has none, and asking for them says so. */
class ServerFixturesTest {

    @Test
    void askingForFixturesTheClassPathLacksSaysWhereTheyAre() throws Exception {
        Settings settings = Settings.load(
                null,
                Map.of(),
                Map.of("data-dir", Files.createTempDirectory("hal9-fixtures").toString()));
        assertThatThrownBy(() -> new Hal9(settings, Map.of(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--conformance-fixtures")
                .hasMessageContaining("test code")
                .hasMessageContaining("conformance-tests");
    }
}
