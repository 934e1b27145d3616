package dev.hal9.api;

import java.util.Map;

/**
 * A payment as tools return it to its owner: what, where, its state and what happens next. Amounts are decimal
 * strings in whole units, so no client loses precision. Never carries a key or a signed transaction.
 */
public record PaymentView(
        @Param("The payment's id (pay_...); payment_status takes it.")
        String id,

        @Param("pending (waiting for a person), approved, sent, reconciling (broadcast, outcome not known yet: do not "
                + "pay again), confirmed, failed, declined or expired.")
        String state,

        @Param("What it does, as the approving person reads it.")
        String summary,

        @Param("The network.") String network,
        @Param("The asset's symbol.") String asset,

        @Param("The amount in whole units, as a decimal string.")
        String amount,

        @Param("The paying address.") String from,
        @Param("The receiving address.") String to,

        @Param("What the simulation found: fees, gas, the token contract.")
        Map<String, String> preview,

        @Param("The caller's idempotency key; sending again with it returns this payment.")
        String idempotencyKey,

        @Param("How it was approved: cli, web, elicitation or auto-approve.")
        String approvedVia,

        @Param("The transaction hash, once signed.") String txHash,

        @Param(value = "When a pending payment expires unless a person approves it.", format = "date-time")
        String expiresAt,

        @Param("Why it failed, or a note on its state.") String detail,
        @Param("What happens next, and what to do.") String next,

        @Param("Everything it moves or lets others spend out of the wallet, as the guard priced it, e.g. "
                + "'5 USDT to 0x…', 'at most 0.0001 ETH in fees', 'approval of 5 USDT to 0x…'.")
        java.util.List<String> moves,

        @Param("The payment this one refunds, if it is a refund.")
        String refundOf,

        @Param("What the operator's limits leave for each asset it moves, by asset, e.g. \"1.5 of 2.5 left today "
                + "(this payment counted); at most 1 per payment\".")
        Map<String, String> limits) {

    /** The view of a payment, with the guard's advice on what comes next. */
    public static PaymentView of(Guard.Payment payment, String next) {
        return of(payment, next, Map.of());
    }

    /** The same, with the limits left ({@link Guard#limitsLeft}). */
    public static PaymentView of(Guard.Payment payment, String next, Map<String, String> limits) {
        return new PaymentView(
                payment.id(),
                payment.state().name().toLowerCase(java.util.Locale.ROOT),
                payment.summary(),
                payment.network(),
                payment.asset(),
                new java.math.BigDecimal(payment.amount())
                        .movePointLeft(payment.decimals())
                        .stripTrailingZeros()
                        .toPlainString(),
                payment.sender(),
                payment.recipient(),
                payment.preview(),
                payment.idempotencyKey(),
                payment.approvedVia(),
                payment.txHash(),
                payment.state() == Guard.State.PENDING ? payment.expiresAt().toString() : null,
                payment.error(),
                next,
                payment.effects().stream().map(PaymentView::describe).toList(),
                payment.refundOf(),
                limits == null || limits.isEmpty() ? null : Map.copyOf(limits));
    }

    /** One effect in words, e.g. "5 USDT to 0xabc" or "at most 0.0001 ETH in fees". */
    public static String describe(Guard.Effect effect) {
        String amount = effect.unlimited()
                ? "unlimited"
                : new java.math.BigDecimal(effect.amount())
                        .movePointLeft(effect.decimals())
                        .stripTrailingZeros()
                        .toPlainString();
        return switch (effect.kind()) {
            case TRANSFER ->
                amount + " " + effect.asset() + (effect.counterparty() == null ? "" : " to " + effect.counterparty());
            case FEE -> "at most " + amount + " " + effect.asset() + " in fees";
            case APPROVAL ->
                "approval of " + amount + " " + effect.asset()
                        + (effect.counterparty() == null ? "" : " to " + effect.counterparty());
        };
    }

    /** A few lines for clients that read text. */
    public String render() {
        StringBuilder text = new StringBuilder(id + ": " + state + " — " + summary);
        if (moves != null && !moves.isEmpty()) {
            text.append("\nmoves: ").append(String.join(", ", moves));
        }
        if (txHash != null) {
            text.append("\ntx ").append(txHash);
        }
        if (detail != null) {
            text.append("\n").append(detail);
        }
        if (next != null) {
            text.append("\n").append(next);
        }
        return text.toString();
    }
}
