package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Families' per-principal state in the real store (H2), surviving a restart, isolated by family and principal. */
class FamilyStateTest {

    @Test
    void stateSurvivesARestartAndStaysWithItsOwner() throws Exception {
        Path data = Files.createTempDirectory("hal9-family-state");
        String url = Database.h2Url(data);
        String cookies = "{\"cookies\":[{\"name\":\"user\",\"value\":\"carol\"}]}".repeat(2_000);
        try (Store store = Store.open(url, "sa", "", System::currentTimeMillis)) {
            FamilyState browser = store.familyState("browser");
            browser.put("carol", "profile/shop", "old");
            browser.put("carol", "profile/shop", cookies);
            assertThat(browser.get("carol", "profile/shop")).contains(cookies);
            assertThat(browser.get("dave", "profile/shop")).isEmpty();
            assertThat(store.familyState("chain").get("carol", "profile/shop")).isEmpty();
        }
        try (Store reopened = Store.open(url, "sa", "", System::currentTimeMillis)) {
            FamilyState browser = reopened.familyState("browser");
            assertThat(browser.get("carol", "profile/shop")).contains(cookies);
            assertThat(browser.delete("carol", "profile/shop")).isTrue();
            assertThat(browser.delete("carol", "profile/shop")).isFalse();
            assertThat(browser.get("carol", "profile/shop")).isEmpty();
        }
    }
}
