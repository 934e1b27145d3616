package dev.hal9.server.store;

import dev.hal9.api.FamilyState;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * One family's per-principal state ({@code family_state}), shared by every instance on the database. Thread-safe,
 * and safe across processes: a write is one transaction, and two first writes of a key at once both succeed, the
 * later one's value winning.
 */
public final class FamilyStateStore implements FamilyState {

    /** How often a write is tried when another writer keeps making the same new key first. */
    private static final int WRITE_ATTEMPTS = 3;

    private final Database database;
    private final String family;
    private final LongSupplier clock;

    FamilyStateStore(Database database, String family, LongSupplier clock) {
        this.database = database;
        this.family = family;
        this.clock = clock;
    }

    @Override
    public Optional<String> get(String principal, String key) {
        return database.jdbi().withHandle(handle -> handle.createQuery("SELECT state_value FROM family_state "
                        + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                .bind("family", family)
                .bind("principal", principal)
                .bind("key", key)
                .mapTo(String.class)
                .findOne());
    }

    /**
     * Replaces the value, or inserts it when there is none: update-else-insert is portable across H2 and PostgreSQL
     * (no MERGE / ON CONFLICT dialects). Two writers may both find no row and both insert; the second insert breaks
     * the primary key, which aborts its transaction (PostgreSQL aborts it whole), so the write is tried again in a
     * new one, where the update finds the row.
     */
    @Override
    public void put(String principal, String key, String value) {
        for (int attempt = 1; ; attempt++) {
            try {
                database.jdbi().useTransaction(handle -> {
                    int updated = handle.createUpdate("UPDATE family_state SET state_value = :value, updated_at = :at "
                                    + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                            .bind("family", family)
                            .bind("principal", principal)
                            .bind("key", key)
                            .bind("value", value)
                            .bind("at", clock.getAsLong())
                            .execute();
                    if (updated == 0) {
                        handle.createUpdate("INSERT INTO family_state "
                                        + "(family, principal_id, state_key, state_value, updated_at) "
                                        + "VALUES (:family, :principal, :key, :value, :at)")
                                .bind("family", family)
                                .bind("principal", principal)
                                .bind("key", key)
                                .bind("value", value)
                                .bind("at", clock.getAsLong())
                                .execute();
                    }
                });
                return;
            } catch (UnableToExecuteStatementException e) {
                if (!KnownPrincipals.isUniqueViolation(e) || attempt == WRITE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @Override
    public boolean delete(String principal, String key) {
        return database.jdbi().withHandle(handle -> handle.createUpdate("DELETE FROM family_state "
                                + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                        .bind("family", family)
                        .bind("principal", principal)
                        .bind("key", key)
                        .execute())
                > 0;
    }
}
