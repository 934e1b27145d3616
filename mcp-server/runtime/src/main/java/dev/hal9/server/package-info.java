/**
 * The composition root: {@link dev.hal9.server.Hal9} finds the tool families, wires them to the store, the guard,
 * telemetry and one clock, and hands the result to a transport; {@link dev.hal9.server.Settings} is the one reader of
 * {@code hal9.yaml} and {@code HAL9_*} variables. Everything else in the runtime lives in a package of its own
 * concern below this one, and nothing here knows a family's internals: families reach the runtime only through
 * {@code dev.hal9.api}.
 */
package dev.hal9.server;
