package dev.hal9.server.store;

import java.sql.SQLException;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The {@code principals} table that tokens reference: a principal is recorded the first time a token or a handle
 * is made for it. Thread-safe.
 */
final class KnownPrincipals {

    /** The SQL state of a unique or primary key violation, in H2 and in PostgreSQL alike. */
    static final String UNIQUE_VIOLATION = "23505";

    private final Database database;
    private final LongSupplier clock;

    KnownPrincipals(Database database, LongSupplier clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Records a principal the first time it is seen. Its first calls may come at once (50 clients opening browser
     * sessions together): both may pass the NOT EXISTS, and the later insert then breaks the primary key, which
     * means the row is there. Portable across H2 and PostgreSQL (no MERGE / ON CONFLICT dialects); the statement
     * runs in a transaction of its own, so the failed insert aborts nothing else.
     */
    void ensure(String principalId) {
        try {
            database.jdbi()
                    .useHandle(handle -> handle.createUpdate("INSERT INTO principals (id, created_at) SELECT :id, :at "
                                    + "WHERE NOT EXISTS (SELECT 1 FROM principals WHERE id = :id)")
                            .bind("id", principalId)
                            .bind("at", clock.getAsLong())
                            .execute());
        } catch (UnableToExecuteStatementException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    /** Whether a statement failed because a row with the same key is already there. */
    static boolean isUniqueViolation(UnableToExecuteStatementException e) {
        return e.getCause() instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState());
    }
}
