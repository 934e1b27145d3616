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
}
