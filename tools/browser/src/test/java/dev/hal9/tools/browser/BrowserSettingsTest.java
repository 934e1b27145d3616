package dev.hal9.tools.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BrowserSettingsTest {

    @Test
    void extraArgsKeepSpacesAndCommasInsideAFlag() {
        assertThat(BrowserSettings.extraArgs(" --host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1  --lang=nb "))
                .containsExactly("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--lang=nb");
        assertThat(BrowserSettings.extraArgs("")).isEqualTo(List.of());
    }

    @Test
    void extraArgsThatAreNoFlagsAreRefusedWithWhatToWrite() {
        assertThatThrownBy(() -> BrowserSettings.extraArgs("lang=nb"))
                .hasMessageContaining("families.browser.extra-args must be Chromium flags, each starting with --")
                .hasMessageContaining("'lang=nb'");
    }

    @Test
    void windowsAreMinimizedWhereNobodyWatchesUnlessTheOperatorSays() {
        assertThat(BrowserSettings.minimizeWindows("auto", true, null)).isTrue();
        assertThat(BrowserSettings.minimizeWindows("auto", false, null))
                .as("a headed Chromium")
                .isFalse();
        assertThat(BrowserSettings.minimizeWindows("auto", true, "ws://127.0.0.1:3000/pw"))
                .isTrue();
        assertThat(BrowserSettings.minimizeWindows("", true, "http://127.0.0.1:9222"))
                .isFalse();
        assertThat(BrowserSettings.minimizeWindows("TRUE", true, "http://127.0.0.1:9222"))
                .isTrue();
        assertThat(BrowserSettings.minimizeWindows("false", true, null)).isFalse();
        assertThatThrownBy(() -> BrowserSettings.minimizeWindows("yes", true, null))
                .hasMessage("families.browser.minimize-windows must be auto, true or false, not 'yes'");
    }
}
