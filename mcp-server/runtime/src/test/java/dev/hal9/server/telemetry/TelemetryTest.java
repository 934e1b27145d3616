package dev.hal9.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hal9.api.Principal;
import dev.hal9.api.internal.CallObserver;
import dev.hal9.server.guard.Ledger;
import dev.hal9.server.store.AuditLog;
import dev.hal9.server.store.Database;
import dev.hal9.server.store.Store;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Spans and metrics per tool call: scraped at /metrics, exported over OTLP/HTTP when configured. */
class TelemetryTest {

    @Test
    void exportsSpansOverOtlpAndRedactsSecretsInTheAudit() throws Exception {
        // a stand-in OTLP collector: it records what the real exporter posts, in OTLP's protobuf encoding
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            received.add(exchange.getRequestURI().getPath() + " " + body.toString(StandardCharsets.ISO_8859_1));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        Store store = Store.open(
                Database.h2Url(Files.createTempDirectory("hal9-telemetry")), "sa", "", System::currentTimeMillis);
        try (Telemetry telemetry = new Telemetry(
                store.audit(), "http://127.0.0.1:" + collector.getAddress().getPort())) {
            telemetry
                    .begin(
                            "wallet_send",
                            Principal.local("carol"),
                            Map.of("to", "EQabc", "passphrase", "hunter2", "nested", Map.of("apiKey", "k-123")))
                    .end(CallObserver.Outcome.ERROR, "limit exceeded");

            assertThat(telemetry.scrape()).contains("hal9_tool_calls_total", "wallet_send", "error");
            // labelled by the instance, the host and process that counted it (issue 19)
            assertThat(telemetry.scrape())
                    .containsPattern("hal9_tool_calls_total\\{[^}]*service_instance_id=\"[^\"]+-"
                            + ProcessHandle.current().pid() + "\"");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.stream().noneMatch(r -> r.startsWith("/v1/traces")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(received)
                    .anySatisfy(request ->
                            assertThat(request).startsWith("/v1/traces").contains("tools/call wallet_send", "hal9"));

            AuditLog.AuditRow row = store.audit().recent(1).get(0);
            assertThat(row.principal()).isEqualTo("carol");
            assertThat(row.outcome()).isEqualTo("error");
            assertThat(row.arguments())
                    .contains("EQabc")
                    .doesNotContain("hunter2", "k-123")
                    .contains("[redacted]");
        } finally {
            store.close();
            collector.stop(0);
        }
    }

    /**
     * The gauges the deployment's alerts read (deploy/prometheus/alerts.yml): the pool's use, with callers waiting
     * when every connection is lent out, and the payments that have not ended with the age of the oldest. While the
     * pool is exhausted the ledger's query cannot run, and the scrape answers with the reading before, in time.
     */
    @Test
    void gaugesShowThePoolsUseAndThePaymentsThatHaveNotEnded() throws Exception {
        Store store = Store.open(
                        Database.h2Url(Files.createTempDirectory("hal9-gauges")), "sa", "", System::currentTimeMillis)
                .awaitOpen();
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        Ledger ledger = new Ledger(store.database()::jdbi, InstantSource.fixed(now));
        long hourAgo = now.minusSeconds(3600).toEpochMilli();
        long minuteAgo = now.minusSeconds(60).toEpochMilli();
        // rows as the guard leaves them: one broadcast an hour ago whose outcome is not known, two waiting for a
        // person (the older recorded an hour ago), one confirmed (ended: not counted)
        insertPayment(store, "pay_r", "RECONCILING", hourAgo - 5_000, hourAgo);
        insertPayment(store, "pay_p1", "PENDING", hourAgo, null);
        insertPayment(store, "pay_p2", "PENDING", minuteAgo, null);
        insertPayment(store, "pay_c", "CONFIRMED", hourAgo, hourAgo);

        // what the families hold open: two browser sessions and a contract
        store.handles().of(Principal.local("carol")).mint("bs", "a browser session");
        store.handles().of(Principal.local("dave")).mint("bs", "a browser session");
        store.handles().of(Principal.local("dave")).mint("ct", "a contract");

        try (Telemetry telemetry = new Telemetry(store.audit(), "")) {
            telemetry.observeStore(
                    store.database()::poolUse,
                    () -> Optional.of(ledger.unfinished()),
                    () -> Optional.of(store.handles().liveByPrefix()));
            String scraped = telemetry.scrape();
            assertThat(value(scraped, "hal9_handles_live", "bs")).isEqualTo(2);
            assertThat(value(scraped, "hal9_handles_live", "ct")).isEqualTo(1);
            assertThat(value(scraped, "hal9_payments_unfinished", "reconciling"))
                    .isEqualTo(1);
            assertThat(value(scraped, "hal9_payments_unfinished", "pending")).isEqualTo(2);
            assertThat(value(scraped, "hal9_payments_unfinished", "sent")).isZero();
            assertThat(value(scraped, "hal9_payments_unfinished", "approved")).isZero();
            assertThat(value(scraped, "hal9_payments_oldest_age_seconds", "reconciling"))
                    .isEqualTo(3600);
            assertThat(value(scraped, "hal9_payments_oldest_age_seconds", "pending"))
                    .isEqualTo(3600);
            assertThat(value(scraped, "hal9_payments_oldest_age_seconds", "sent"))
                    .isZero();
            assertThat(value(scraped, "hal9_db_pool_max", "")).isEqualTo(8);
            assertThat(value(scraped, "hal9_db_pool_waiting", "")).isZero();

            // every connection lent out, and one more caller waiting for one
            DataSource pool = store.database().dataSource();
            List<Connection> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(pool.getConnection());
            }
            CompletableFuture<Connection> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return pool.getConnection();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (store.database().poolUse().orElseThrow().waiting() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                // answers (with the reading before) although the ledger's query waits for a connection
                String exhausted = telemetry.scrape();
                assertThat(value(exhausted, "hal9_db_pool_active", "")).isEqualTo(8);
                assertThat(value(exhausted, "hal9_db_pool_idle", "")).isZero();
                assertThat(value(exhausted, "hal9_db_pool_waiting", "")).isGreaterThanOrEqualTo(1);
                assertThat(value(exhausted, "hal9_payments_unfinished", "reconciling"))
                        .as("the reading before")
                        .isEqualTo(1);
            } finally {
                for (Connection connection : held) {
                    connection.close();
                }
                waiter.get(30, TimeUnit.SECONDS).close();
            }
        } finally {
            store.close();
        }
    }

