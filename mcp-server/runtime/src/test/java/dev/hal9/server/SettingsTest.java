package dev.hal9.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults in the jar, hal9.yaml over them, HAL9_ variables over both, flags over all. */
class SettingsTest {

    @Test
    void layersApplyInOrder() throws Exception {
        Path dir = Files.createTempDirectory("hal9-settings");
        Path file = Files.writeString(
                dir.resolve("hal9.yaml"), "server:\n  port: 9000\n  host: 127.0.0.2\ntools:\n  timeout-seconds: 5\n");
        Settings settings = Settings.load(
                file,
                Map.of("HAL9_SERVER_PORT", "9100", "HAL9_TOOLS_MAX__OUTPUT__CHARS", "5000"),
                Map.of("tools.timeout-seconds", "7"));
        assertThat(settings.integer("server.port")).isEqualTo(9100);
        assertThat(settings.string("server.host")).isEqualTo("127.0.0.2");
        assertThat(settings.integer("tools.timeout-seconds")).isEqualTo(7);
        assertThat(settings.integer("tools.max-output-chars")).isEqualTo(5000);
        assertThat(settings.string("server.auth")).isEqualTo("none");
    }

    @Test
    void badValuesSayWhatIsWrong() throws Exception {
        Settings settings = Settings.load(null, Map.of("HAL9_SERVER_PORT", "eighty"), Map.of());
        assertThatThrownBy(() -> settings.integer("server.port"))
                .hasMessageContaining("server.port")
                .hasMessageContaining("eighty");
        Path broken = Files.writeString(Files.createTempFile("hal9", ".yaml"), "server: [unclosed\n");
        assertThatThrownBy(() -> Settings.load(broken, Map.of(), Map.of())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> Settings.load(Path.of("/nonexistent/hal9.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void dataDirectoryFollowsXdg() {
        Settings settings = Settings.load(null, Map.of(), Map.of());
        assertThat(settings.dataDirectory(Map.of("XDG_DATA_HOME", "/x"))).isEqualTo(Path.of("/x/hal9"));
        assertThat(settings.dataDirectory(Map.of("HOME", "/h"))).isEqualTo(Path.of("/h/.local/share/hal9"));
    }
}
