package dev.hal9.server.guard;

import dev.hal9.api.Guard;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Principal;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.internal.InputRequired;
import dev.hal9.server.secrets.Secrets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard over the store's ledger, under the operator's {@link Policy}. A background worker expires pending
 * rows, executes rows approved elsewhere ({@code hal9 approve}, {@code /approvals}), follows broadcast rows to
 * their end and tells the families; when the server starts it first reconciles every broadcast row from the chain
 * (broadcasting again only the very transaction it stored, never a new one). Of several servers on one store, the
 * one that holds the store's worker lease runs the rounds, and another takes over when that one stops renewing it
 * (killed), so the rounds run once, not once per instance; every move of a row is conditional besides. Signing for one
 * sender is serialized across threads and processes by a lock row in the store, so two servers on one store never
 * reuse a nonce. Thread-safe.
 */
public final class LedgerGuard implements Guard, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerGuard.class);

    /** How a person approved: a CLI run by the operator, the authenticated web page, an elicitation, policy. */
    public static final String VIA_CLI = "cli";

    public static final String VIA_WEB = "web";
    public static final String VIA_ELICITATION = "elicitation";
    public static final String VIA_POLICY = "auto-approve";

    /** How the guard's state in an input-required result begins; the payment's id follows. */
    private static final String RETRY_STATE = "guard-confirm:";

    private final Ledger ledger;
    private final Policy policy;
    private final InstantSource clock;
    private final Predicate<ToolCall> authentic;
    private final Map<String, Settlement> settlements = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Striped, so the lock table stays bounded however many principals and senders there are. */
    private final ReentrantLock[] stripes = new ReentrantLock[64];

    /** The rows being signed and broadcast in this process, each with what ends when its execution does. */
    private final Map<String, CountDownLatch> executing = new ConcurrentHashMap<>();

    private final Set<String> notifying = ConcurrentHashMap.newKeySet();
    private final Thread worker;
    /** This process among the servers on the store, for the worker lease. */
    private final String instance = ProcessHandle.current().pid() + "-" + UUID.randomUUID();

    private volatile boolean closed;
    /** Wakes the worker's pause when the guard closes. */
    private final ReentrantLock wakeLock = new ReentrantLock();

    private final java.util.concurrent.locks.Condition wake = wakeLock.newCondition();
    /** Where a person approves on the web, once the HTTP server runs; null otherwise. */
    private volatile String approvalsUrl;

    /**
     * @param jdbi the store, opened in the background
     * @param policy the operator's rules
     * @param clock the time; payments expire and days turn by it
     * @param authentic whether a call is one the runtime made for a tool handler (families cannot make those)
     */
    public LedgerGuard(Supplier<Jdbi> jdbi, Policy policy, InstantSource clock, Predicate<ToolCall> authentic) {
        this.ledger = new Ledger(jdbi, clock);
        this.policy = policy;
        this.clock = clock;
        this.authentic = authentic;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        this.worker = Thread.ofVirtual().name("hal9-guard").unstarted(this::work);
    }

    /** The ledger under this guard, for the operator's CLI. */
    public Ledger ledger() {
        return ledger;
    }

    /** Starts the worker: reconciliation first, then the periodic round. */
    public void start() {
        worker.start();
    }

    @Override
    public void register(String kind, Settlement settlement) {
        if (settlements.putIfAbsent(kind, settlement) != null) {
            throw new IllegalStateException("two families settle payments of kind " + kind);
        }
    }

    @Override
    public void listen(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // ---- submit

    @Override
    public Payment submit(ToolCall call, Intent intent) {
        if (call == null || !authentic.test(call)) {
            throw new IllegalStateException("the guard takes only the calls the runtime hands to tool handlers; a "
                    + "family may not make up a caller (it named "
                    + (call == null ? "nobody" : call.principal().id())
                    + ")");
        }
        String principal = call.principal().id();
        requireSettlement(intent.kind());
        // the key and the recipient are stored as given (they are how a retry and the send find the payment), so a
        // secret pasted there is refused rather than written into the ledger
        if (Secrets.containsSecret(intent.idempotencyKey())) {
            throw new ToolException("idempotencyKey looks like a private key, a mnemonic or a bearer token, and it "
                    + "would be stored in the ledger; use an id of your own such as order-1234");
        }
        if (Secrets.containsSecret(intent.recipient())) {
            throw new ToolException("the recipient looks like a private key, a mnemonic or a bearer token, not an "
                    + "address; nothing was stored or sent");
        }
        Optional<ToolCall.Retry> retry = call.retry();
        if (retry.isPresent() && retry.get().state().startsWith(RETRY_STATE)) {
            return resume(call, intent, retry.get());
        }
        String key = intent.idempotencyKey() == null || intent.idempotencyKey().isBlank()
                ? Ledger.newId()
                : intent.idempotencyKey();
        Optional<Ledger.Row> existing = ledger.byKey(principal, key);
        if (existing.isPresent()) {
            return again(existing.get().payment(), intent);
        }
        Record recorded = record(principal, key, intent, null);
        if (recorded.payment().state() == State.PENDING && !recorded.priced().autoApprove() && policy.elicitation()) {
            if (call.asksByResult()) {
                // 2026-07-28: the call ends here with the question; the client's retry resumes this very row
                throw new InputRequired(
                        question(recorded.payment()),
                        questionSchema(recorded.payment()),
                        RETRY_STATE + recorded.payment().id());
            }
            askByElicitation(call, recorded.payment());
        }
        return proceed(recorded.payment().id(), call);
    }

    /**
     * The retry of a call that ended with the guard's question: the state (sealed by the era for this caller, so not
     * forged and not another principal's) names the row, which is resumed and never recorded again.
     */
    private Payment resume(ToolCall call, Intent intent, ToolCall.Retry retry) {
        String id = retry.state().substring(RETRY_STATE.length());
        Payment payment = ledger.byId(id)
                .map(Ledger.Row::payment)
                .filter(found -> found.principal().equals(call.principal().id()))
                .orElseThrow(() -> new ToolException("the requestState names no payment of yours; call the tool "
                        + "again without inputResponses and requestState"));
        if (!samePayment(payment, intent)) {
            throw new ToolException("the requestState is for another payment (" + payment.summary() + "); call the "
                    + "tool again without inputResponses and requestState for a new one");
        }
        if (payment.state() == State.PENDING && policy.elicitation()) {
            Optional<ToolCall.Elicited> answer = retry.answer();
            if (answer.isEmpty()) {
                throw new InputRequired(question(payment), questionSchema(payment), retry.state());
            }
            settleAnswer(payment, answer.get());
        }
        return proceed(id, call);
    }

    private record Record(Payment payment, Policy.Priced priced) {}

    /** Prices, reserves and inserts a pending row (approved by policy where it may be); an existing row for a key. */
    private Record record(String principal, String key, Intent intent, String refundOf) {
        Policy.Priced priced = policy.price(intent);
        Instant now = clock.instant();
        Payment pending = new Payment(
                Ledger.newId(),
                principal,
                key,
                intent.kind(),
                intent.network(),
                intent.asset(),
                intent.decimals(),
                intent.amount(),
                intent.sender(),
                intent.recipient(),
                intent.summary(),
                intent.preview(),
                intent.payload(),
                State.PENDING,
                now,
                now.plus(policy.approvalTimeout()),
                null,
                null,
                null,
                intent.effects(),
                intent.determined(),
                refundOf);
        // one reserving thread per principal in this process; the store's row locks serialize other processes
        ReentrantLock lock = stripe(principal);
        Optional<Ledger.OverLimit> over;
        lock.lock();
        try {
            Optional<Ledger.Row> raced = ledger.byKey(principal, key);
            if (raced.isPresent()) {
                return new Record(again(raced.get().payment(), intent), priced);
            }
            over = ledger.insertPending(pending, priced.amounts(), priced.daily(), day(now));
        } finally {
            lock.unlock();
        }
        if (over.isPresent()) {
            Ledger.OverLimit o = over.get();
            String asset = o.assetKey().substring(o.assetKey().indexOf(':') + 1);
            int decimals = intent.effects().stream()
                    .filter(e -> Policy.assetKey(intent.network(), e.asset()).equals(o.assetKey()))
                    .findFirst()
                    .orElseThrow()
                    .decimals();
            throw new ToolException("policy refuses it: the daily limit for " + asset + " on " + intent.network()
                    + " is " + Policy.whole(o.limit(), decimals) + ", " + Policy.whole(o.reserved(), decimals)
                    + " is already spent or pending today, so "
                    + Policy.whole(o.limit().subtract(o.reserved()).max(java.math.BigInteger.ZERO), decimals)
                    + " is left, and this needs "
                    + Policy.whole(priced.amounts().get(o.assetKey()), decimals)
                    + " ("
                    + intent.effects().stream()
                            .filter(e ->
                                    Policy.assetKey(intent.network(), e.asset()).equals(o.assetKey()))
                            .map(PaymentView::describe)
                            .collect(Collectors.joining(", "))
                    + "); send less, or wait until 00:00 UTC");
        }
        if (priced.autoApprove()) {
            ledger.approve(pending.id(), principal, VIA_POLICY);
        }
        return new Record(ledger.byId(pending.id()).orElseThrow().payment(), priced);
    }

    private static boolean samePayment(Payment existing, Intent intent) {
        return existing.kind().equals(intent.kind())
                && existing.network().equals(intent.network())
                && existing.asset().equals(intent.asset())
                && existing.amount().equals(intent.amount())
                && existing.recipient().equalsIgnoreCase(intent.recipient());
    }

    private Payment again(Payment existing, Intent intent) {
        if (!samePayment(existing, intent)) {
            throw new ToolException("the idempotency key '" + existing.idempotencyKey() + "' was used for another "
                    + "payment (" + existing.summary() + "); use a new key for a new payment");
        }
        return existing;
    }

    private Settlement requireSettlement(String kind) {
        Settlement settlement = settlements.get(kind);
        if (settlement == null) {
            throw new IllegalStateException("no settlement registered for " + kind);
        }
        return settlement;
    }

    private void askByElicitation(ToolCall call, Payment pending) {
        Duration wait = Duration.between(clock.instant(), pending.expiresAt());
        Optional<ToolCall.Elicited> answer;
        try {
            answer = call.elicit(question(pending), questionSchema(pending), wait.isNegative() ? Duration.ZERO : wait);
        } catch (RuntimeException e) {
            LOG.debug("elicitation for {} failed: {}", pending.id(), e.getMessage());
            return; // stays pending: a person can still approve it out of band
        }
        answer.ifPresent(given -> settleAnswer(pending, given));
    }

    /** An answer given in the client: approval only with the box checked, anything else declines. */
    private void settleAnswer(Payment pending, ToolCall.Elicited answer) {
        if (answer.accepted() && Boolean.TRUE.equals(answer.content().get("approve"))) {
            ledger.approve(pending.id(), pending.principal(), VIA_ELICITATION);
        } else if (ledger.end(pending.id(), State.PENDING, State.DECLINED, "declined in the client")) {
            settled(pending.id());
        }
    }

    /** What the client's user is asked: the payment's summary and every asset it moves. */
    private static String question(Payment pending) {
        StringBuilder message = new StringBuilder("Approve this payment? ")
                .append(pending.summary())
                .append('.');
        message.append(" It moves: ")
                .append(pending.effects().stream().map(PaymentView::describe).collect(Collectors.joining(", ")))
                .append('.');
        pending.preview()
                .forEach((k, v) ->
                        message.append(' ').append(k).append(": ").append(v).append('.'));
        return message.toString();
    }

    private static Map<String, Object> questionSchema(Payment pending) {
        return Map.of(
                "type",
                "object",
                "properties",
                Map.of(
                        "approve",
                        Map.of(
                                "type",
                                "boolean",
                                "title",
                                "Approve",
                                "description",
                                "Check to send " + Policy.whole(pending.amount(), pending.decimals()) + " "
                                        + pending.asset())),
                "required",
                List.of("approve"));
    }

    /** Executes the row if approved, then follows it a while on chain; returns where it stands. */
    private Payment proceed(String id, ToolCall call) {
        Ledger.Row row = ledger.byId(id).orElseThrow();
        if (row.payment().state() == State.APPROVED) {
            execute(row);
        }
        Instant deadline = clock.instant().plus(policy.confirmWait());
        while (true) {
            row = ledger.byId(id).orElseThrow();
            if (!row.payment().state().inFlight()) {
                return row.payment();
            }
            follow(row);
            row = ledger.byId(id).orElseThrow();
            if (!row.payment().state().inFlight() || !clock.instant().isBefore(deadline) || call.cancelled()) {
                return row.payment();
            }
            sleep(250);
        }
    }

    // ---- refunds

    @Override
    public Payment refund(String paymentId, String reason) {
        Ledger.Row original =
                ledger.byId(paymentId).orElseThrow(() -> new ToolException("no payment " + paymentId + " to refund"));
        Optional<Ledger.Row> earlier = ledger.refundOf(paymentId);
        if (earlier.isPresent()) {
            return earlier.get().payment();
        }
        Payment paid = original.payment();
        if (paid.refundOf() != null) {
            throw new ToolException(paymentId + " is itself a refund; it is not paid back again");
        }
        if (paid.state() != State.CONFIRMED) {
            throw new ToolException(paymentId + " is " + paid.state().name().toLowerCase(Locale.ROOT) + ": only a "
                    + "delivered payment is refunded (nothing arrived otherwise)");
        }
        Refund refund = requireSettlement(paid.kind())
                .refund(paid)
                .orElseThrow(() -> new ToolException("the payee of " + paymentId + " (" + paid.recipient() + ") has "
                        + "no wallet in this server's keystore, so hal9 cannot pay it back; the operator must refund "
                        + "it by hand"));
        Intent intent = refund.intent();
        if (!intent.asset().equals(paid.asset())
                || !intent.amount().equals(paid.amount())
                || !intent.recipient().equalsIgnoreCase(paid.sender())) {
            throw new IllegalStateException("a refund pays the same amount of the same asset back to the payer");
        }
        String reasoned = reason == null || reason.isBlank() ? "" : " (" + reason + ")";
        Intent described = new Intent(
                intent.kind(),
                intent.network(),
                intent.asset(),
                intent.decimals(),
                intent.amount(),
                intent.sender(),
                intent.recipient(),
                "refund of " + paid.id() + ": " + intent.summary() + reasoned,
                intent.preview(),
                intent.payload(),
                "refund-" + paid.id(),
                intent.effects(),
                intent.determined());
        Payment recorded;
        try {
            recorded = record(refund.payee(), described.idempotencyKey(), described, paid.id())
                    .payment();
        } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
            // another thread or process recorded this refund first (one refund per payment)
            return ledger.refundOf(paymentId).orElseThrow(() -> e).payment();
        }
        return recorded; // the worker sends it if policy approved it: never in the thread of whoever asked
    }

    // ---- execution

    /**
     * approved -> sent (signed and stored under the sender's lock, then broadcast). Once per row. When another
     * thread of this process is executing the row already (the worker took it up the moment it was approved), this
     * waits for that execution to end, so that whoever asked sees where it stands and not "approved".
     */
    private void execute(Ledger.Row approved) {
        Payment payment = approved.payment();
        Settlement settlement = settlements.get(payment.kind());
        if (settlement == null) {
            return;
        }
        CountDownLatch mine = new CountDownLatch(1);
        CountDownLatch theirs = executing.putIfAbsent(payment.id(), mine);
        if (theirs != null) {
            try {
                theirs.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        ReentrantLock lock = stripe(payment.network().toLowerCase(Locale.ROOT) + "\u0000"
                + payment.sender().toLowerCase(Locale.ROOT));
        boolean ended = false;
        lock.lock();
        try {
            Optional<Signed> signed = ledger.underSenderLock(payment.network(), payment.sender(), h -> {
                Ledger.Row row = ledger.byId(payment.id()).orElseThrow();
                if (row.payment().state() != State.APPROVED) {
                    return Optional.<Signed>empty();
                }
                Signed made;
                try {
                    made = settlement.sign(row.payment(), ledger.lastSequence(h, payment.network(), payment.sender()));
                } catch (NotSent e) {
                    ledger.end(h, payment.id(), State.APPROVED, State.FAILED, "not sent: " + e.getMessage());
                    return Optional.<Signed>empty();
                } catch (RuntimeException e) {
                    // nothing left this process: the row ends failed, unambiguously, and its amounts are released
                    ledger.end(h, payment.id(), State.APPROVED, State.FAILED, "not sent: " + message(e));
                    return Optional.<Signed>empty();
                }
                Optional<String> twin = ledger.hashUsed(h, payment.network(), made.hash(), payment.id());
                if (twin.isPresent()) {
                    LOG.error("{} signed the same transaction as {}; not sending it", payment.id(), twin.get());
                    ledger.end(
                            h,
                            payment.id(),
                            State.APPROVED,
                            State.FAILED,
                            "not sent: it came out as the very transaction of " + twin.get() + "; submit it again");
                    return Optional.<Signed>empty();
                }
                return ledger.markSent(h, payment.id(), made.hash(), made.raw(), made.sequence(), made.context())
                        ? Optional.of(made)
                        : Optional.<Signed>empty();
            });
            if (signed.isEmpty()) {
                ended = true;
                return;
            }
            try {
                settlement.broadcast(payment, signed.get());
            } catch (Rejected e) {
                // the first broadcast was refused: no node took it, so it was never sent
                ended = ledger.end(payment.id(), State.SENT, State.FAILED, "rejected: " + e.getMessage());
            } catch (RuntimeException e) {
                // the network may or may not have it: the chain decides, and nothing is released meanwhile
                LOG.warn("broadcast of {} is unconfirmed, will check the chain: {}", payment.id(), message(e));
                ledger.reconcile(
                        payment.id(),
                        "the broadcast got no clear answer (" + message(e) + "); checking the "
                                + "chain before anything else");
            }
        } finally {
            executing.remove(payment.id());
            mine.countDown();
            lock.unlock();
        }
        if (ended) {
            settled(payment.id()); // outside the locks: a listener may start other payments (a refund)
        }
    }

    /**
     * Looks a broadcast row up on chain: ends it when the chain proves how it ended, broadcasts its stored
     * transaction again when the network shows nothing and its sequence is unused, and otherwise keeps checking.
     */
    private void follow(Ledger.Row row) {
        Payment payment = row.payment();
        Settlement settlement = settlements.get(payment.kind());
        if (settlement == null || row.signedTx() == null) {
            return;
        }
        Signed signed = new Signed(payment.txHash(), row.signedTx(), row.sequence(), row.signedContext());
        Outcome outcome;
        try {
            outcome = settlement.check(payment, signed);
        } catch (RuntimeException e) {
            LOG.debug("checking {}: {}", payment.id(), message(e));
            return;
        }
        State from = payment.state();
        switch (outcome.status()) {
            case CONFIRMED -> {
                if (ledger.confirm(payment.id(), from, outcome.detail())) {
                    settled(payment.id());
                }
            }
            case FAILED -> {
                if (ledger.end(payment.id(), from, State.FAILED, "failed: " + outcome.detail())) {
                    settled(payment.id());
                }
            }
            case PENDING -> {
                if (outcome.detail() != null) {
                    ledger.note(payment.id(), outcome.detail());
                }
            }
            case UNRESOLVED -> {
                String note = "the network has not shown its outcome yet: " + outcome.detail();
                if (!ledger.reconcile(payment.id(), note)) {
                    ledger.note(payment.id(), note);
                }
            }
            case UNKNOWN -> {
                try {
                    settlement.broadcast(payment, signed);
                } catch (RuntimeException e) {
                    // a broadcast again is no proof of anything: a lagging node may refuse what another mined
                    String note = "broadcast again; the network said: " + message(e) + ". Checking the chain.";
                    if (!ledger.reconcile(payment.id(), note)) {
                        ledger.note(payment.id(), note);
                    }
                }
            }
        }
    }

    /** Tells the listeners that a row ended, once it has; retried by the worker until every listener took it. */
    private void settled(String id) {
        if (listeners.isEmpty() || !notifying.add(id)) {
            return;
        }
        try {
            Ledger.Row row = ledger.byId(id).orElse(null);
            if (row == null || !row.payment().state().terminal() || row.notifiedAt() != null) {
                return;
            }
            Payment original = row.payment().refundOf() == null
                    ? null
                    : ledger.byId(row.payment().refundOf())
                            .map(Ledger.Row::payment)
                            .orElse(null);
            for (Listener listener : listeners) {
                listener.settled(row.payment(), original);
            }
            ledger.markNotified(id);
        } catch (RuntimeException e) {
            LOG.warn("a family could not take the end of {} yet; retrying: {}", id, message(e));
        } finally {
            notifying.remove(id);
        }
    }

    /** One round of the worker: follow broadcast rows, expire, execute approved rows, tell the families. */
    void round() {
        for (State state : List.of(State.SENT, State.RECONCILING)) {
            for (Ledger.Row row : ledger.inState(state, null)) {
                if (!executing.containsKey(row.payment().id())) {
                    follow(row);
                }
            }
        }
        for (Ledger.Row row : ledger.inState(State.PENDING, null)) {
            if (!row.payment().expiresAt().isAfter(clock.instant())
                    && ledger.end(row.payment().id(), State.PENDING, State.EXPIRED, "nobody approved it in time")) {
                settled(row.payment().id());
            }
        }
        List<Thread> sending = new java.util.ArrayList<>();
        for (Ledger.Row row : ledger.inState(State.APPROVED, null)) {
            if (settlements.containsKey(row.payment().kind())
                    && !executing.containsKey(row.payment().id())) {
                sending.add(Thread.ofVirtual().name("hal9-guard-send").start(() -> execute(row)));
            }
        }
        for (Thread thread : sending) {
            try {
                thread.join(); // a round ends when its sends have; the next one follows them
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!listeners.isEmpty()) {
            for (Ledger.Row row : ledger.unnotified()) {
                settled(row.payment().id());
            }
        }
    }

    private void work() {
        boolean leading = false;
        while (!closed) {
            try {
                boolean holds = ledger.lease(WORKER_LEASE, instance, leaseLife());
                if (holds != leading) {
                    LOG.info(
                            holds
                                    ? "this server runs the guard's rounds now"
                                    : "another server runs the guard's rounds");
                    leading = holds;
                }
                if (holds) {
                    round();
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("guard round failed: {}", message(e));
                }
            }
            pause(policy.workerInterval());
        }
        if (leading) {
            try {
                ledger.releaseLease(WORKER_LEASE, instance);
            } catch (RuntimeException e) {
                LOG.debug("the worker lease was not given up: {}", message(e));
            }
        }
    }

    private static final String WORKER_LEASE = "worker";

    /**
     * How long the worker lease lasts unrenewed: ten rounds' pauses, at least 10 s, so that a round that waits on a
     * slow RPC does not lose it, and a killed holder's rounds are taken over within seconds.
     */
    private Duration leaseLife() {
        Duration tenRounds = policy.workerInterval().multipliedBy(10);
        return tenRounds.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : tenRounds;
    }

    /**
     * Waits for the next round, or until {@link #close()} wakes it. Never by interrupt: an interrupt that lands while
     * the worker reads from H2's AUTO_SERVER socket closes that socket (virtual threads do), and H2's reconnect then
     * failed with ~30 lines of "Error opening database: Sleep interrupted" on every such shutdown.
     */
    private void pause(java.time.Duration interval) {
        wakeLock.lock();
        try {
            long nanos = interval.toNanos();
            while (!closed && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            wakeLock.unlock();
        }
    }

    // ---- approvals (CLI and web)

    /** What {@code hal9 approve} and the approvals page see: a payment, for the person deciding. */
    public Optional<Ledger.Row> row(String id) {
        return ledger.byId(id);
    }

    /** The payments waiting for a person; {@code principal} null for everyone's. */
    public List<Ledger.Row> pending(String principal) {
        return ledger.inState(State.PENDING, principal);
    }

    /** Approves a pending payment; {@code principal} null means any owner (the operator's CLI). */
    public String approve(String id, String principal, String by, String via) {
        Ledger.Row row = owned(id, principal);
        if (row.payment().state() != State.PENDING) {
            throw new IllegalArgumentException(
                    id + " is " + row.payment().state().name().toLowerCase(Locale.ROOT) + ", not pending");
        }
        if (!ledger.approve(id, by, via)) {
            throw new IllegalArgumentException(id + " expired or was decided meanwhile; nothing was approved");
        }
        return row.payment().summary();
    }

    /** Declines a pending payment; nothing is sent and its amounts are released. */
    public String decline(String id, String principal, String by) {
        Ledger.Row row = owned(id, principal);
        if (!ledger.end(id, State.PENDING, State.DECLINED, "declined by " + by)) {
            throw new IllegalArgumentException(
                    id + " is " + row.payment().state().name().toLowerCase(Locale.ROOT) + ", not pending");
        }
        settled(id);
        return row.payment().summary();
    }

    private Ledger.Row owned(String id, String principal) {
        return ledger.byId(id)
                .filter(r -> principal == null || r.payment().principal().equals(principal))
                .orElseThrow(() -> new IllegalArgumentException(
                        "no payment " + id + (principal == null ? "" : " of yours") + "; 'hal9 payments' lists them"));
    }

    // ---- reads

    @Override
    public Optional<Payment> find(Principal principal, String id) {
        return ledger.byId(id).map(Ledger.Row::payment).filter(p -> p.principal()
                .equals(principal.id()));
    }

    @Override
    public Optional<Payment> findByKey(Principal principal, String idempotencyKey) {
        return ledger.byKey(principal.id(), idempotencyKey).map(Ledger.Row::payment);
    }

    @Override
    public Optional<Payment> refundOf(Principal payer, String paymentId) {
        return find(payer, paymentId).flatMap(p -> ledger.refundOf(p.id())).map(Ledger.Row::payment);
    }

    @Override
    public List<Payment> recent(Principal principal, int limit) {
        return ledger.recent(principal.id(), limit).stream()
                .map(Ledger.Row::payment)
                .toList();
    }

    /** Where a person approves on the web; the guard names it in its advice. */
    public void approvalsAt(String url) {
        this.approvalsUrl = url;
    }

    @Override
    public String nextStep(Payment payment) {
        return switch (payment.state()) {
            case PENDING ->
                "A person must approve it before it is sent: on the server's machine 'hal9 approve " + payment.id()
                        + "'" + (approvalsUrl == null ? "" : ", or the approvals page " + approvalsUrl)
                        + ". Tell the user; you cannot approve it yourself. Check it with payment_status (id "
                        + payment.id() + "). It expires at " + payment.expiresAt() + ".";
            case APPROVED -> "Approved; the server is sending it. Check it with payment_status.";
            case SENT -> "Sent; waiting for the chain to include it. Check it with payment_status.";
            case RECONCILING ->
                "It was broadcast, but the network has not shown yet what became of it (RPC nodes can lag). hal9 "
                        + "keeps checking the chain and keeps its amount reserved. Do not pay again; check it with "
                        + "payment_status.";
            case CONFIRMED -> "Done: it is on chain and delivered.";
            case FAILED ->
                "It failed and nothing was delivered (a network fee may have been paid if it reached the chain).";
            case DECLINED -> "A person declined it; nothing was sent. Do not retry unless the user asks.";
            case EXPIRED -> "Nobody approved it in time; nothing was sent. Submit it again if the user still wants it.";
        };
    }

    @Override
    public Map<String, String> limitsLeft(Payment payment) {
        Map<String, String> left = new java.util.TreeMap<>();
        String today = day(clock.instant());
        for (Effect effect : payment.effects()) {
            if (left.containsKey(effect.asset())) {
                continue;
            }
            try {
                policy.limitsIfSet(payment.network(), effect.asset(), effect.decimals())
                        .ifPresent(limits -> {
                            java.math.BigInteger reserved = ledger.reserved(
                                    payment.principal(), Policy.assetKey(payment.network(), effect.asset()), today);
                            java.math.BigInteger remaining =
                                    limits.daily().subtract(reserved).max(java.math.BigInteger.ZERO);
                            int decimals = effect.decimals();
                            left.put(
                                    effect.asset(),
                                    Policy.whole(remaining, decimals) + " of " + Policy.whole(limits.daily(), decimals)
                                            + " left today (UTC; what is pending counts); at most "
                                            + Policy.whole(limits.perCall(), decimals) + " per payment");
                        });
            } catch (RuntimeException e) {
                // a limit that cannot be read is the payment's refusal to explain, not its view's
                LOG.debug("limits of {} on {}: {}", effect.asset(), payment.network(), e.getMessage());
            }
        }
        return left;
    }

    // ---- helpers

    private ReentrantLock stripe(String key) {
        return stripes[Math.floorMod(key.hashCode(), stripes.length)];
    }

    private static String day(Instant at) {
        return at.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    private static String message(Throwable e) {
        return Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeLock.lock();
        try {
            wake.signalAll();
        } finally {
            wakeLock.unlock();
        }
        // the round in progress ends before the store below the guard closes
        try {
            if (worker.getState() != Thread.State.NEW) { // a guard never started (the CLI's, tests') has no worker
                worker.join(java.time.Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
