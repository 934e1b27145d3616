package dev.hal9.server.telemetry;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.CallObserver;
import dev.hal9.api.internal.Json;
import dev.hal9.server.Hal9;
import dev.hal9.server.guard.Ledger;
import dev.hal9.server.secrets.Secrets;
import dev.hal9.server.store.AuditLog;
import dev.hal9.server.store.Database;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry for hal9: a span, a counter and a duration histogram per tool call, read by Prometheus at
 * {@code /metrics}; gauges of the database's connection pool and of the payments that have not ended
 * ({@link #observeStore}); and the audit row per call. It is the runtime's {@link CallObserver}. Thread-safe.
 */
public final class Telemetry implements CallObserver, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

    private static final AttributeKey<String> TOOL = AttributeKey.stringKey("mcp.tool.name");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("hal9.outcome");
    private static final AttributeKey<String> PRINCIPAL = AttributeKey.stringKey("hal9.principal");
    private static final AttributeKey<String> PAYMENT_STATE = AttributeKey.stringKey("hal9.payment.state");
    private static final AttributeKey<String> HANDLE_PREFIX = AttributeKey.stringKey("hal9.handle.prefix");

    /** How long a scrape waits for the ledger's query before it reports the reading before. */
    private static final long PAYMENTS_PATIENCE_MILLIS = 2_000;
    /** Argument names whose values never reach the audit log. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(pass(word|phrase)?|secret|token|api[_-]?key|private|mnemonic|seed|cookie|auth|credential).*");

    private static final Pattern HASH_NAME = Pattern.compile("(?i)(.*hash|tx)");

    private final AuditLog audit;
    private final String otlpBase;
    private final List<String> zeroTools = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A number a family reports ({@link dev.hal9.api.FamilyContext#gauge}), registered when the instruments are. */
    private record FamilyGauge(String name, String description, java.util.function.LongSupplier value) {}

    private final List<FamilyGauge> familyGauges = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** What {@link #observeStore} was given, registered as gauges when the instruments are made. */
    private Supplier<Optional<Database.PoolUse>> pool;

    private Reading<List<Ledger.Unfinished>> payments;

    private Reading<Map<String, Long>> handles;
    /** Made at first use: the OpenTelemetry SDK takes longer to build than a stdio client waits for its tools. */
    private volatile Instruments instruments;

    /**
     * @param audit where audit rows go
     * @param otlpEndpoint an OTLP/HTTP collector base URL such as {@code http://127.0.0.1:4318}, or blank for
     *     no export (spans are then only counted; metrics still reach /metrics)
     */
    public Telemetry(AuditLog audit, String otlpEndpoint) {
        this.audit = audit;
        if (otlpEndpoint != null && !otlpEndpoint.isBlank()) {
            String base =
                    otlpEndpoint.endsWith("/") ? otlpEndpoint.substring(0, otlpEndpoint.length() - 1) : otlpEndpoint;
            URI.create(base); // fail at start-up, with the key's name, on a malformed URL
            this.otlpBase = base;
        } else {
            this.otlpBase = null;
        }
    }

    /** The resource attribute that names this process among several: its host's name and its process id. */
    private static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("service.instance.id");

    private static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private record Instruments(
            PrometheusMetricReader prometheus,
            SdkMeterProvider meters,
            SdkTracerProvider tracers,
            Tracer tracer,
            LongCounter calls,
            DoubleHistogram durations) {

        static Instruments create(String otlpBase) {
            // every series carries the instance that made it, so one instance's /metrics, and a sum over several,
            // say whose calls they count
            PrometheusMetricReader prometheus = PrometheusMetricReader.builder()
                    .setAllowedResourceAttributesFilter(INSTANCE.getKey()::equals)
                    .build();
            Resource resource = Resource.getDefault()
                    .merge(Resource.create(Attributes.of(
                            AttributeKey.stringKey("service.name"),
                            "hal9",
                            AttributeKey.stringKey("service.version"),
                            Hal9.VERSION,
                            INSTANCE,
                            instanceId())));
            var meterBuilder = SdkMeterProvider.builder().setResource(resource).registerMetricReader(prometheus);
            var tracerBuilder = SdkTracerProvider.builder().setResource(resource);
            if (otlpBase != null) {
                tracerBuilder.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(otlpBase + "/v1/traces")
                                .build())
                        .setScheduleDelay(Duration.ofSeconds(1))
                        .build());
                meterBuilder.registerMetricReader(PeriodicMetricReader.builder(OtlpHttpMetricExporter.builder()
                                .setEndpoint(otlpBase + "/v1/metrics")
                                .build())
                        .setInterval(Duration.ofSeconds(10))
                        .build());
            }
            SdkMeterProvider meters = meterBuilder.build();
            SdkTracerProvider tracers = tracerBuilder.build();
            Meter meter = meters.get("dev.hal9.server");
            return new Instruments(
                    prometheus,
                    meters,
                    tracers,
                    tracers.get("dev.hal9.server"),
                    meter.counterBuilder("hal9.tool.calls")
                            .setDescription("Tool calls by tool and outcome")
                            .build(),
                    meter.histogramBuilder("hal9.tool.duration")
                            .setDescription("Tool call duration")
                            .setUnit("s")
                            .setExplicitBucketBoundariesAdvice(List.of(
                                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))
                            .build());
        }

        void zeros(List<String> tools) {
            for (String tool : tools) {
                for (Outcome outcome : Outcome.values()) {
                    calls.add(
                            0, Attributes.of(TOOL, tool, OUTCOME, outcome.name().toLowerCase(Locale.ROOT)));
                }
            }
        }
    }

    private Instruments instruments() {
        Instruments made = instruments;
        if (made == null) {
            synchronized (this) {
                made = instruments;
                if (made == null) {
                    made = Instruments.create(otlpBase);
                    made.zeros(zeroTools);
                    Meter meter = made.meters().get("dev.hal9.server");
                    familyGauges.forEach(gauge -> register(meter, gauge));
                    if (pool != null) {
                        gauges(made.meters().get("dev.hal9.server"), pool, payments, handles);
                    }
                    instruments = made;
                }
            }
        }
        return made;
    }

    /**
     * Publishes a family's gauge as {@code hal9.<family>.<name>} ({@code hal9_<family>_<name>} on /metrics), read at
     * each scrape: a number of this instance's, such as the browser sessions it holds.
     */
    public void familyGauge(String family, String name, String description, java.util.function.LongSupplier value) {
        FamilyGauge gauge = new FamilyGauge("hal9." + family + "." + name, description, value);
        synchronized (this) {
            familyGauges.add(gauge);
            if (instruments != null) {
                register(instruments.meters().get("dev.hal9.server"), gauge);
            }
        }
    }

    private static void register(Meter meter, FamilyGauge gauge) {
        meter.gaugeBuilder(gauge.name())
                .setDescription(gauge.description())
                .ofLongs()
                .buildWithCallback(measurement -> {
                    try {
                        measurement.record(gauge.value().getAsLong());
                    } catch (RuntimeException e) {
                        // a family's reading that failed leaves its gauge out of this scrape, not the others
                    }
                });
    }

    /**
     * Publishes a zero for every tool and outcome, so that /metrics has the series before the first call and a
     * rate or an alert over them is defined from the start (Prometheus's advice for labelled counters).
     */
    public void publishZeros(List<String> tools) {
        synchronized (this) {
            zeroTools.addAll(tools);
            if (instruments != null) {
                instruments.zeros(tools);
            }
        }
    }

    /**
     * Publishes gauges read at each scrape (or OTLP export): the connection pool's use, from Hikari's counters, and
     * the payments that have not ended, by state, with the age of the oldest. The pool's numbers cost nothing to
     * read; the payments take a query, so a scrape waits for it at most {@value #PAYMENTS_PATIENCE_MILLIS} ms and
     * otherwise reports the reading before, and a database that hangs never makes /metrics hang. Either supplier
     * answers empty while the database is not open (a stdio server opens it after the handshake), and then its
     * gauges are absent rather than zero.
     */
    public void observeStore(
            Supplier<Optional<Database.PoolUse>> pool,
            Supplier<Optional<List<Ledger.Unfinished>>> payments,
            Supplier<Optional<Map<String, Long>>> handles) {
        synchronized (this) {
            this.pool = pool;
            this.payments = new Reading<>(payments, PAYMENTS_PATIENCE_MILLIS);
            this.handles = new Reading<>(handles, PAYMENTS_PATIENCE_MILLIS);
            if (instruments != null) {
                gauges(instruments.meters().get("dev.hal9.server"), this.pool, this.payments, this.handles);
            }
        }
    }

    private static void gauges(
            Meter meter,
            Supplier<Optional<Database.PoolUse>> pool,
            Reading<List<Ledger.Unfinished>> payments,
            Reading<Map<String, Long>> handles) {
        ObservableLongMeasurement live = meter.gaugeBuilder("hal9.handles.live")
                .setDescription("Live handles by prefix (bs browser sessions, ct contracts, ord orders, ...), of every"
                        + " principal (the whole database's)")
                .ofLongs()
                .buildObserver();
        meter.batchCallback(
                () -> handles.get()
                        .ifPresent(byPrefix -> byPrefix.forEach(
                                (prefix, count) -> live.record(count, Attributes.of(HANDLE_PREFIX, prefix)))),
                live);
        ObservableLongMeasurement active = meter.gaugeBuilder("hal9.db.pool.active")
                .setDescription("Database connections lent out now")
                .ofLongs()
                .buildObserver();
        ObservableLongMeasurement idle = meter.gaugeBuilder("hal9.db.pool.idle")
                .setDescription("Database connections open and unused now")
                .ofLongs()
                .buildObserver();
        ObservableLongMeasurement waiting = meter.gaugeBuilder("hal9.db.pool.waiting")
                .setDescription("Threads waiting for a database connection now (the pool is exhausted)")
                .ofLongs()
                .buildObserver();
        ObservableLongMeasurement max = meter.gaugeBuilder("hal9.db.pool.max")
                .setDescription("The most database connections this process opens")
                .ofLongs()
                .buildObserver();
        meter.batchCallback(
                () -> pool.get().ifPresent(use -> {
                    active.record(use.active());
                    idle.record(use.idle());
                    waiting.record(use.waiting());
                    max.record(use.max());
                }),
                active,
                idle,
                waiting,
                max);
        ObservableLongMeasurement count = meter.gaugeBuilder("hal9.payments.unfinished")
                .setDescription("Payments of every principal that have not ended, by state (the whole database's)")
                .ofLongs()
                .buildObserver();
        ObservableDoubleMeasurement oldest = meter.gaugeBuilder("hal9.payments.oldest.age")
                .setDescription("How long the oldest payment in a state has been there (0 when none is)")
                .setUnit("s")
                .buildObserver();
        meter.batchCallback(
                () -> payments.get()
                        .ifPresent(states -> states.forEach(state -> {
                            Attributes attributes = Attributes.of(
                                    PAYMENT_STATE, state.state().name().toLowerCase(Locale.ROOT));
                            count.record(state.count(), attributes);
                            oldest.record(state.oldest().toMillis() / 1000.0, attributes);
                        })),
                count,
                oldest);
    }

    /**
     * A reading that may block: each call starts one unless one is under way, waits for it a while, and otherwise
     * answers the last one that finished. A reading that fails answers empty (and is logged at debug).
     */
    static final class Reading<T> {
        private final Supplier<Optional<T>> read;
        private final long patienceMillis;
        private CompletableFuture<Optional<T>> current;
        private Optional<T> last = Optional.empty();

        Reading(Supplier<Optional<T>> read, long patienceMillis) {
            this.read = read;
            this.patienceMillis = patienceMillis;
        }

        Optional<T> get() {
            CompletableFuture<Optional<T>> reading;
            synchronized (this) {
                if (current == null || current.isDone()) {
                    current = CompletableFuture.supplyAsync(
                            read,
                            task -> Thread.ofVirtual().name("hal9-metrics-read").start(task));
                }
                reading = current;
            }
            try {
                Optional<T> value = reading.get(patienceMillis, TimeUnit.MILLISECONDS);
                synchronized (this) {
                    last = value;
                }
            } catch (TimeoutException e) {
                LOG.debug("a metrics reading is still under way after {} ms; reporting the one before", patienceMillis);
            } catch (ExecutionException e) {
                LOG.debug("a metrics reading failed: {}", e.getCause().toString());
                synchronized (this) {
                    last = Optional.empty();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                return last;
            }
        }
    }

    /** The caller's span from its {@code traceparent} header (W3C Trace Context), or no parent. */
    private static io.opentelemetry.context.Context parent(String traceparent) {
        io.opentelemetry.context.Context root = io.opentelemetry.context.Context.root();
        if (traceparent == null) {
            return root;
        }
        return io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance()
                .extract(root, traceparent, new io.opentelemetry.context.propagation.TextMapGetter<String>() {
                    @Override
                    public Iterable<String> keys(String carrier) {
                        return java.util.List.of("traceparent");
                    }

                    @Override
                    public String get(String carrier, String key) {
                        return "traceparent".equals(key) ? carrier : null;
                    }
                });
    }

    Meter meter() {
        return instruments().meters().get("dev.hal9.server");
    }

    @Override
    public Observation begin(String tool, Principal principal, Map<String, Object> arguments) {
        return begin(tool, principal, arguments, null);
    }

    @Override
    public Observation begin(String tool, Principal principal, Map<String, Object> arguments, String traceparent) {
        long started = System.nanoTime();
        Instruments instruments = instruments();
        Span span = instruments
                .tracer()
                .spanBuilder("tools/call " + tool)
                .setParent(parent(traceparent))
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(TOOL, tool)
                .setAttribute(PRINCIPAL, principal == null ? "" : principal.id())
                .startSpan();
        String redacted = redact(arguments);
        return new Observation() {
            private boolean ended;

            @Override
            public synchronized void end(Outcome outcome, String detail) {
                if (ended) {
                    return;
                }
                ended = true;
                long nanos = System.nanoTime() - started;
                String name = outcome.name().toLowerCase(Locale.ROOT);
                Attributes attributes = Attributes.of(TOOL, tool, OUTCOME, name);
                instruments.calls().add(1, attributes);
                instruments.durations().record(nanos / 1e9, attributes);
                span.setAttribute(OUTCOME, name);
                if (outcome != Outcome.OK) {
                    span.setStatus(StatusCode.ERROR, detail == null ? name : detail);
                }
                span.end();
                audit.record(
                        principal == null ? null : principal.id(), tool, name, nanos / 1_000_000, redacted, detail);
            }
        };
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create()
                    .write(out, instruments().prometheus().collect(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Arguments as JSON with the values of secret-looking names replaced and long strings shortened. */
    static String redact(Map<String, Object> arguments) {
        return Json.MAPPER.writeValueAsString(redactValue(null, arguments));
    }

    private static Object redactValue(String name, Object value) {
        if (name != null && SECRET_NAME.matcher(name).matches() && value != null) {
            return "[redacted]";
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, inner) -> copy.put(String.valueOf(key), redactValue(String.valueOf(key), inner)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(inner -> redactValue(name, inner)).toList();
        }
        if (value instanceof String text) {
            // a transaction or block hash has a private key's shape; only under a name that says hash is it kept
            String shown = name != null && HASH_NAME.matcher(name).matches() && Secrets.hashShaped(text)
                    ? text
                    : Secrets.redact(text);
            return shown.length() > 200 ? shown.substring(0, 200) + "…(" + shown.length() + " chars)" : shown;
        }
        return value;
    }

    @Override
    public void close() {
        Instruments made;
        synchronized (this) {
            made = instruments;
        }
        if (made != null) {
            made.meters().close();
            made.tracers().close();
        }
    }
}
