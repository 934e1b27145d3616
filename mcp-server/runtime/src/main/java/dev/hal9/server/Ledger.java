package dev.hal9.server;

import dev.hal9.api.Guard.Payment;
import dev.hal9.api.Guard.State;
import dev.hal9.api.internal.InMemoryHandles;
import dev.hal9.api.internal.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The guard's ledger in the store: one row per value-moving intent and the per-day reservations that daily
 * limits are checked against. Every state change is a conditional update from the state the caller expects, so
 * two actors (a tool call, the worker, {@code hal9 approve} in another process) can never both move a row.
 */
final class Ledger {

    private final Supplier<Jdbi> jdbi;
    private final LongSupplier clock;

    /** The store opens in the background; the ledger asks for it on first use. */
    Ledger(Supplier<Jdbi> jdbi, LongSupplier clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A row as stored, with the signed transaction the owner never sees. */
    record Row(Payment payment, String signedTx, long sequence, String spendDay, String approvedBy) {}

    /** Why a reservation was refused: what is reserved already today and the limit. */
    record OverLimit(BigInteger reserved, BigInteger limit) {}

    static String newId() {
        return InMemoryHandles.newHandle("pay");
    }

    /** The row for a principal's idempotency key, if any. */
    Optional<Row> byKey(String principal, String key) {
        return jdbi.get()
                .withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE principal_id = :p AND idempotency_key = :k")
                        .bind("p", principal)
                        .bind("k", key)
                        .map((rs, ctx) -> row(rs))
                        .findOne());
    }

