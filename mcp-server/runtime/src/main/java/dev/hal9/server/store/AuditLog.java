package dev.hal9.server.store;

import dev.hal9.server.secrets.Secrets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log ({@code audit_log}): one row per tool call. Rows are queued and written in batches by a thread of
 * the log's own, so a tool call never waits for the disk; when the database falls behind by more than the queue
 * holds, rows are dropped and counted. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    private static final int QUEUE_CAPACITY = 100_000;
    private static final int BATCH_SIZE = 500;
    private static final int MAX_ARGUMENTS = 4000;
    private static final int MAX_DETAIL = 1000;

    /** How long {@link #recent} waits for queued rows to be written. */
    private static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final RowMapper<AuditRow> AUDIT_ROW = ConstructorMapper.of(AuditRow.class);

    private final Database database;
    private final LongSupplier clock;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    /** Rows accepted into the queue, and rows the writer has finished with (written, or failed and logged). */
    private final AtomicLong accepted = new AtomicLong();

    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition progressed = progressLock.newCondition();
    /** Guarded by progressLock. */
    private long finished;

    private volatile boolean closing;
    private final Thread writer;

    AuditLog(Database database, LongSupplier clock) {
        this.database = database;
        this.clock = clock;
        this.writer = Thread.ofPlatform().name("hal9-audit").daemon(true).start(this::writeBatches);
    }

    /**
     * An audit row as read back.
     *
     * @param at when the call ended, epoch milliseconds
     * @param principal who called, or null before authentication
     * @param tool the tool's name
     * @param outcome how it ended ({@code ok}, {@code error}, ...)
     * @param durationMillis how long it took
     * @param arguments its arguments as JSON, secrets redacted and clipped
     */
    public record AuditRow(
            long at, String principal, String tool, String outcome, long durationMillis, String arguments) {}

    /** A row waiting to be written. */
    private record Pending(
            long at, String principal, String tool, String outcome, long duration, String arguments, String detail) {}

    /** Queues one row; the arguments are clipped and secrets in the detail redacted. Never blocks. */
    public void record(
            String principalId, String tool, String outcome, long durationMillis, String arguments, String detail) {
        Pending row = new Pending(
                clock.getAsLong(),
                principalId,
                tool,
                outcome,
                durationMillis,
                clip(arguments, MAX_ARGUMENTS),
                clip(Secrets.redact(detail), MAX_DETAIL));
        if (queue.offer(row)) {
            accepted.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
    }

    /** The newest rows, newest first; waits for queued rows to be written first. */
    public List<AuditRow> recent(int limit) {
        flush();
        return database.jdbi().withHandle(handle -> handle.createQuery(
                        "SELECT at, principal_id AS principal, tool, outcome, duration_ms AS duration_millis, "
                                + "arguments FROM audit_log ORDER BY id DESC LIMIT :limit")
                .bind("limit", limit)
                .map(AUDIT_ROW)
                .list());
    }

    /** Waits (30 s at most) until every row queued before the call is written. */
    void flush() {
        long target = accepted.get();
        long remaining = FLUSH_NANOS;
        progressLock.lock();
        try {
            while (finished < target && remaining > 0) {
                remaining = progressed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            progressLock.unlock();
        }
    }

    /** How many rows were dropped because the queue was full (the database fell behind). */
    long dropped() {
        return dropped.get();
    }

    /** Writes what is queued, then stops the writer (waiting 10 s at most). */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeBatches() {
        List<Pending> batch = new ArrayList<>();
        while (!(closing && queue.isEmpty())) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH_SIZE - 1);
                write(batch);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("could not write {} audit rows: {}", batch.size(), e.getMessage());
            } finally {
                finish(batch.size());
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        database.jdbi().useTransaction(handle -> {
            PreparedBatch insert = handle.prepareBatch("INSERT INTO audit_log "
                    + "(at, principal_id, tool, outcome, duration_ms, arguments, detail) "
                    + "VALUES (:at, :principal, :tool, :outcome, :duration, :arguments, :detail)");
            for (Pending row : batch) {
                insert.bind("at", row.at())
                        .bind("principal", row.principal())
                        .bind("tool", row.tool())
                        .bind("outcome", row.outcome())
                        .bind("duration", row.duration())
                        .bind("arguments", row.arguments())
                        .bind("detail", row.detail())
                        .add();
            }
            insert.execute();
        });
    }

    private void finish(int rows) {
        if (rows == 0) {
            return;
        }
        progressLock.lock();
        try {
            finished += rows;
            progressed.signalAll();
        } finally {
            progressLock.unlock();
        }
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
