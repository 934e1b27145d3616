package dev.hal9.api;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one way value moves. A value-moving tool validates and simulates its intent, then hands it to the guard,
 * which prices it by every asset it would move or approve ({@link Effect}s), checks the operator's policy (per-call
 * and daily limits per principal and asset, recipient and network allow-lists), records a {@code pending} ledger
 * row under an idempotency key, gets a human's confirmation and executes it exactly once through the family's
 * {@link Settlement}: {@code pending -> approved -> sent -> confirmed | failed}, with {@code reconciling} while the
 * chain has not shown the outcome of a broadcast transaction. A model cannot approve: no tool does, and a client's
 * answer to an elicitation counts only where the operator lets it. Only calls the runtime made may spend: a family
 * cannot make up a caller.
 */
public interface Guard {

    /** Registers how payments of a kind (e.g. {@code evm.transfer}) are signed, sent and checked. */
    void register(String kind, Settlement settlement);

    /**
     * Registers a listener that hears every payment end (confirmed, failed, declined, expired), at least once, in
     * whichever thread or process ended it, also after a crash. Listeners must be idempotent.
     */
    void listen(Listener listener);

    /**
     * Checks policy, records the intent and asks for confirmation; executes it when confirmed. Calling again
     * with the same idempotency key returns the same payment, never a second one.
     *
     * @param call the tool call the runtime handed to the handler; any other is refused
     * @throws ToolException when policy refuses it (the message says which rule and what to do)
     */
    Payment submit(ToolCall call, Intent intent);

    /**
     * Pays a confirmed payment back: the payee (the owner of the receiving wallet) pays the payer's wallet the same
     * asset and amount, as a payment of the payee under the payee's policy, approved like any payment (never by the
     * payer's client). There is at most one refund per payment: asking again returns it. It is executed by the
     * guard's worker, not in the caller's thread.
     *
     * @throws ToolException when the payment is not confirmed, or the payee cannot pay it back
     */
    Payment refund(String paymentId, String reason);

    /** One of the caller's payments, by id. */
    Optional<Payment> find(Principal principal, String id);

    /**
     * One of the caller's payments, by the idempotency key it was submitted with. A tool looks here before it
     * simulates a retry: the first attempt may have changed the state a second simulation would see.
     */
    Optional<Payment> findByKey(Principal principal, String idempotencyKey);

    /** The refund of one of the caller's payments, if one was made. */
    Optional<Payment> refundOf(Principal payer, String paymentId);

    /** The caller's most recent payments, newest first. */
    List<Payment> recent(Principal principal, int limit);

    /** What happens next to a payment and what its owner can do, in a sentence for the model to relay. */
    String nextStep(Payment payment);

    /**
     * What the operator's limits leave for each asset a payment moves, in words by asset ("ETH": "1.5 of 2.5 left
     * today (this payment counted); at most 1 per payment"); empty where no limits apply.
     */
    default Map<String, String> limitsLeft(Payment payment) {
        return Map.of();
    }

    /** The payment as tools return it: with what comes next and the limits left. */
    default PaymentView view(Payment payment) {
        return PaymentView.of(payment, nextStep(payment), limitsLeft(payment));
    }

    /**
     * One asset a payment moves out of the sender's wallet, or lets someone else move.
     *
     * @param asset the asset's symbol as limits name it ({@code ETH}, {@code USDT}), or a token's contract address
     * @param decimals the asset's decimals
     * @param amount the most it moves, in the smallest unit; not negative
     * @param kind what moves it
     * @param counterparty who receives it, or who may spend it (an approval's spender); may be null
     * @param unlimited an approval without a bound (e.g. 2^256-1, or all of a collection)
     */
    record Effect(String asset, int decimals, BigInteger amount, Kind kind, String counterparty, boolean unlimited) {
        public Effect {
            Objects.requireNonNull(asset, "asset");
            Objects.requireNonNull(kind, "kind");
            if (amount.signum() < 0) {
                throw new IllegalArgumentException("an effect's amount is not negative");
            }
        }

        /** An asset sent to a counterparty. */
        public static Effect transfer(String asset, int decimals, BigInteger amount, String to) {
            return new Effect(asset, decimals, amount, Kind.TRANSFER, to, false);
        }

        /** The network's fee, at most. */
        public static Effect fee(String asset, int decimals, BigInteger amount) {
            return new Effect(asset, decimals, amount, Kind.FEE, null, false);
        }

        /** What moves it. */
        public enum Kind {
            /** Sent to someone. */
            TRANSFER,
            /** Paid to the network for including the transaction. */
            FEE,
            /** Someone else may now spend it: an allowance counts as spent. */
            APPROVAL
        }
    }

