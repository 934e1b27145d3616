package dev.hal9.conformance;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in OpenTelemetry collector: it accepts OTLP/HTTP trace exports ({@code POST /v1/traces}, protobuf) as a
 * real collector does, and keeps the requests, decoded with OTLP's own messages, and their raw bodies. Test code only.
 */
final class OtlpCollector implements AutoCloseable {

    private final HttpServer server;
    final List<ExportTraceServiceRequest> exports = new CopyOnWriteArrayList<>();
    /** Every export's body as received, to search for text that must never be exported. */
    final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    /** The base URL, as telemetry.otlp-endpoint names a collector. */
    final String url;

    OtlpCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            bodies.add(body);
            exports.add(ExportTraceServiceRequest.parseFrom(body));
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every span received, from every export, resource and scope. */
    List<Span> spans() {
        return exports.stream()
                .flatMap(export -> export.getResourceSpansList().stream())
                .map(ResourceSpans::getScopeSpansList)
                .flatMap(List::stream)
                .map(ScopeSpans::getSpansList)
                .flatMap(List::stream)
                .toList();
    }

    /** The resources' attributes ({@code service.name} and the like). */
    List<Map<String, Object>> resources() {
        return exports.stream()
                .flatMap(export -> export.getResourceSpansList().stream())
                .map(spans -> values(spans.getResource().getAttributesList()))
                .toList();
    }

    /** A span's attributes as plain values: String, Long, Double, Boolean, or a List of them. */
    static Map<String, Object> attributes(Span span) {
        return values(span.getAttributesList());
    }

    static String hex(com.google.protobuf.ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    private static Map<String, Object> values(List<KeyValue> attributes) {
        Map<String, Object> values = new LinkedHashMap<>();
        attributes.forEach(attribute -> values.put(attribute.getKey(), value(attribute.getValue())));
        return values;
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            case ARRAY_VALUE ->
                value.getArrayValue().getValuesList().stream()
                        .map(OtlpCollector::value)
                        .toList();
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
