package dev.hal9.server.store;

import dev.hal9.api.FamilyState;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One family's per-principal state ({@code family_state}), shared by every instance on the database. Thread-safe.
 */
public final class FamilyStateStore implements FamilyState {

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

    @Override
    public void put(String principal, String key, String value) {
        // delete + insert in one transaction: portable across H2 and PostgreSQL
        database.jdbi().useTransaction(handle -> {
            handle.createUpdate("DELETE FROM family_state "
                            + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                    .bind("family", family)
                    .bind("principal", principal)
                    .bind("key", key)
                    .execute();
            handle.createUpdate("INSERT INTO family_state (family, principal_id, state_key, state_value, updated_at) "
                            + "VALUES (:family, :principal, :key, :value, :at)")
                    .bind("family", family)
                    .bind("principal", principal)
                    .bind("key", key)
                    .bind("value", value)
                    .bind("at", clock.getAsLong())
                    .execute();
        });
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
