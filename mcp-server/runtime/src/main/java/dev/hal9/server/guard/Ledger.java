package dev.hal9.server.guard;

import dev.hal9.api.Guard.Effect;
import dev.hal9.api.Guard.Payment;
import dev.hal9.api.Guard.State;
import dev.hal9.api.internal.InMemoryHandles;
import dev.hal9.api.internal.Json;
import dev.hal9.server.secrets.Secrets;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import tools.jackson.databind.JsonNode;

/**
 * The guard's ledger in the store: one row per value-moving intent, the per-day reservations that daily limits
 * are checked against, and one lock row per sending address. Every state change is a conditional update from the
 * state the caller expects, so two actors (a tool call, the worker, {@code hal9 approve} in another process, a
 * second server on the same store) can never both move a row. Thread-safe.
 */
public final class Ledger {

    private static final String COLUMNS_IN_FLIGHT = "('SENT', 'RECONCILING')";

    private final Supplier<Jdbi> jdbi;
    private final InstantSource clock;

    /** The store opens in the background; the ledger asks for it on first use. */
    public Ledger(Supplier<Jdbi> jdbi, InstantSource clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A row as stored, with the signed transaction the owner never sees. */
    public record Row(
            Payment payment,
            String signedTx,
            long sequence,
            String spendDay,
            String approvedBy,
            String signedContext,
            Long notifiedAt) {}

    /** Why a reservation was refused: the asset, what is reserved already today, and the limit. */
    record OverLimit(String assetKey, BigInteger reserved, BigInteger limit) {}

    static String newId() {
        return InMemoryHandles.newHandle("pay");
    }

    private long now() {
        return clock.millis();
    }

    /**
     * Takes or renews the lease {@code name} for {@code holder} until {@code ttl} from now, unless another holder has
     * it and it has not expired; one conditional update, so of several instances asking at once one gets it.
     *
     * @return whether {@code holder} holds it now
     */
    boolean lease(String name, String holder, Duration ttl) {
        long now = now();
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE guard_lease SET holder = :holder, expires_at = :until"
                                + " WHERE name = :name AND (holder = :holder OR expires_at < :now)")
                        .bind("holder", holder)
                        .bind("until", now + ttl.toMillis())
                        .bind("name", name)
                        .bind("now", now)
                        .execute())
                == 1;
    }

    /** Gives a lease up at once, if {@code holder} has it, so that another instance need not wait for it to expire. */
    void releaseLease(String name, String holder) {
        jdbi.get().useHandle(h -> h.createUpdate(
                        "UPDATE guard_lease SET expires_at = 0 WHERE name = :name AND holder = :holder")
                .bind("name", name)
                .bind("holder", holder)
                .execute());
    }

    /** The row for a principal's idempotency key, if any. */
    Optional<Row> byKey(String principal, String key) {
        return jdbi.get()
                .withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE principal_id = :p AND idempotency_key = :k")
                        .bind("p", principal)
                        .bind("k", key)
                        .map(RowsMapper.INSTANCE)
                        .findOne());
    }

    /** A row by its id, whoever owns it. */
    public Optional<Row> byId(String id) {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE id = :id")
                .bind("id", id)
                .map(RowsMapper.INSTANCE)
                .findOne());
    }

    /** The refund of a payment, if one was made. */
    Optional<Row> refundOf(String paymentId) {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE refund_of = :id")
                .bind("id", paymentId)
                .map(RowsMapper.INSTANCE)
                .findOne());
    }

    /** A principal's most recent rows, newest first. */
    public List<Row> recent(String principal, int limit) {
        return jdbi.get().withHandle(h -> h.createQuery(
                        "SELECT * FROM ledger WHERE principal_id = :p ORDER BY created_at DESC, id LIMIT :n")
                .bind("p", principal)
                .bind("n", limit)
                .map(RowsMapper.INSTANCE)
                .list());
    }

    /** Rows in a state, oldest first; {@code principal} null for everyone's. */
    public List<Row> inState(State state, String principal) {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE state = :s"
                        + (principal == null ? "" : " AND principal_id = :p") + " ORDER BY created_at, id")
                .bind("s", state.name())
                .bind("p", principal)
                .map(RowsMapper.INSTANCE)
                .list());
    }

    /**
     * Payments of everyone that have not ended, in a state: how many, and how long the oldest has been in it (zero
     * when none is).
     */
    public record Unfinished(State state, long count, Duration oldest) {}

    /** The states a payment waits in before it ends, in the order it moves through them. */
    private static final List<State> UNFINISHED = List.of(State.PENDING, State.APPROVED, State.SENT, State.RECONCILING);

    /**
     * One {@link Unfinished} per state a payment waits in, for /metrics (a payment stuck reconciling is one an
     * operator must look at). A payment has been in its state since it was broadcast (sent, reconciling), approved,
     * or recorded (pending): the ledger keeps those times, not when a state began. One query over the state index,
     * whose unfinished rows are few.
     */
    public List<Unfinished> unfinished() {
        Map<String, long[]> found = new LinkedHashMap<>();
        jdbi.get()
                .withHandle(h -> h.createQuery("SELECT state, COUNT(*) AS n, "
                                + "MIN(COALESCE(sent_at, approved_at, created_at)) AS since FROM ledger "
                                + "WHERE state IN ('PENDING', 'APPROVED', 'SENT', 'RECONCILING') GROUP BY state")
                        .map((rs, ctx) ->
                                Map.entry(rs.getString("state"), new long[] {rs.getLong("n"), rs.getLong("since")}))
                        .list())
                .forEach(entry -> found.put(entry.getKey(), entry.getValue()));
        long now = now();
        List<Unfinished> result = new ArrayList<>();
        for (State state : UNFINISHED) {
            long[] row = found.get(state.name());
            result.add(
                    row == null
                            ? new Unfinished(state, 0, Duration.ZERO)
                            : new Unfinished(state, row[0], Duration.ofMillis(Math.max(0, now - row[1]))));
        }
        return result;
    }

    /** Ended rows whose end the families have not heard yet, oldest first. */
    List<Row> unnotified() {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE notified_at IS NULL AND state IN "
                        + "('CONFIRMED', 'FAILED', 'DECLINED', 'EXPIRED') ORDER BY finished_at, id")
                .map(RowsMapper.INSTANCE)
                .list());
    }

    void markNotified(String id) {
        jdbi.get().useHandle(h -> h.createUpdate("UPDATE ledger SET notified_at = :now WHERE id = :id")
                .bind("id", id)
                .bind("now", now())
                .execute());
    }

    /**
     * Runs {@code work} in one transaction that holds the sender's lock row, so that no other thread or process
     * signs for the same sender on the same network meanwhile (nonces and seqnos are allocated under it).
     */
    <T> T underSenderLock(String network, String sender, Function<Handle, T> work) {
        String net = network.toLowerCase(java.util.Locale.ROOT);
        String address = sender.toLowerCase(java.util.Locale.ROOT);
        ensureRow(
                "SELECT COUNT(*) FROM guard_sender WHERE network = :a AND sender = :b",
                "INSERT INTO guard_sender (network, sender) VALUES (:a, :b)",
                net,
                address,
                null);
        return jdbi.get().inTransaction(h -> {
            h.createQuery("SELECT network FROM guard_sender WHERE network = :a AND sender = :b FOR UPDATE")
                    .bind("a", net)
                    .bind("b", address)
                    .mapTo(String.class)
                    .one();
            return work.apply(h);
        });
    }

    /** Inserts a row unless it exists; a concurrent insert of the same row by another process is not an error. */
    private void ensureRow(String count, String insert, String a, String b, String c) {
        jdbi.get().useHandle(h -> {
            long existing = h.createQuery(count)
                    .bind("a", a)
                    .bind("b", b)
                    .bind("c", c)
                    .mapTo(Long.class)
                    .one();
            if (existing == 0) {
                try {
                    h.createUpdate(insert)
                            .bind("a", a)
                            .bind("b", b)
                            .bind("c", c)
                            .execute();
                } catch (UnableToExecuteStatementException e) {
                    // another process inserted it between the count and the insert: the row exists, as wanted
                }
            }
        });
    }

    /**
     * The sequence of the sender's newest transaction that may be on chain (sent, reconciling or confirmed) on a
     * network, or -1. Kinds share it: a contract call and a transfer from one address draw on one nonce.
     */
    long lastSequence(Handle h, String network, String sender) {
        return h.createQuery("SELECT COALESCE(MAX(sequence_no), -1) FROM ledger WHERE state IN ('SENT', "
                        + "'RECONCILING', 'CONFIRMED') AND LOWER(network) = :n AND LOWER(sender) = :s")
                .bind("n", network.toLowerCase(java.util.Locale.ROOT))
                .bind("s", sender.toLowerCase(java.util.Locale.ROOT))
                .mapTo(Long.class)
                .one();
    }

    /** Another row that already carries this transaction hash on the network, if any. */
    Optional<String> hashUsed(Handle h, String network, String hash, String exceptId) {
        return h.createQuery("SELECT id FROM ledger WHERE network = :n AND tx_hash = :h AND id <> :id")
                .bind("n", network)
                .bind("h", hash)
                .bind("id", exceptId)
                .mapTo(String.class)
                .findFirst();
    }

    /** How much of an asset a principal has reserved on a day. */
    BigInteger reserved(String principal, String assetKey, String day) {
        return jdbi.get()
                .withHandle(h -> h.createQuery("SELECT reserved FROM guard_spend WHERE principal_id = :p AND "
                                + "asset_key = :a AND spend_day = :d")
                        .bind("p", principal)
                        .bind("a", assetKey)
                        .bind("d", day)
                        .mapTo(BigDecimal.class)
                        .findOne())
                .map(BigDecimal::toBigIntegerExact)
                .orElse(BigInteger.ZERO);
    }

    /**
     * Reserves every asset's amount against its daily limit and inserts the pending row, in one transaction;
     * empty when all fit, else the first asset that does not. The reservation rows are locked in a fixed order
     * (sorted asset keys), so two processes reserving the same assets never deadlock.
     *
     * @param amounts what the payment reserves, per asset key, sorted
     * @param limits the daily limit per asset key
     */
    Optional<OverLimit> insertPending(
            Payment payment, SortedMap<String, BigInteger> amounts, Map<String, BigInteger> limits, String day) {
        for (String asset : amounts.keySet()) {
            ensureRow(
                    "SELECT COUNT(*) FROM guard_spend WHERE principal_id = :a AND asset_key = :b AND spend_day = :c",
                    "INSERT INTO guard_spend (principal_id, asset_key, spend_day, reserved) VALUES (:a, :b, :c, 0)",
                    payment.principal(),
                    asset,
                    day);
        }
        return jdbi.get().inTransaction(h -> {
            for (Map.Entry<String, BigInteger> entry : amounts.entrySet()) {
                BigInteger reserved = h.createQuery("SELECT reserved FROM guard_spend WHERE principal_id = :p AND "
                                + "asset_key = :a AND spend_day = :d FOR UPDATE")
                        .bind("p", payment.principal())
                        .bind("a", entry.getKey())
                        .bind("d", day)
                        .mapTo(BigDecimal.class)
                        .one()
                        .toBigIntegerExact();
                BigInteger limit = limits.get(entry.getKey());
                if (reserved.add(entry.getValue()).compareTo(limit) > 0) {
                    return Optional.of(new OverLimit(entry.getKey(), reserved, limit));
                }
            }
            for (Map.Entry<String, BigInteger> entry : amounts.entrySet()) {
                h.createUpdate("UPDATE guard_spend SET reserved = reserved + :r WHERE principal_id = :p AND "
                                + "asset_key = :a AND spend_day = :d")
                        .bind("p", payment.principal())
                        .bind("a", entry.getKey())
                        .bind("d", day)
                        .bind("r", new BigDecimal(entry.getValue()))
                        .execute();
            }
            h.createUpdate("INSERT INTO ledger (id, principal_id, idempotency_key, kind, network, asset, decimals, "
                            + "amount, sender, recipient, summary, preview, payload, state, spend_day, created_at, "
                            + "expires_at, effects, determined, refund_of) VALUES (:id, :p, :key, :kind, :network, "
                            + ":asset, :decimals, :amount, :sender, :recipient, :summary, :preview, :payload, "
                            + "'PENDING', :day, :created, :expires, :effects, :determined, :refundOf)")
                    .bind("id", payment.id())
                    .bind("p", payment.principal())
                    .bind("key", payment.idempotencyKey())
                    .bind("kind", payment.kind())
                    .bind("network", payment.network())
                    .bind("asset", payment.asset())
                    .bind("decimals", payment.decimals())
                    .bind("amount", new BigDecimal(payment.amount()))
                    .bind("sender", payment.sender())
                    .bind("recipient", payment.recipient())
                    .bind("summary", truncate(payment.summary(), 1000))
                    .bind("preview", Json.MAPPER.writeValueAsString(redacted(payment.preview())))
                    .bind("payload", payment.payload())
                    .bind("day", day)
                    .bind("created", payment.createdAt().toEpochMilli())
                    .bind("expires", payment.expiresAt().toEpochMilli())
                    .bind("effects", writeEffects(payment.effects()))
                    .bind("determined", payment.determined())
                    .bind("refundOf", payment.refundOf())
                    .execute();
            return Optional.empty();
        });
    }

    /** pending -> approved, if it is still pending and not expired. */
    boolean approve(String id, String by, String via) {
        long now = now();
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE ledger SET state = 'APPROVED', approved_by = :by, "
                                + "approved_via = :via, approved_at = :now WHERE id = :id AND state = 'PENDING' "
                                + "AND expires_at > :now")
                        .bind("id", id)
                        .bind("by", by)
                        .bind("via", via)
                        .bind("now", now)
                        .execute())
                > 0;
    }

    /**
     * Ends a row that delivered nothing (declined, expired, failed) and gives its amounts back to the day's
     * reservations, in one transaction.
     */
    boolean end(String id, State from, State to, String error) {
        return jdbi.get().inTransaction(h -> end(h, id, from, to, error));
    }

    boolean end(Handle h, String id, State from, State to, String error) {
        int moved = h.createUpdate("UPDATE ledger SET state = :to, error = :error, finished_at = :now WHERE id = :id "
                        + "AND state = :from")
                .bind("id", id)
                .bind("to", to.name())
                .bind("from", from.name())
                .bind("error", truncate(error, 2000))
                .bind("now", now())
                .execute();
        if (moved == 0) {
            return false;
        }
        Row row = h.createQuery("SELECT * FROM ledger WHERE id = :id")
                .bind("id", id)
                .map(RowsMapper.INSTANCE)
                .one();
        for (Map.Entry<String, BigInteger> entry :
                Policy.reservations(row.payment()).entrySet()) {
            h.createUpdate("UPDATE guard_spend SET reserved = CASE WHEN reserved > :amount THEN reserved - :amount "
                            + "ELSE 0 END WHERE principal_id = :p AND asset_key = :a AND spend_day = :d")
                    .bind("amount", new BigDecimal(entry.getValue()))
                    .bind("p", row.payment().principal())
                    .bind("a", entry.getKey())
                    .bind("d", row.spendDay())
                    .execute();
        }
        return true;
    }

    /** approved -> sent, storing the signed transaction before it is broadcast. */
    boolean markSent(Handle h, String id, String hash, String raw, long sequence, String context) {
        return h.createUpdate(
                                "UPDATE ledger SET state = 'SENT', tx_hash = :hash, signed_tx = :raw, sequence_no = :seq, "
                                        + "signed_context = :context, sent_at = :now, error = NULL WHERE id = :id "
                                        + "AND state = 'APPROVED'")
                        .bind("id", id)
                        .bind("hash", hash)
                        .bind("raw", raw)
                        .bind("seq", sequence)
                        .bind("context", context)
                        .bind("now", now())
                        .execute()
                > 0;
    }

    /** sent -> reconciling: the network has not shown what became of a broadcast transaction. */
    boolean reconcile(String id, String note) {
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE ledger SET state = 'RECONCILING', error = :note "
                                + "WHERE id = :id AND state = 'SENT'")
                        .bind("id", id)
                        .bind("note", truncate(note, 2000))
                        .execute())
                > 0;
    }

    /** sent or reconciling -> confirmed. */
    boolean confirm(String id, State from, String detail) {
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE ledger SET state = 'CONFIRMED', finished_at = :now, "
                                + "error = :detail WHERE id = :id AND state = :from")
                        .bind("id", id)
                        .bind("from", from.name())
                        .bind("detail", truncate(detail, 2000))
                        .bind("now", now())
                        .execute())
                > 0;
    }

    /** Records a note on a row without moving it (e.g. why a broadcast will be retried). */
    void note(String id, String note) {
        jdbi.get().useHandle(h -> h.createUpdate("UPDATE ledger SET error = :error WHERE id = :id")
                .bind("id", id)
                .bind("error", truncate(note, 2000))
                .execute());
    }

    /** Text a person reads later (summaries, errors, notes): shortened, and without secret-shaped values. */
    private static String truncate(String text, int max) {
        String redacted = Secrets.redact(text);
        return redacted == null || redacted.length() <= max ? redacted : redacted.substring(0, max);
    }

    private static Map<String, String> redacted(Map<String, String> preview) {
        if (preview == null) {
            return null;
        }
        Map<String, String> copy = new java.util.LinkedHashMap<>();
        preview.forEach((key, value) -> copy.put(key, Secrets.redact(value)));
        return copy;
    }

    static String writeEffects(List<Effect> effects) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Effect effect : effects) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("asset", effect.asset());
            map.put("decimals", effect.decimals());
            map.put("amount", effect.amount().toString());
            map.put("kind", effect.kind().name());
            map.put("counterparty", effect.counterparty());
            map.put("unlimited", effect.unlimited());
            list.add(map);
        }
        return Json.MAPPER.writeValueAsString(list);
    }

    private static List<Effect> readEffects(String json, String asset, int decimals, BigInteger amount, String to) {
        if (json == null || json.isBlank()) {
            // a row written before effects were kept: it moved its headline amount
            return List.of(Effect.transfer(asset, decimals, amount, to));
        }
        List<Effect> effects = new ArrayList<>();
        for (JsonNode node : Json.MAPPER.readTree(json)) {
            effects.add(new Effect(
                    node.path("asset").asString(),
                    node.path("decimals").asInt(),
                    new BigInteger(node.path("amount").asString()),
                    Effect.Kind.valueOf(node.path("kind").asString()),
                    node.path("counterparty").isString()
                            ? node.path("counterparty").asString()
                            : null,
                    node.path("unlimited").asBoolean(false)));
        }
        return List.copyOf(effects);
    }

    private static Map<String, String> readPreview(String json) {
        Map<String, String> map = new LinkedHashMap<>();
        Json.MAPPER
                .readTree(json)
                .properties()
                .forEach(e -> map.put(e.getKey(), e.getValue().asString()));
        return map;
    }

    /** Reads a ledger row. */
    private enum RowsMapper implements RowMapper<Row> {
        INSTANCE;

        @Override
        public Row map(ResultSet rs, StatementContext ctx) throws SQLException {
            String asset = rs.getString("asset");
            int decimals = rs.getInt("decimals");
            BigInteger amount = rs.getBigDecimal("amount").toBigIntegerExact();
            String recipient = rs.getString("recipient");
            Payment payment = new Payment(
                    rs.getString("id"),
                    rs.getString("principal_id"),
                    rs.getString("idempotency_key"),
                    rs.getString("kind"),
                    rs.getString("network"),
                    asset,
                    decimals,
                    amount,
                    rs.getString("sender"),
                    recipient,
                    rs.getString("summary"),
                    readPreview(rs.getString("preview")),
                    rs.getString("payload"),
                    State.valueOf(rs.getString("state")),
                    Instant.ofEpochMilli(rs.getLong("created_at")),
                    Instant.ofEpochMilli(rs.getLong("expires_at")),
                    rs.getString("approved_via"),
                    rs.getString("tx_hash"),
                    rs.getString("error"),
                    readEffects(rs.getString("effects"), asset, decimals, amount, recipient),
                    rs.getBoolean("determined"),
                    rs.getString("refund_of"));
            long sequence = rs.getLong("sequence_no");
            boolean noSequence = rs.wasNull();
            long notified = rs.getLong("notified_at");
            boolean notNotified = rs.wasNull();
            return new Row(
                    payment,
                    rs.getString("signed_tx"),
                    noSequence ? -1 : sequence,
                    rs.getString("spend_day"),
                    rs.getString("approved_by"),
                    rs.getString("signed_context"),
                    notNotified ? null : notified);
        }
    }
}
