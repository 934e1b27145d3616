package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /**
     * Two first writes of a key at once: with delete-then-insert both found nothing to delete and the later insert
     * broke the primary key, so one family call failed (a browser saving a new profile from two sessions).
     */
    @Test
    void firstWritesOfAKeyAtOnceAllSucceed() throws Exception {
        int writers = 8;
        try (Store store = Store.open(
                Database.h2Url(Files.createTempDirectory("hal9-family-race")), "sa", "", System::currentTimeMillis)) {
            FamilyState browser = store.familyState("browser");
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                for (int round = 0; round < 10; round++) {
                    String key = "profile/" + round;
                    CyclicBarrier start = new CyclicBarrier(writers);
                    List<Future<?>> puts = new ArrayList<>();
                    for (int writer = 0; writer < writers; writer++) {
                        String value = "written by " + writer;
                        puts.add(pool.submit(() -> {
                            start.await();
                            browser.put("erin", key, value);
                            return null;
                        }));
                    }
                    for (Future<?> put : puts) {
                        put.get(); // throws what the put threw
                    }
                    assertThat(browser.get("erin", key)).get().asString().startsWith("written by ");
                    int rows = store.database().jdbi().withHandle(handle -> handle.createQuery(
                                    "SELECT COUNT(*) FROM family_state WHERE state_key = :key")
                            .bind("key", key)
                            .mapTo(Integer.class)
                            .one());
                    assertThat(rows).isEqualTo(1);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
