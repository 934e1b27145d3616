/**
 * The one guard every value-moving tool goes through ({@link dev.hal9.api.Guard}): the operator's policy
 * (limits, auto-approve), the ledger of payments (quoted, simulated, approved by a person, executed once,
 * confirmed), and the {@code payment_*} tools that let a model see where a payment stands but never approve it.
 */
package dev.hal9.server.guard;
