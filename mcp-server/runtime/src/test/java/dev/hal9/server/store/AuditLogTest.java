package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.server.store.AuditLog.AuditRow;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The audit log in the real store (H2): queued rows read back newest first, clipped, and written before close. */
class AuditLogTest {

    @Test
    void queuedRowsReadBackNewestFirst() throws Exception {
        AtomicLong clock = new AtomicLong(100);
        try (Store store = Store.open(Database.h2Url(Files.createTempDirectory("hal9-audit")), "sa", "", clock::get)) {
            AuditLog audit = store.audit();
            for (int call = 0; call < 1_200; call++) { // more than one batch
                clock.set(100 + call);
                audit.record("carol", "tool_" + call, "ok", call, "{\"n\":" + call + "}", null);
            }
            audit.record(null, "wallet_send", "error", 7, "y".repeat(5_000), "failed");

            assertThat(audit.recent(2))
                    .containsExactly(
                            new AuditRow(1_299, null, "wallet_send", "error", 7, "y".repeat(3_999) + "…"),
                            new AuditRow(1_299, "carol", "tool_1199", "ok", 1_199, "{\"n\":1199}"));
            assertThat(audit.recent(2_000)).hasSize(1_201);
            assertThat(audit.dropped()).isZero();
        }
    }

    @Test
    void closingWritesWhatIsQueued() throws Exception {
        String url = Database.h2Url(Files.createTempDirectory("hal9-audit"));
        try (Store store = Store.open(url, "sa", "", System::currentTimeMillis)) {
            store.awaitOpen();
            for (int call = 0; call < 300; call++) {
                store.audit().record("carol", "server_info", "ok", 1, "{}", null);
            }
        }
        try (Store reopened = Store.open(url, "sa", "", System::currentTimeMillis)) {
            assertThat(reopened.audit().recent(1_000)).hasSize(300);
        }
    }
}
