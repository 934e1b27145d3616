package dev.hal9.api;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one way value moves. A value-moving tool validates and simulates its intent, then hands it to the guard,
 * which checks the operator's policy (per-call and daily limits per principal and asset, recipient and network
 * allow-lists), records a {@code pending} ledger row under an idempotency key, gets a human's confirmation and
 * executes it exactly once through the family's {@link Settlement}: {@code pending -> approved -> sent ->
 * confirmed | failed}. A model cannot approve: no tool does, and a client's answer to an elicitation counts only
 * where the operator lets it.
 */
public interface Guard {

    /** Registers how payments of a kind (e.g. {@code evm.transfer}) are signed, sent and checked. */
    void register(String kind, Settlement settlement);

    /**
     * Checks policy, records the intent and asks for confirmation; executes it when confirmed. Calling again
     * with the same idempotency key returns the same payment, never a second one.
     *
     * @throws ToolException when policy refuses it (the message says which rule and what to do)
     */
    Payment submit(ToolCall call, Intent intent);

    /** One of the caller's payments, by id. */
    Optional<Payment> find(Principal principal, String id);

    /**
     * One of the caller's payments, by the idempotency key it was submitted with. A tool looks here before it
     * simulates a retry: the first attempt may have changed the state a second simulation would see.
     */
    Optional<Payment> findByKey(Principal principal, String idempotencyKey);

    /** The caller's most recent payments, newest first. */
    List<Payment> recent(Principal principal, int limit);

    /** What happens next to a payment and what its owner can do, in a sentence for the model to relay. */
    String nextStep(Payment payment);

    /**
     * What a value-moving tool wants to do, validated and simulated.
     *
     * @param kind the settlement that carries it out, e.g. {@code evm.transfer}
     * @param network the network's name as configured, e.g. {@code ethereum}
     * @param asset the asset's symbol, e.g. {@code ETH} or {@code USDT}
     * @param decimals the asset's decimals
     * @param amount the amount in the asset's smallest unit; positive
     * @param sender the paying address
     * @param recipient the receiving address
     * @param summary one line a person reads before approving, e.g. "send 0.5 ETH on ethereum to 0x..."
     * @param preview what the simulation found (fees, balances), shown with the summary
     * @param payload what the settlement needs to rebuild the transaction, opaque to the guard (JSON)
     * @param idempotencyKey the caller's key for this intent, or {@code null} for a fresh one
     */
    record Intent(
            String kind,
            String network,
            String asset,
            int decimals,
            BigInteger amount,
            String sender,
            String recipient,
            String summary,
            Map<String, String> preview,
            String payload,
            String idempotencyKey) {
        public Intent {
            if (amount.signum() <= 0) {
                throw new IllegalArgumentException("amount must be positive");
            }
            preview = Map.copyOf(preview);
        }
    }

    /** Where a payment is. */
    enum State {
        /** Recorded, waiting for a person. */
        PENDING,
        /** A person (or the auto-approve policy) approved it; not signed yet. */
        APPROVED,
        /** Signed and stored, then broadcast; waiting for the chain. */
        SENT,
        /** On chain and successful. */
        CONFIRMED,
        /** Broadcast but rejected or reverted, or it could not be sent; nothing moved. */
        FAILED,
        /** A person said no; nothing was sent. */
        DECLINED,
        /** Nobody approved it in time; nothing was sent. */
        EXPIRED;

        /** Whether the payment can no longer change. */
        public boolean terminal() {
            return this == CONFIRMED || this == FAILED || this == DECLINED || this == EXPIRED;
        }
    }

    /** A ledger row as its owner may see it. No secret is ever part of it. */
    record Payment(
            String id,
            String principal,
            String idempotencyKey,
            String kind,
            String network,
            String asset,
            int decimals,
            BigInteger amount,
            String sender,
            String recipient,
            String summary,
            Map<String, String> preview,
            String payload,
            State state,
            Instant createdAt,
            Instant expiresAt,
            String approvedVia,
            String txHash,
            String error) {}

    /** A signed transaction, stored before it is broadcast so that a crash can never send a second one. */
    record Signed(String hash, String raw, long sequence) {}

    /** What the chain says about a sent payment. */
    record Outcome(Status status, String detail) {
        public enum Status {
            /** Included and successful. */
            CONFIRMED,
            /** Included and failed (reverted, bounced). */
            FAILED,
            /** Known to the network, not included yet. */
            PENDING,
            /** The network does not know it: it was never broadcast, or dropped. */
            UNKNOWN
        }

        public static Outcome of(Status status) {
            return new Outcome(status, null);
        }
    }

    /** How a family carries out one kind of payment. Called by the guard, one payment per sender at a time. */
    interface Settlement {
        /** Signs the approved payment; broadcasts nothing. {@code previous} is the sequence (nonce, seqno) of
         *  the sender's last payment still in flight, or -1. */
        Signed sign(Payment payment, long previous);

        /**
         * Broadcasts a signed transaction. Broadcasting the same one twice is harmless (same nonce, same hash).
         *
         * @throws Rejected when the network refused it for good (nothing moved); any other exception leaves the
         *     payment {@code sent}, to be checked and, if the network never saw it, broadcast again
         */
        void broadcast(Payment payment, Signed signed);

        /** Looks the sent payment up on chain. */
        Outcome check(Payment payment, Signed signed);
    }

    /** The network refused a transaction for good: nothing moved, and sending it again would not help. */
    final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }
}