    /**
     * What a value-moving tool wants to do, validated and simulated.
     *
     * @param kind the settlement that carries it out, e.g. {@code evm.transfer}
     * @param network the network's name as configured, e.g. {@code ethereum}
     * @param asset the headline asset's symbol, e.g. {@code ETH} or {@code USDT}
     * @param decimals the headline asset's decimals
     * @param amount the headline amount in the asset's smallest unit; positive
     * @param sender the paying address
     * @param recipient the receiving address
     * @param summary one line a person reads before approving, e.g. "send 0.5 ETH on ethereum to 0x..."
     * @param preview what the simulation found (fees, balances), shown with the summary
     * @param payload what the settlement needs to rebuild the transaction, opaque to the guard (JSON)
     * @param idempotencyKey the caller's key for this intent, or {@code null} for a fresh one
     * @param effects everything it moves or approves out of the sender's wallet, fees included; the guard's
     *     limits are checked against these, not against the headline
     * @param determined whether the effects are known in full (a simulation saw them); an intent whose effects
     *     could not be determined is never approved by policy
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
            String idempotencyKey,
            List<Effect> effects,
            boolean determined) {
        public Intent {
            if (amount.signum() <= 0) {
                throw new IllegalArgumentException("amount must be positive");
            }
            preview = Map.copyOf(preview);
            if (effects == null || effects.isEmpty()) {
                throw new IllegalArgumentException("an intent names what it moves (at least one effect)");
            }
            effects = List.copyOf(effects);
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
        /**
         * Broadcast, but the network has not shown what became of it (an RPC that lags or answered ambiguously).
         * Its amount stays reserved and the guard keeps checking; it is never called failed without proof.
         */
        RECONCILING,
        /** On chain and delivered. */
        CONFIRMED,
        /** Provably not delivered: rejected, reverted, bounced, or never broadcast; nothing arrived. */
        FAILED,
        /** A person said no; nothing was sent. */
        DECLINED,
        /** Nobody approved it in time; nothing was sent. */
        EXPIRED;

        /** Whether the payment can no longer change. */
        public boolean terminal() {
            return this == CONFIRMED || this == FAILED || this == DECLINED || this == EXPIRED;
        }

        /** Whether a transaction was broadcast and its outcome is still being followed. */
        public boolean inFlight() {
            return this == SENT || this == RECONCILING;
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
            String error,
            List<Effect> effects,
            boolean determined,
            String refundOf) {}

    /**
     * A signed transaction, stored before it is broadcast so that a crash can never send a second one.
     *
     * @param hash how the network knows it
     * @param raw what is broadcast
     * @param sequence the sender's nonce or seqno it uses
     * @param context what the settlement needs later to find it on chain (e.g. the block it was signed at), or null
     */
    record Signed(String hash, String raw, long sequence, String context) {
        public Signed(String hash, String raw, long sequence) {
            this(hash, raw, sequence, null);
        }
    }

    /** What the chain says about a sent payment. */
    record Outcome(Status status, String detail) {
        public enum Status {
            /** Included and delivered. */
            CONFIRMED,
            /** Provably not delivered (reverted, bounced, its sequence used by another transaction, expired). */
            FAILED,
            /** Known to the network, not final yet. */
            PENDING,
            /** The network does not show it and its sequence is unused: broadcasting it again is safe. */
            UNKNOWN,
            /** The network's answers do not settle it either way (e.g. its sequence is used, but by what?). */
            UNRESOLVED
        }

        public static Outcome of(Status status) {
            return new Outcome(status, null);
        }
    }

    /** How a family carries out one kind of payment. Called by the guard, one payment per sender at a time. */
    interface Settlement {
        /**
         * Signs the approved payment with what was approved (the fee caps included); broadcasts nothing.
         * {@code previous} is the sequence (nonce, seqno) of the sender's newest payment sent through the guard,
         * or -1.
         *
         * @throws NotSent when it must not be sent as approved (the network now needs a higher fee than the person
         *     approved): the payment fails with nothing sent, and the message says to submit it again
         */
        Signed sign(Payment payment, long previous);

        /**
         * Broadcasts a signed transaction. Broadcasting the same one twice is harmless (same nonce, same hash).
         *
         * @throws Rejected when the network refused it (on the first broadcast this proves it was never sent)
         */
        void broadcast(Payment payment, Signed signed);

        /** Looks the sent payment up on chain; {@code FAILED} only with proof. */
        Outcome check(Payment payment, Signed signed);

        /**
         * The refund of a confirmed payment: who owns the receiving wallet, and the intent of paying the sender back
         * the same asset and amount from it. Empty when this kind cannot be refunded or the payee's wallet is not in
         * this server's keystore.
         */
        default Optional<Refund> refund(Payment original) {
            return Optional.empty();
        }
    }

    /** A refund as a settlement prepares it: the payee's principal (owner of the wallet) and the intent. */
    record Refund(String payee, Intent intent) {}

    /** Hears how payments end. */
    @FunctionalInterface
    interface Listener {
        /**
         * A payment ended.
         *
         * @param payment the payment, in its terminal state
         * @param original the payment it refunds, when it is a refund; else null
         */
        void settled(Payment payment, Payment original);
    }

    /** The network refused a transaction: nothing moved from this broadcast, and sending it again would not help. */
    final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }

    /** The payment must not be signed as approved; nothing was sent. */
    final class NotSent extends RuntimeException {
        public NotSent(String message) {
            super(message);
        }
    }
}
