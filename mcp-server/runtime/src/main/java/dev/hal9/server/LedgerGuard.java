package dev.hal9.server;

import dev.hal9.api.Guard;
import dev.hal9.api.Principal;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard over the store's ledger. Policy comes from {@code guard.*} settings; limits are per principal and
 * asset, in the asset's whole units, under {@code guard.limits.<network>.<asset>.(per-call|daily|auto-approve)}.
 * An asset without a daily limit cannot be spent at all. A background worker expires pending rows, executes rows
 * approved elsewhere ({@code hal9 approve}, {@code /approvals}) and follows sent rows to their end; when the
 * server starts it first reconciles every {@code sent} row from the chain (broadcasting again only the very
 * transaction it stored, never a new one). Thread-safe.
 */
final class LedgerGuard implements Guard, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerGuard.class);

    /** How a person approved: a CLI run by the operator, the authenticated web page, an elicitation, policy. */
    static final String VIA_CLI = "cli";

    static final String VIA_WEB = "web";
    static final String VIA_ELICITATION = "elicitation";
    static final String VIA_POLICY = "auto-approve";

    private final Ledger ledger;
    private final Settings settings;
    private final LongSupplier clock;
    private final Map<String, Settlement> settlements = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Set<String> executing = ConcurrentHashMap.newKeySet();
    private final Thread worker;
    private volatile boolean closed;

    LedgerGuard(Ledger ledger, Settings settings, LongSupplier clock) {
        this.ledger = ledger;
        this.settings = settings;
        this.clock = clock;
        this.worker = Thread.ofVirtual().name("hal9-guard").unstarted(this::work);
    }

    /** Starts the worker: reconciliation first, then the periodic round. */
    void start() {
        worker.start();
    }

    @Override
    public void register(String kind, Settlement settlement) {
        if (settlements.putIfAbsent(kind, settlement) != null) {
            throw new IllegalStateException("two families settle payments of kind " + kind);
        }
    }

    // ---- submit

    @Override
    public Payment submit(ToolCall call, Intent intent) {
        String principal = call.principal().id();
        if (!settlements.containsKey(intent.kind())) {
            throw new IllegalStateException("no settlement registered for " + intent.kind());
        }
        String key = intent.idempotencyKey() == null || intent.idempotencyKey().isBlank()
                ? Ledger.newId()
                : intent.idempotencyKey();
        Optional<Ledger.Row> existing = ledger.byKey(principal, key);
        if (existing.isPresent()) {
            return again(existing.get().payment(), intent);
        }
        checkPolicy(intent);
        Limits limits = limits(intent.network(), intent.asset(), intent.decimals());
        if (intent.amount().compareTo(limits.perCall()) > 0) {
            throw new ToolException("policy refuses it: " + whole(intent.amount(), intent.decimals()) + " "
                    + intent.asset() + " is over the per-call limit of " + whole(limits.perCall(), intent.decimals())
                    + " " + intent.asset() + " on " + intent.network() + "; send less, or ask the operator to raise "
                    + limits.key() + ".per-call");
        }
        Instant now = Instant.ofEpochMilli(clock.getAsLong());
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
                now.plusSeconds(settings.integer("guard.approval-timeout-seconds")),
                null,
                null,
                null);
        String assetKey = assetKey(intent.network(), intent.asset());
        ReentrantLock lock = locks.computeIfAbsent(principal + "\u0000" + assetKey, k -> new ReentrantLock());
        Optional<Ledger.OverLimit> over;
        lock.lock();
        try {
            Optional<Ledger.Row> raced = ledger.byKey(principal, key);
            if (raced.isPresent()) {
                return again(raced.get().payment(), intent);
            }
            over = ledger.insertPending(pending, assetKey, day(now), limits.daily());
        } finally {
            lock.unlock();
        }
        if (over.isPresent()) {
            BigInteger left = over.get().limit().subtract(over.get().reserved()).max(BigInteger.ZERO);
            throw new ToolException("policy refuses it: the daily limit for " + intent.asset() + " on "
                    + intent.network() + " is " + whole(limits.daily(), intent.decimals()) + ", "
                    + whole(over.get().reserved(), intent.decimals()) + " is already spent or pending today, so "
                    + whole(left, intent.decimals()) + " is left; send at most that, or wait until 00:00 UTC");
        }
        if (intent.amount().compareTo(limits.autoApprove()) <= 0) {
            ledger.approve(pending.id(), principal, VIA_POLICY);
        } else if (settings.string("guard.elicitation").equalsIgnoreCase("true")) {
            askByElicitation(call, pending);
        }
        return proceed(pending.id(), call);
    }

    private Payment again(Payment existing, Intent intent) {
        boolean same = existing.kind().equals(intent.kind())
                && existing.network().equals(intent.network())
                && existing.asset().equals(intent.asset())
                && existing.amount().equals(intent.amount())
                && existing.recipient().equalsIgnoreCase(intent.recipient());
        if (!same) {
            throw new ToolException("the idempotency key '" + existing.idempotencyKey() + "' was used for another "
                    + "payment (" + existing.summary() + "); use a new key for a new payment");
        }
        return existing;
    }

    private void checkPolicy(Intent intent) {
        Set<String> networks = lower(settings.list("guard.networks"));
        if (!networks.isEmpty() && !networks.contains(intent.network().toLowerCase(Locale.ROOT))) {
            throw new ToolException("policy refuses it: value may not move on " + intent.network() + "; the operator "
                    + "allows " + String.join(", ", settings.list("guard.networks")) + " (guard.networks)");
        }
        Set<String> recipients = lower(settings.list("guard.recipients"));
        if (!recipients.isEmpty() && !recipients.contains(intent.recipient().toLowerCase(Locale.ROOT))) {
            throw new ToolException("policy refuses it: " + intent.recipient() + " is not on the operator's list of "
                    + "allowed recipients (guard.recipients); ask the operator to add it");
        }
    }

    private static Set<String> lower(Set<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toSet());
    }

    private void askByElicitation(ToolCall call, Payment pending) {
        StringBuilder message = new StringBuilder("Approve this payment? ")
                .append(pending.summary())
                .append('.');
        pending.preview()
                .forEach((k, v) ->
                        message.append(' ').append(k).append(": ").append(v).append('.'));
        Map<String, Object> schema = Map.of(
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
                                "Check to send " + whole(pending.amount(), pending.decimals()) + " "
                                        + pending.asset())),
                "required",
                List.of("approve"));
        Duration wait = Duration.between(Instant.ofEpochMilli(clock.getAsLong()), pending.expiresAt());
        Optional<ToolCall.Elicited> answer;
        try {
            answer = call.elicit(message.toString(), schema, wait.isNegative() ? Duration.ZERO : wait);
        } catch (RuntimeException e) {
            LOG.debug("elicitation for {} failed: {}", pending.id(), e.getMessage());
            return; // stays pending: a person can still approve it out of band
        }
        if (answer.isEmpty()) {
            return;
        }
        if (answer.get().accepted()
                && Boolean.TRUE.equals(answer.get().content().get("approve"))) {
            ledger.approve(pending.id(), pending.principal(), VIA_ELICITATION);
        } else {
            ledger.end(
                    pending.id(),
                    State.PENDING,
                    State.DECLINED,
                    "declined in the client",
                    assetKey(pending.network(), pending.asset()));
        }
    }

    /** Executes the row if approved, then waits a while for the chain; returns where it stands. */
    private Payment proceed(String id, ToolCall call) {
        Ledger.Row row = ledger.byId(id).orElseThrow();
        if (row.payment().state() == State.APPROVED) {
            execute(row);
        }
        long deadline = clock.getAsLong() + settings.integer("guard.confirm-wait-seconds") * 1000L;
        while (true) {
            row = ledger.byId(id).orElseThrow();
            if (row.payment().state() != State.SENT || clock.getAsLong() >= deadline || call.cancelled()) {
                return row.payment();
            }
            follow(row);
            row = ledger.byId(id).orElseThrow();
            if (row.payment().state() != State.SENT) {
                return row.payment();
            }
            sleep(250);
        }
    }

    // ---- execution

    /** approved -> sent (signed and stored, then broadcast) -> confirmed | failed. Once per row, per process. */
    private void execute(Ledger.Row approved) {
        Payment payment = approved.payment();
        Settlement settlement = settlements.get(payment.kind());
        if (settlement == null || !executing.add(payment.id())) {
            return;
        }
        ReentrantLock lock = locks.computeIfAbsent(
                "send\u0000" + payment.kind() + "\u0000" + payment.network() + "\u0000" + payment.sender(),
                k -> new ReentrantLock());
        lock.lock();
        try {
            Ledger.Row row = ledger.byId(payment.id()).orElseThrow();
            if (row.payment().state() != State.APPROVED) {
                return;
            }
            pauseFor("approved");
            Signed signed;
            try {
                signed = settlement.sign(
                        row.payment(),
                        ledger.lastSequenceInFlight(payment.kind(), payment.network(), payment.sender()));
            } catch (RuntimeException e) {
                // nothing left this process: the row ends failed, unambiguously, and its amount is released
                ledger.end(payment.id(), State.APPROVED, State.FAILED, "not sent: " + message(e), assetKey(payment));
                return;
            }
            if (!ledger.markSent(payment.id(), signed.hash(), signed.raw(), signed.sequence())) {
                return;
            }
            pauseFor("sent");
            broadcast(settlement, row.payment(), signed);
        } finally {
            executing.remove(payment.id());
            lock.unlock();
        }
    }

    private void broadcast(Settlement settlement, Payment payment, Signed signed) {
        try {
            settlement.broadcast(payment, signed);
            pauseFor("broadcast");
        } catch (Rejected e) {
            ledger.end(payment.id(), State.SENT, State.FAILED, "rejected: " + e.getMessage(), assetKey(payment));
        } catch (RuntimeException e) {
            // the network may or may not have it: the row stays sent and the worker checks it
            LOG.warn("broadcast of {} is unconfirmed, will check: {}", payment.id(), message(e));
            ledger.note(payment.id(), "broadcast unconfirmed, will check the chain: " + message(e));
        }
    }

    /** Looks a sent row up on chain; ends it, or broadcasts its stored transaction again if the chain lost it. */
    private void follow(Ledger.Row row) {
        Payment payment = row.payment();
        Settlement settlement = settlements.get(payment.kind());
        if (settlement == null || row.signedTx() == null) {
            return;
        }
        Signed signed = new Signed(payment.txHash(), row.signedTx(), row.sequence());
        Outcome outcome;
        try {
            outcome = settlement.check(payment, signed);
        } catch (RuntimeException e) {
            LOG.debug("checking {}: {}", payment.id(), message(e));
            return;
        }
        switch (outcome.status()) {
            case CONFIRMED -> ledger.confirm(payment.id(), outcome.detail());
            case FAILED ->
                ledger.end(
                        payment.id(),
                        State.SENT,
                        State.FAILED,
                        "failed on chain: " + outcome.detail(),
                        assetKey(payment));
            case PENDING -> {}
            case UNKNOWN -> broadcast(settlement, payment, signed);
        }
    }

    private void work() {
        boolean first = true;
        while (!closed) {
            try {
                // sent rows first: after a crash, the chain decides what happened before anything is retried;
                // a row this process is still sending is left to the thread sending it
                for (Ledger.Row row : ledger.inState(State.SENT, null)) {
                    if (!executing.contains(row.payment().id())) {
                        follow(row);
                    }
                }
                if (first) {
                    LOG.debug("guard: sent payments reconciled");
                    first = false;
                }
                for (Ledger.Row row : ledger.inState(State.PENDING, null)) {
                    if (!row.payment().expiresAt().isAfter(Instant.ofEpochMilli(clock.getAsLong()))) {
                        ledger.end(
                                row.payment().id(),
                                State.PENDING,
                                State.EXPIRED,
                                "nobody approved it in time",
                                assetKey(row.payment()));
                    }
                }
                for (Ledger.Row row : ledger.inState(State.APPROVED, null)) {
                    if (settlements.containsKey(row.payment().kind())) {
                        Thread.ofVirtual().name("hal9-guard-send").start(() -> execute(row));
                    }
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("guard round failed: {}", message(e));
                }
            }
            sleep(settings.integer("guard.worker-interval-ms"));
        }
    }

    // ---- approvals (CLI and web)

    /** What {@code hal9 approve} and the approvals page see: a pending payment, for the person deciding. */
    Optional<Ledger.Row> row(String id) {
        return ledger.byId(id);
    }

    List<Ledger.Row> pending(String principal) {
        return ledger.inState(State.PENDING, principal);
    }

    /** Approves a pending payment; {@code principal} null means any owner (the operator's CLI). */
    String approve(String id, String principal, String by, String via) {
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

    String decline(String id, String principal, String by) {
        Ledger.Row row = owned(id, principal);
        if (!ledger.end(id, State.PENDING, State.DECLINED, "declined by " + by, assetKey(row.payment()))) {
            throw new IllegalArgumentException(
                    id + " is " + row.payment().state().name().toLowerCase(Locale.ROOT) + ", not pending");
        }
        return row.payment().summary();
    }

    private Ledger.Row owned(String id, String principal) {
        Ledger.Row row = ledger.byId(id)
                .filter(r -> principal == null || r.payment().principal().equals(principal))
                .orElseThrow(() -> new IllegalArgumentException(
                        "no payment " + id + (principal == null ? "" : " of yours") + "; 'hal9 payments' lists them"));
        return row;
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
    public List<Payment> recent(Principal principal, int limit) {
        return ledger.recent(principal.id(), limit).stream()
                .map(Ledger.Row::payment)
                .toList();
    }

    /** Where a person approves on the web, once the HTTP server runs; null otherwise. */
    private volatile String approvalsUrl;

    void approvalsAt(String url) {
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
            case CONFIRMED -> "Done: it is on chain.";
            case FAILED -> "It failed and nothing was transferred (a fee may have been paid if it reached the chain).";
            case DECLINED -> "A person declined it; nothing was sent. Do not retry unless the user asks.";
            case EXPIRED -> "Nobody approved it in time; nothing was sent. Submit it again if the user still wants it.";
        };
    }

    // ---- policy values

    record Limits(String key, BigInteger perCall, BigInteger daily, BigInteger autoApprove) {}

    Limits limits(String network, String asset, int decimals) {
        String key = "guard.limits." + network.toLowerCase(Locale.ROOT) + "." + asset.toLowerCase(Locale.ROOT);
        String daily = settings.string(key + ".daily");
        if (daily.isBlank()) {
            throw new ToolException("policy refuses it: the operator has set no daily limit for " + asset + " on "
                    + network + ", so it cannot be spent; ask them to set " + key + ".daily (and .per-call, "
                    + ".auto-approve) in hal9.yaml");
        }
        BigInteger dailyLimit = units(key + ".daily", daily, decimals);
        String perCall = settings.string(key + ".per-call");
        String auto = settings.string(key + ".auto-approve");
        return new Limits(
                key,
                perCall.isBlank() ? dailyLimit : units(key + ".per-call", perCall, decimals),
                dailyLimit,
                auto.isBlank() ? BigInteger.valueOf(-1) : units(key + ".auto-approve", auto, decimals));
    }

    private static BigInteger units(String key, String value, int decimals) {
        try {
            return new BigDecimal(value.trim())
                    .movePointRight(decimals)
                    .setScale(0, java.math.RoundingMode.DOWN)
                    .toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalStateException("setting " + key + " must be a decimal amount, not '" + value + "'");
        }
    }

    static String whole(BigInteger amount, int decimals) {
        return new BigDecimal(amount)
                .movePointLeft(decimals)
                .stripTrailingZeros()
                .toPlainString();
    }

    static String assetKey(String network, String asset) {
        return network.toLowerCase(Locale.ROOT) + ":" + asset.toUpperCase(Locale.ROOT);
    }

    private static String assetKey(Payment payment) {
        return assetKey(payment.network(), payment.asset());
    }

    private static String day(Instant at) {
        return at.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    private void pauseFor(String point) {
        if (point.equals(settings.string("guard.test.pause-at"))) {
            LOG.info("guard: pausing at '{}' (guard.test.pause-at)", point);
            sleep(settings.integer("guard.test.pause-ms"));
        }
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
        worker.interrupt();
    }
}
