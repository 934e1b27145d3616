package dev.hal9.server.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.Guard;
import dev.hal9.api.Guard.Effect;
import dev.hal9.api.Guard.Outcome.Status;
import dev.hal9.api.Guard.State;
import dev.hal9.api.Principal;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The guard on a real H2 store with hal9's migrations, a settlement written for the test and a clock the test
 * moves: every state transition a payment can take, every refusal of policy, and the properties the outside review
 * attacked (issue 12): pricing by effects, a refused rebroadcast that is no proof, signing serialized across guards
 * sharing one store, refunds as a guard operation, listeners that hear every end, and callers a family made up.
 */
class GuardTest {

    private static final BigInteger ETHER = BigInteger.TEN.pow(18);

    @Test
    void anAutoApprovedPaymentIsSignedOnceSentAndConfirmed() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            List<String> heard = Collections.synchronizedList(new ArrayList<>());
            guard.listen((p, original) -> heard.add(p.id() + ":" + p.state()));
            Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth("k1", "0.5", "0.001"));
            assertThat(payment.state()).isEqualTo(State.CONFIRMED);
            assertThat(payment.approvedVia()).isEqualTo(LedgerGuard.VIA_POLICY);
            assertThat(payment.error()).isEqualTo("block 8");
            assertThat(rig.chain.signed).containsExactly(0L);
            assertThat(heard).containsExactly(payment.id() + ":CONFIRMED");
            // the same key again is the same payment, and nothing more is signed
            assertThat(guard.submit(rig.call("alice"), GuardRig.eth("k1", "0.5", "0.001"))
                            .id())
                    .isEqualTo(payment.id());
            assertThat(rig.chain.signed).hasSize(1);
            assertThatThrownBy(() -> guard.submit(rig.call("alice"), GuardRig.eth("k1", "0.6", "0.001")))
                    .hasMessageContaining("idempotency key 'k1' was used for another payment");
            // the fee is reserved with the amount: 0.5 + 0.001 ETH today
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isEqualTo(GuardRig.units("0.501", 18));
            guard.round();
            assertThat(heard).hasSize(1);
        }
    }

    @Test
    void aPendingPaymentWaitsForAPersonAndIsSentWhenApproved() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            Guard.Payment pending = guard.submit(rig.call("alice"), GuardRig.eth(null, "2", "0.001"));
            assertThat(pending.state()).isEqualTo(State.PENDING);
            assertThat(guard.nextStep(pending)).contains("hal9 approve " + pending.id(), "you cannot approve it");
            guard.round();
            assertThat(rig.chain.signed).isEmpty();
            assertThatThrownBy(() -> guard.approve(pending.id(), "bob", "web:bob", LedgerGuard.VIA_WEB))
                    .hasMessageContaining("no payment " + pending.id() + " of yours");
            guard.approve(pending.id(), null, "cli:operator", LedgerGuard.VIA_CLI);
            guard.round(); // sends it
            guard.round(); // follows it
            Guard.Payment done =
                    guard.find(Principal.local("alice"), pending.id()).orElseThrow();
            assertThat(done.state()).isEqualTo(State.CONFIRMED);
            assertThat(done.approvedVia()).isEqualTo(LedgerGuard.VIA_CLI);
            assertThatThrownBy(() -> guard.approve(pending.id(), null, "cli", LedgerGuard.VIA_CLI))
                    .hasMessageContaining("is confirmed, not pending");
        }
    }

    @Test
    void declinedAndExpiredPaymentsSendNothingAndGiveTheirReservationBack() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            Guard.Payment first = guard.submit(rig.call("alice"), GuardRig.eth(null, "3", "0.001"));
            Guard.Payment second = guard.submit(rig.call("alice"), GuardRig.eth(null, "4", "0.001"));
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isEqualTo(GuardRig.units("7.002", 18));
            guard.decline(first.id(), "alice", "web:alice");
            rig.clock.advance(Duration.ofMinutes(11)); // past guard.approval-timeout-seconds (600)
            guard.round();
            assertThat(guard.find(Principal.local("alice"), first.id())
                            .orElseThrow()
                            .state())
                    .isEqualTo(State.DECLINED);
            Guard.Payment expired =
                    guard.find(Principal.local("alice"), second.id()).orElseThrow();
            assertThat(expired.state()).isEqualTo(State.EXPIRED);
            assertThat(guard.nextStep(expired)).contains("Nobody approved it in time; nothing was sent");
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isZero();
            assertThat(rig.chain.signed).isEmpty();
            assertThatThrownBy(() -> guard.approve(second.id(), null, "cli", LedgerGuard.VIA_CLI))
                    .hasMessageContaining("is expired, not pending");
        }
    }

    @Test
    void policyRefusesWhatItDoesNotAllowAndRecordsNothing() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            ToolCall alice = rig.call("alice");
            assertThatThrownBy(() -> guard.submit(alice, GuardRig.eth(null, "5.5", "0.001")))
                    .isInstanceOf(ToolException.class)
                    .hasMessageContaining("over the per-call limit of 5 ETH on test")
                    .hasMessageContaining("guard.limits.test.eth.per-call");
            // the fee counts: 5 ETH plus its fee is over a per-call limit of 5
            assertThatThrownBy(() -> guard.submit(alice, GuardRig.eth(null, "5", "0.001")))
                    .hasMessageContaining("5.001 ETH is over the per-call limit");
            guard.submit(alice, GuardRig.eth(null, "4.9", "0.001"));
            guard.submit(alice, GuardRig.eth(null, "4.9", "0.001"));
            assertThatThrownBy(() -> guard.submit(alice, GuardRig.eth(null, "0.5", "0.001")))
                    .hasMessageContaining("the daily limit for ETH on test is 10, 9.802 is already spent or pending "
                            + "today, so 0.198 is left");
            // another day, another budget
            rig.clock.advance(Duration.ofDays(1));
            assertThat(guard.submit(alice, GuardRig.eth(null, "0.5", "0.001")).state())
                    .isEqualTo(State.CONFIRMED);
            // an asset the operator gave no daily limit cannot be spent at all, even when it only pays the fee
            Guard.Intent gasInBnb = GuardRig.call(null, List.of(Effect.fee("BNB", 18, BigInteger.TEN.pow(15))), true);
            assertThatThrownBy(() -> guard.submit(alice, gasInBnb))
                    .hasMessageContaining(
                            "set no daily limit for BNB on test (the payment's network fee is paid in " + "BNB)");
        }
        GuardRig other = new GuardRig();
        other.settings.put("guard.recipients", "0xFRIEND");
        other.settings.put("guard.networks", "ethereum,test");
        try (LedgerGuard guard = other.guard()) {
            Guard.Intent toThief = GuardRig.call(
                    null,
                    List.of(
                            Effect.fee("ETH", 18, BigInteger.TEN.pow(14)),
                            Effect.transfer("USDT", 6, BigInteger.valueOf(5_000_000), "0xTHIEF")),
                    true);
            assertThatThrownBy(() -> guard.submit(other.call("alice"), toThief))
                    .hasMessageContaining("is not on the operator's list of allowed recipients");
            assertThat(guard.recent(Principal.local("alice"), 10)).isEmpty();
        }
        other.settings.put("guard.networks", "ethereum");
        try (LedgerGuard guard = other.guard()) {
            assertThatThrownBy(() -> guard.submit(other.call("alice"), GuardRig.eth(null, "0.1", "0.001")))
                    .hasMessageContaining("value may not move on test");
        }
    }

    /** Issue 12, defect 1: a contract call is priced by the tokens it moves and approves, not by its gas. */
    @Test
    void aContractCallIsPricedByEveryAssetItMovesOrApproves() throws Exception {
        GuardRig rig = new GuardRig();
        rig.settings.put("guard.limits.test.usdt.per-call", "10");
        rig.settings.put("guard.limits.test.usdt.daily", "20");
        try (LedgerGuard guard = rig.guard()) {
            ToolCall alice = rig.call("alice");
            Effect gas = Effect.fee("ETH", 18, BigInteger.TEN.pow(14));
            // moves 1000 USDT: over the token's per-call limit, though its gas is tiny
            Guard.Intent drain = GuardRig.call(
                    null, List.of(gas, Effect.transfer("USDT", 6, GuardRig.units("1000", 6), "0xTHIEF")), true);
            assertThatThrownBy(() -> guard.submit(alice, drain))
                    .hasMessageContaining("1000 USDT is over the per-call limit of 10 USDT")
                    .hasMessageContaining("1000 USDT to 0xTHIEF");
            // 5 USDT is within the limits, but USDT has no auto-approve: a person decides
            Guard.Payment five = guard.submit(
                    alice,
                    GuardRig.call(null, List.of(gas, Effect.transfer("USDT", 6, GuardRig.units("5", 6), "0xA")), true));
            assertThat(five.state()).isEqualTo(State.PENDING);
            // an approval spends its allowance
            Guard.Payment approval = guard.submit(
                    alice,
                    GuardRig.call(
                            null,
                            List.of(
                                    gas,
                                    new Effect("USDT", 6, GuardRig.units("8", 6), Effect.Kind.APPROVAL, "0xB", false)),
                            true));
            assertThat(approval.state()).isEqualTo(State.PENDING);
            assertThat(guard.ledger().reserved("alice", "test:USDT", "2026-12-01"))
                    .isEqualTo(GuardRig.units("13", 6));
            assertThatThrownBy(() -> guard.submit(
                            alice,
                            GuardRig.call(
                                    null,
                                    List.of(
                                            gas,
                                            new Effect(
                                                    "USDT",
                                                    6,
                                                    GuardRig.units("8", 6),
                                                    Effect.Kind.APPROVAL,
                                                    "0xC",
                                                    false)),
                                    true)))
                    .hasMessageContaining("the daily limit for USDT on test is 20, 13 is already spent or pending");
            // an unlimited approval is refused unless the operator allows that spender
            Effect unlimited = new Effect(
                    "USDT",
                    6,
                    BigInteger.TWO.pow(256).subtract(BigInteger.ONE),
                    Effect.Kind.APPROVAL,
                    "0xRouter",
                    true);
            assertThatThrownBy(() -> guard.submit(alice, GuardRig.call(null, List.of(gas, unlimited), true)))
                    .hasMessageContaining("would let 0xRouter take all of your USDT")
                    .hasMessageContaining("guard.unlimited-approvals (test:0xrouter)");
            rig.settings.put("guard.unlimited-approvals", "test:0xRouter");
        }
        try (LedgerGuard guard = rig.guard()) {
            Effect gas = Effect.fee("ETH", 18, BigInteger.TEN.pow(14));
            Effect unlimited = new Effect(
                    "USDT",
                    6,
                    BigInteger.TWO.pow(256).subtract(BigInteger.ONE),
                    Effect.Kind.APPROVAL,
                    "0xRouter",
                    true);
            Guard.Payment allowed = guard.submit(rig.call("alice"), GuardRig.call(null, List.of(gas, unlimited), true));
            assertThat(allowed.state())
                    .as("allowed, but never approved by policy")
                    .isEqualTo(State.PENDING);
        }
    }

    /** Issue 12, defect 1: a call whose effects no simulation saw never approves by policy, however small. */
    @Test
    void aCallWhoseEffectsAreNotDeterminedNeverAutoApproves() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            Effect gas = Effect.fee("ETH", 18, BigInteger.TEN.pow(14));
            assertThat(guard.submit(rig.call("alice"), GuardRig.call(null, List.of(gas), true))
                            .state())
                    .isEqualTo(State.CONFIRMED);
            assertThat(guard.submit(rig.call("alice"), GuardRig.call(null, List.of(gas), false))
                            .state())
                    .isEqualTo(State.PENDING);
        }
    }

    /** Issue 12, defect 2: a node that refuses a rebroadcast ("nonce too low") proves nothing. */
    @Test
    void aRefusedRebroadcastIsNoProofAndTheReservationIsKept() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            rig.chain.queueCheck(Status.UNKNOWN, null); // a lagging node shows nothing right after the broadcast
            rig.chain.queueBroadcast(p -> null); // the first broadcast is accepted
            rig.chain.queueBroadcast(p -> new Guard.Rejected("nonce too low")); // the rebroadcast is refused
            Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"));
            assertThat(payment.state()).isEqualTo(State.RECONCILING);
            assertThat(payment.error()).contains("nonce too low", "Checking the chain");
            assertThat(guard.nextStep(payment)).contains("has not shown yet", "Do not pay again");
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isEqualTo(GuardRig.units("0.501", 18));
            rig.chain.queueCheck(Status.UNRESOLVED, "nonce 0 is used, but the node shows no transaction");
            guard.round();
            assertThat(state(guard, payment)).isEqualTo(State.RECONCILING);
            rig.chain.queueCheck(Status.PENDING, "included in block 9; waiting for its receipt");
            guard.round();
            assertThat(state(guard, payment)).isEqualTo(State.RECONCILING);
            guard.round(); // the receipt is there now
            assertThat(state(guard, payment)).isEqualTo(State.CONFIRMED);
            assertThat(rig.chain.signed).containsExactly(0L);
        }
    }

    /** Only proof ends a broadcast payment as failed, and then its reservation is given back. */
    @Test
    void aBroadcastPaymentFailsOnlyWithProof() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            rig.chain.queueCheck(Status.UNRESOLVED, "nonce 0 is used, but by what?");
            Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"));
            assertThat(payment.state()).isEqualTo(State.RECONCILING);
            rig.chain.queueCheck(Status.FAILED, "its nonce 0 was used by another transaction, 0xother in block 9");
            guard.round();
            Guard.Payment failed =
                    guard.find(Principal.local("alice"), payment.id()).orElseThrow();
            assertThat(failed.state()).isEqualTo(State.FAILED);
            assertThat(failed.error()).contains("used by another transaction");
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isZero();
        }
    }

    /** A first broadcast the network refuses was never sent: the payment fails and is released at once. */
    @Test
    void aRefusedFirstBroadcastFailsAndReleases() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            rig.chain.queueBroadcast(p -> new Guard.Rejected("insufficient funds for gas * price + value"));
            Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"));
            assertThat(payment.state()).isEqualTo(State.FAILED);
            assertThat(payment.error()).contains("rejected: insufficient funds");
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isZero();
            // an unclear answer to the first broadcast is not a refusal: the chain decides
            rig.chain.queueBroadcast(p -> new IllegalStateException("read timed out"));
            rig.chain.queueCheck(Status.PENDING, null);
            Guard.Payment unclear = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.4", "0.001"));
            assertThat(unclear.state()).isEqualTo(State.RECONCILING);
            assertThat(unclear.error()).contains("read timed out");
        }
    }

    /** Issue 12, defect 4: when the network now needs more than the approved fee, nothing is sent. */
    @Test
    void aPaymentTheSettlementMayNotSendAsApprovedFailsWithNothingSent() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            rig.chain.signFailure = new Guard.NotSent(
                    "the network's base fee is now 90 gwei, above the 20 gwei " + "approved; submit it again");
            Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"));
            assertThat(payment.state()).isEqualTo(State.FAILED);
            assertThat(payment.error()).startsWith("not sent: the network's base fee is now 90 gwei");
            assertThat(rig.chain.broadcasts).isEmpty();
            assertThat(guard.ledger().reserved("alice", "test:ETH", "2026-12-01"))
                    .isZero();
        }
    }

    /** Issue 12, defect 6: only the runtime makes callers; a family's own ToolCall cannot spend. */
    @Test
    void aCallTheRuntimeDidNotMakeCannotSpend() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            ToolCall madeUp = new GuardRig.Call(Principal.local("merchant"));
            assertThatThrownBy(() -> guard.submit(madeUp, GuardRig.eth(null, "0.5", "0.001")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a family may not make up a caller (it named merchant)");
            assertThat(guard.recent(Principal.local("merchant"), 10)).isEmpty();
            assertThat(rig.chain.signed).isEmpty();
        }
    }

    /** Issue 12, defect 6: a refund is the payee paying the same asset back, once, approved like any payment. */
    @Test
    void aRefundIsTheGuardsOperationOnTheOriginalPayment() throws Exception {
        GuardRig rig = new GuardRig();
        rig.chain.owners.put("0xRECIPIENT", "merchant");
        try (LedgerGuard guard = rig.guard()) {
            List<String> heard = Collections.synchronizedList(new ArrayList<>());
            guard.listen((p, original) -> heard.add(p.id() + (original == null ? "" : " refunds " + original.id())));
            Guard.Payment pending = guard.submit(rig.call("alice"), GuardRig.eth(null, "2", "0.001"));
            assertThatThrownBy(() -> guard.refund(pending.id(), "no"))
                    .hasMessageContaining("is pending: only a delivered payment is refunded");
            guard.approve(pending.id(), null, "cli", LedgerGuard.VIA_CLI);
            guard.round();
            guard.round();
            Guard.Payment refund = guard.refund(pending.id(), "the order could not be placed");
            assertThat(refund.principal()).isEqualTo("merchant");
            assertThat(refund.refundOf()).isEqualTo(pending.id());
            assertThat(refund.sender()).isEqualTo("0xRECIPIENT");
            assertThat(refund.recipient()).isEqualTo("0xSENDER");
            assertThat(refund.amount()).isEqualTo(pending.amount());
            assertThat(refund.summary())
                    .startsWith("refund of " + pending.id())
                    .endsWith("(the order could not be " + "placed)");
            assertThat(refund.state())
                    .as("2 ETH is over the payee's auto-approve too")
                    .isEqualTo(State.PENDING);
            assertThat(guard.refund(pending.id(), "again").id()).isEqualTo(refund.id());
            assertThat(guard.refundOf(Principal.local("alice"), pending.id())
                            .orElseThrow()
                            .id())
                    .isEqualTo(refund.id());
            assertThat(guard.refundOf(Principal.local("bob"), pending.id())).isEmpty();
            assertThat(guard.ledger().reserved("merchant", "test:ETH", "2026-12-01"))
                    .isEqualTo(GuardRig.units("2.00001", 18));
            assertThatThrownBy(() -> guard.refund(refund.id(), "loop")).hasMessageContaining("is itself a refund");
            guard.approve(refund.id(), null, "cli", LedgerGuard.VIA_CLI);
            guard.round();
            guard.round();
            assertThat(guard.find(Principal.local("merchant"), refund.id())
                            .orElseThrow()
                            .state())
                    .isEqualTo(State.CONFIRMED);
            assertThat(heard).containsExactly(pending.id(), refund.id() + " refunds " + pending.id());
        }
        GuardRig strangers = new GuardRig();
        try (LedgerGuard guard = strangers.guard()) {
            Guard.Payment paid = guard.submit(strangers.call("alice"), GuardRig.eth(null, "0.5", "0.001"));
            assertThatThrownBy(() -> guard.refund(paid.id(), "x"))
                    .hasMessageContaining("has no wallet in this server's keystore");
        }
    }

    /** Issue 12, defect 7: families hear every end, are asked again until they take it, and after a restart. */
    @Test
    void listenersHearEveryEndUntilTheyTakeItAlsoAfterARestart() throws Exception {
        GuardRig rig = new GuardRig();
        List<String> heard = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refusals = new AtomicInteger(1);
        String id;
        try (LedgerGuard guard = rig.guard()) {
            guard.listen((p, original) -> {
                if (refusals.getAndDecrement() > 0) {
                    throw new IllegalStateException("the shop is busy");
                }
                heard.add(p.id() + ":" + p.state());
            });
            id = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"))
                    .id();
            assertThat(heard).isEmpty();
            guard.round();
            assertThat(heard).containsExactly(id + ":CONFIRMED");
            guard.round();
            assertThat(heard).hasSize(1);
        }
        // a payment that ends while no listener runs (the server stopped) is told to the next one
        String declined;
        try (LedgerGuard guard = rig.guard()) {
            declined = guard.submit(rig.call("alice"), GuardRig.eth(null, "2", "0.001"))
                    .id();
            guard.decline(declined, null, "cli");
        }
        try (LedgerGuard guard = new GuardRig(rig.folder).guard()) {
            guard.listen((p, original) -> heard.add(p.id() + ":" + p.state()));
            guard.round();
            assertThat(heard).containsExactly(id + ":CONFIRMED", declined + ":DECLINED");
        }
    }

    /** After a crash, a broadcast row is settled from the chain; nothing is signed again. */
    @Test
    void aRestartReconcilesBroadcastPaymentsWithoutSigningAgain() throws Exception {
        GuardRig rig = new GuardRig();
        String id;
        try (LedgerGuard guard = rig.guard()) {
            rig.chain.queueCheck(Status.PENDING, null);
            id = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.5", "0.001"))
                    .id();
            assertThat(state(guard, id)).isEqualTo(State.SENT);
        }
        GuardRig restarted = new GuardRig(rig.folder);
        try (LedgerGuard guard = restarted.guard()) {
            restarted.chain.queueCheck(Status.UNKNOWN, null); // the network lost it: the stored one goes again
            guard.round();
            assertThat(restarted.chain.broadcasts).containsExactly("0xhash-" + id + "-0");
            guard.round();
            assertThat(state(guard, id)).isEqualTo(State.CONFIRMED);
            assertThat(restarted.chain.signed).isEmpty();
        }
    }

    /**
     * Issue 19: of several servers on one store, one runs the guard's rounds under the worker lease; when it stops
     * renewing it (killed), another takes over once the lease has run out, and one that stops cleanly gives it up.
     */
    @Test
    void theRoundsRunOnOneServerAtATimeAndAnotherTakesOverWhenItsLeaseRunsOut() throws Exception {
        GuardRig rig = new GuardRig();
        Ledger one = new Ledger(() -> rig.jdbi, rig.clock);
        Ledger other = new Ledger(() -> rig.jdbi, rig.clock);
        Duration life = Duration.ofSeconds(10);

        assertThat(one.lease("worker", "one", life)).isTrue();
        assertThat(other.lease("worker", "other", life)).isFalse();
        rig.clock.advance(Duration.ofSeconds(5));
        assertThat(one.lease("worker", "one", life)).as("renewed").isTrue();
        rig.clock.advance(Duration.ofSeconds(9));
        assertThat(other.lease("worker", "other", life))
                .as("still renewed 5 s ago")
                .isFalse();

        // 'one' is killed: nobody renews, and after the lease's life the other takes the rounds
        rig.clock.advance(Duration.ofSeconds(2));
        assertThat(other.lease("worker", "other", life)).isTrue();
        assertThat(one.lease("worker", "one", life)).as("back too late").isFalse();

        // a clean stop gives it up at once
        other.releaseLease("worker", "other");
        assertThat(one.lease("worker", "one", life)).isTrue();
    }

    /** Issue 12, defect 3: two guards on one store (two servers) never sign one sender's sequence twice. */
    @Test
    void twoGuardsOnOneStoreSignEachSequenceOnce() throws Exception {
        GuardRig first = new GuardRig();
        GuardRig second = new GuardRig(first.folder);
        first.settings.put("guard.limits.test.eth.auto-approve", "0"); // every payment waits, then both send
        second.settings.put("guard.limits.test.eth.auto-approve", "0");
        // one settlement behind both: it sees whether two signers for one sender were ever inside it at once
        try (LedgerGuard one = first.guard(first.chain);
                LedgerGuard two = second.guard(first.chain)) {
            first.chain.signNanos = 2_000_000;
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                LedgerGuard guard = i % 2 == 0 ? one : two;
                GuardRig rig = i % 2 == 0 ? first : second;
                Guard.Payment payment = guard.submit(rig.call("alice"), GuardRig.eth(null, "0.1", "0.001"));
                ids.add(payment.id());
                guard.approve(payment.id(), null, "cli", LedgerGuard.VIA_CLI);
            }
            CompletableFuture<Void> a = CompletableFuture.runAsync(one::round);
            CompletableFuture<Void> b = CompletableFuture.runAsync(two::round);
            CompletableFuture.allOf(a, b).join();
            List<Long> sequences = new ArrayList<>(first.chain.signed);
            assertThat(sequences).hasSize(30);
            assertThat(new HashSet<>(sequences)).hasSize(30);
            assertThat(first.chain.mostInside.get())
                    .as("never two signers for one sender at once")
                    .isEqualTo(1);
            one.round();
            for (String id : ids) {
                assertThat(state(one, id)).isEqualTo(State.CONFIRMED);
            }
        }
    }

    /** A client's "yes" counts only where the operator lets it, and a "no" declines. */
    @Test
    void elicitationCountsOnlyWhenPolicyLetsIt() throws Exception {
        GuardRig rig = new GuardRig();
        try (LedgerGuard guard = rig.guard()) {
            GuardRig.Call alice = rig.call("alice");
            alice.answer = java.util.Optional.of(new ToolCall.Elicited("accept", Map.of("approve", true)));
            assertThat(guard.submit(alice, GuardRig.eth(null, "2", "0.001")).state())
                    .isEqualTo(State.PENDING);
            assertThat(alice.asked).isEmpty();
        }
        rig.settings.put("guard.elicitation", "true");
        try (LedgerGuard guard = rig.guard()) {
            GuardRig.Call alice = rig.call("alice");
            alice.answer = java.util.Optional.of(new ToolCall.Elicited("accept", Map.of("approve", true)));
            Guard.Payment yes = guard.submit(alice, GuardRig.eth(null, "2", "0.001"));
            assertThat(yes.state()).isEqualTo(State.CONFIRMED);
            assertThat(yes.approvedVia()).isEqualTo(LedgerGuard.VIA_ELICITATION);
            assertThat(alice.asked.get(0)).contains("It moves: 2 ETH to 0xRECIPIENT, at most 0.001 ETH in fees");
            alice.answer = java.util.Optional.of(new ToolCall.Elicited("decline", Map.of()));
            assertThat(guard.submit(alice, GuardRig.eth(null, "3", "0.001")).state())
                    .isEqualTo(State.DECLINED);
        }
    }

    /**
     * CI, 2026-12-03: the worker took an approved row up in the instant between its approval and the caller's own
     * execution; the caller's execution stood aside and the call answered "approved" for a payment that was being
     * sent. Now the caller waits for the worker's execution and answers where the payment stands.
     */
    @Test
    void aCallerWhoseApprovedPaymentTheWorkerIsSendingSeesItSent() throws Exception {
        GuardRig rig = new GuardRig();
        rig.settings.put("guard.elicitation", "true");
        rig.chain.signNanos = Duration.ofMillis(300).toNanos(); // the worker is still signing when the caller goes on
        try (LedgerGuard guard = rig.guard()) {
            CompletableFuture<Void> worker = new CompletableFuture<>();
            GuardRig.Call alice = rig.call("alice");
            alice.answer = java.util.Optional.of(new ToolCall.Elicited("accept", Map.of("approve", true)));
            alice.whileAsking = () -> {
                // while the client asks its user, the operator approves out of band and the worker takes it up
                String id = guard.pending("alice").get(0).payment().id();
                guard.approve(id, null, "cli:operator", LedgerGuard.VIA_CLI);
                Thread.ofVirtual().start(() -> {
                    guard.round();
                    worker.complete(null);
                });
                while (rig.chain.inside.get() == 0) {
                    Thread.onSpinWait();
                }
            };
            Guard.Payment payment = guard.submit(alice, GuardRig.eth(null, "2", "0.001"));
            worker.get();
            assertThat(payment.state()).isIn(State.SENT, State.CONFIRMED);
            assertThat(payment.txHash()).isNotNull();
            assertThat(rig.chain.signed).containsExactly(0L);
        }
    }

    private static State state(LedgerGuard guard, Guard.Payment payment) {
        return state(guard, payment.id());
    }

    private static State state(LedgerGuard guard, String id) {
        return guard.row(id).orElseThrow().payment().state();
    }
}