    private static void insertPayment(Store store, String id, String state, long createdAt, Long sentAt) {
        store.database().jdbi().useHandle(h -> h.createUpdate(
                        "INSERT INTO ledger (id, principal_id, idempotency_key, kind, network, "
                                + "asset, decimals, amount, sender, recipient, summary, preview, payload, state, "
                                + "spend_day, created_at, expires_at, sent_at) VALUES (:id, 'carol', :id, "
                                + "'test.transfer', 'test', 'eth', 18, 1, '0xa', '0xb', 'a test', '{}', '{}', :state, "
                                + "'2026-12-01', :created, :expires, :sent)")
                .bind("id", id)
                .bind("state", state)
                .bind("created", createdAt)
                .bind("expires", createdAt + 600_000)
                .bind("sent", sentAt)
                .execute());
    }

    /** The value of the one series of a metric whose labels contain {@code label} (any series when empty). */
    private static double value(String scraped, String metric, String label) {
        Matcher series = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)$")
                .matcher(scraped);
        List<Double> values = new ArrayList<>();
        while (series.find()) {
            if (label.isEmpty() || series.group(1).contains("\"" + label + "\"")) {
                values.add(Double.parseDouble(series.group(2)));
            }
        }
        assertThat(values).as(metric + " " + label + " in\n" + scraped).hasSize(1);
        return values.get(0);
    }
}
