package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.Handles;
import dev.hal9.api.Handles.HandleInfo;
import dev.hal9.api.Principal;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Handles in the real store (H2): owned per principal, newest first, surviving a restart, released once. */
class HandleStoreTest {

    @Test
    void handlesStayWithTheirOwnerAcrossARestart() throws Exception {
        String url = Database.h2Url(Files.createTempDirectory("hal9-handles"));
        AtomicLong clock = new AtomicLong(10);
        Principal carol = Principal.local("carol");
        Principal dave = Principal.local("dave");
        String older;
        String newer;
        try (Store store = Store.open(url, "sa", "", clock::get)) {
            Handles mine = store.handles().of(carol);
            older = mine.mint("bs", "a browser session");
            clock.set(20);
            newer = mine.mint("cart", "x".repeat(600));
            assertThat(older).startsWith("bs_");
            assertThat(mine.find(older)).contains(new HandleInfo(older, "bs", "a browser session", 10));
            assertThat(store.handles().of(dave).find(older))
                    .as("another principal's handle")
                    .isEmpty();
            assertThat(store.handles().of(dave).list()).isEmpty();
            assertThat(store.handles().of(dave).release(older)).isFalse();
        }
        try (Store reopened = Store.open(url, "sa", "", clock::get)) {
            Handles mine = reopened.handles().of(carol);
            assertThat(mine.list()).extracting(HandleInfo::handle).containsExactly(newer, older);
            assertThat(mine.find(newer))
                    .get()
                    .extracting(HandleInfo::label)
                    .asString()
                    .hasSize(500);
            assertThat(mine.find("x".repeat(41))).isEmpty();
            assertThat(mine.release(older)).isTrue();
            assertThat(mine.release(older)).isFalse();
            assertThat(mine.list()).extracting(HandleInfo::handle).containsExactly(newer);
        }
    }
}
