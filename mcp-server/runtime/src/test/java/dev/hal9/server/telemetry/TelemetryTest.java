package dev.hal9.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hal9.api.Principal;
import dev.hal9.api.internal.CallObserver;
import dev.hal9.server.store.AuditLog;
import dev.hal9.server.store.Database;
import dev.hal9.server.store.Store;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
}
