/** OpenTelemetry for tool calls: spans, the metrics Prometheus scrapes, and the OTLP exporter. */
package dev.hal9.server.telemetry;
