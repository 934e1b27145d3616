package dev.hal9.server.store;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.JdbiException;

/**
 * Secret keys all instances on one database share ({@code shared_keys}): the first instance that needs a key draws
 * it and inserts it; every other reads that one. Two instances that draw at once both insert, one insert wins, and
 * both use the winner's key. Thread-safe.
 */
public final class SharedKeys {

    private final Database database;
    private final LongSupplier clock;

    SharedKeys(Database database, LongSupplier clock) {
        this.database = database;
        this.clock = clock;
    }

    /** The 32-byte key of this name, made now if no instance made it before. */
    public byte[] key(String name) {
        Optional<byte[]> known = read(name);
        if (known.isPresent()) {
            return known.get();
        }
        byte[] drawn = new byte[32];
        new SecureRandom().nextBytes(drawn);
        try {
            database.jdbi().useHandle(db -> db.createUpdate(
                            "INSERT INTO shared_keys (name, key_value, created_at) VALUES (:name, :value, :now)")
                    .bind("name", name)
                    .bind("value", Base64.getEncoder().encodeToString(drawn))
                    .bind("now", clock.getAsLong())
                    .execute());
        } catch (JdbiException e) {
            // another instance inserted it first: the read below finds its key; anything else fails there too
        }
        return read(name)
                .orElseThrow(() -> new IllegalStateException("the shared key '" + name + "' could not be stored"));
    }

    private Optional<byte[]> read(String name) {
        return database.jdbi().withHandle(db -> db.createQuery("SELECT key_value FROM shared_keys WHERE name = :name")
                .bind("name", name)
                .mapTo(String.class)
                .findOne()
                .map(Base64.getDecoder()::decode));
    }
}