    Optional<Row> byId(String id) {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> row(rs))
                .findOne());
    }

    List<Row> recent(String principal, int limit) {
        return jdbi.get().withHandle(h -> h.createQuery(
                        "SELECT * FROM ledger WHERE principal_id = :p ORDER BY created_at DESC, id LIMIT :n")
                .bind("p", principal)
                .bind("n", limit)
                .map((rs, ctx) -> row(rs))
                .list());
    }

    /** Rows in a state, oldest first; {@code principal} null for everyone's. */
    List<Row> inState(State state, String principal) {
        return jdbi.get().withHandle(h -> h.createQuery("SELECT * FROM ledger WHERE state = :s"
                        + (principal == null ? "" : " AND principal_id = :p") + " ORDER BY created_at, id")
                .bind("s", state.name())
                .bind("p", principal)
                .map((rs, ctx) -> row(rs))
                .list());
    }

    /** The sequence of the sender's newest payment in flight on a network, or -1. */
    long lastSequenceInFlight(String kind, String network, String sender) {
        return jdbi.get()
                .withHandle(h -> h.createQuery("SELECT COALESCE(MAX(sequence_no), -1) FROM ledger WHERE state = 'SENT' "
                                + "AND kind = :k AND network = :n AND sender = :s")
                        .bind("k", kind)
                        .bind("n", network)
                        .bind("s", sender)
                        .mapTo(Long.class)
                        .one());
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
     * Reserves the amount against the daily limit and inserts the pending row, in one transaction; empty when
     * it fits, else what is reserved already. The caller serializes reservations of one principal and asset.
     */
    Optional<OverLimit> insertPending(Payment payment, String assetKey, String day, BigInteger dailyLimit) {
        return jdbi.get().inTransaction(h -> {
            BigInteger reserved = h.createQuery("SELECT reserved FROM guard_spend WHERE principal_id = :p AND "
                            + "asset_key = :a AND spend_day = :d FOR UPDATE")
                    .bind("p", payment.principal())
                    .bind("a", assetKey)
                    .bind("d", day)
                    .mapTo(BigDecimal.class)
                    .findOne()
                    .map(BigDecimal::toBigIntegerExact)
                    .orElse(null);
            BigInteger after = (reserved == null ? BigInteger.ZERO : reserved).add(payment.amount());
            if (after.compareTo(dailyLimit) > 0) {
                return Optional.of(new OverLimit(reserved == null ? BigInteger.ZERO : reserved, dailyLimit));
            }
            if (reserved == null) {
                h.createUpdate("INSERT INTO guard_spend (principal_id, asset_key, spend_day, reserved) "
                                + "VALUES (:p, :a, :d, :r)")
                        .bind("p", payment.principal())
                        .bind("a", assetKey)
                        .bind("d", day)
                        .bind("r", new BigDecimal(after))
                        .execute();
            } else {
                h.createUpdate("UPDATE guard_spend SET reserved = :r WHERE principal_id = :p AND asset_key = :a "
                                + "AND spend_day = :d")
                        .bind("p", payment.principal())
                        .bind("a", assetKey)
                        .bind("d", day)
                        .bind("r", new BigDecimal(after))
                        .execute();
            }
            h.createUpdate("INSERT INTO ledger (id, principal_id, idempotency_key, kind, network, asset, decimals, "
                            + "amount, sender, recipient, summary, preview, payload, state, spend_day, created_at, "
                            + "expires_at) VALUES (:id, :p, :key, :kind, :network, :asset, :decimals, :amount, "
                            + ":sender, :recipient, :summary, :preview, :payload, 'PENDING', :day, :created, "
                            + ":expires)")
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
                    .bind("summary", payment.summary())
                    .bind("preview", write(payment.preview()))
                    .bind("payload", payment.payload())
                    .bind("day", day)
                    .bind("created", payment.createdAt().toEpochMilli())
                    .bind("expires", payment.expiresAt().toEpochMilli())
                    .execute();
            return Optional.empty();
        });
    }

    /** pending -> approved, if it is still pending and not expired. */
    boolean approve(String id, String by, String via) {
        long now = clock.getAsLong();
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
     * Ends a row that moved nothing (declined, expired, failed) and gives its amount back to the day's
     * reservation, in one transaction.
     */
    boolean end(String id, State from, State to, String error, String assetKey) {
        return jdbi.get().inTransaction(h -> {
            Row row = h.createQuery("SELECT * FROM ledger WHERE id = :id FOR UPDATE")
                    .bind("id", id)
                    .map((rs, ctx) -> row(rs))
                    .findOne()
                    .orElse(null);
            if (row == null || row.payment().state() != from) {
                return false;
            }
            h.createUpdate("UPDATE ledger SET state = :to, error = :error, finished_at = :now WHERE id = :id "
                            + "AND state = :from")
                    .bind("id", id)
                    .bind("to", to.name())
                    .bind("from", from.name())
                    .bind("error", truncate(error))
                    .bind("now", clock.getAsLong())
                    .execute();
            release(h, row, assetKey);
            return true;
        });
    }

    private static void release(Handle h, Row row, String assetKey) {
        h.createUpdate("UPDATE guard_spend SET reserved = CASE WHEN reserved > :amount THEN reserved - :amount "
                        + "ELSE 0 END WHERE principal_id = :p AND asset_key = :a AND spend_day = :d")
                .bind("amount", new BigDecimal(row.payment().amount()))
                .bind("p", row.payment().principal())
                .bind("a", assetKey)
                .bind("d", row.spendDay())
                .execute();
    }

    /** approved -> sent, storing the signed transaction before it is broadcast. */
    boolean markSent(String id, String hash, String raw, long sequence) {
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE ledger SET state = 'SENT', tx_hash = :hash, "
                                + "signed_tx = :raw, sequence_no = :seq, sent_at = :now WHERE id = :id "
                                + "AND state = 'APPROVED'")
                        .bind("id", id)
                        .bind("hash", hash)
                        .bind("raw", raw)
                        .bind("seq", sequence)
                        .bind("now", clock.getAsLong())
                        .execute())
                > 0;
    }

    /** sent -> confirmed. */
    boolean confirm(String id, String detail) {
        return jdbi.get().withHandle(h -> h.createUpdate("UPDATE ledger SET state = 'CONFIRMED', finished_at = :now, "
                                + "error = :detail WHERE id = :id AND state = 'SENT'")
                        .bind("id", id)
                        .bind("detail", truncate(detail))
                        .bind("now", clock.getAsLong())
                        .execute())
                > 0;
    }

    /** Records a note on a row without moving it (e.g. why a broadcast will be retried). */
    void note(String id, String error) {
        jdbi.get().useHandle(h -> h.createUpdate("UPDATE ledger SET error = :error WHERE id = :id")
                .bind("id", id)
                .bind("error", truncate(error))
                .execute());
    }

    private static String truncate(String text) {
        return text == null || text.length() <= 2000 ? text : text.substring(0, 2000);
    }

    private static Row row(ResultSet rs) throws SQLException {
        Long expires = rs.getLong("expires_at");
        Payment payment = new Payment(
                rs.getString("id"),
                rs.getString("principal_id"),
                rs.getString("idempotency_key"),
                rs.getString("kind"),
                rs.getString("network"),
                rs.getString("asset"),
                rs.getInt("decimals"),
                rs.getBigDecimal("amount").toBigIntegerExact(),
                rs.getString("sender"),
                rs.getString("recipient"),
                rs.getString("summary"),
                read(rs.getString("preview")),
                rs.getString("payload"),
                State.valueOf(rs.getString("state")),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(expires),
                rs.getString("approved_via"),
                rs.getString("tx_hash"),
                rs.getString("error"));
        long sequence = rs.getLong("sequence_no");
        return new Row(
                payment,
                rs.getString("signed_tx"),
                rs.wasNull() ? -1 : sequence,
                rs.getString("spend_day"),
                rs.getString("approved_by"));
    }

    private static String write(Map<String, String> map) {
        return Json.MAPPER.writeValueAsString(map);
    }

    private static Map<String, String> read(String json) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        Json.MAPPER
                .readTree(json)
                .properties()
                .forEach(e -> map.put(e.getKey(), e.getValue().asString()));
        return map;
    }
}
