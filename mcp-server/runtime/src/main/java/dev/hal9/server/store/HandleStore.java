package dev.hal9.server.store;

import dev.hal9.api.Handles;
import dev.hal9.api.Handles.HandleInfo;
import dev.hal9.api.Principal;
import dev.hal9.api.internal.InMemoryHandles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * Handles ({@code handles}): what tools return to name server-side state, kept in the database so that they outlive
 * a connection or a restart and every instance on the database sees them. Thread-safe.
 */
public final class HandleStore {

    /** The longest label kept; the column's width. */
    private static final int MAX_LABEL = 500;

    /** The handle column's width: a longer handle cannot be in the table, so it is not looked up. */
    private static final int MAX_HANDLE = 40;

    private static final RowMapper<HandleInfo> HANDLE_INFO = ConstructorMapper.of(HandleInfo.class);

    private final Database database;
    private final KnownPrincipals principals;
    private final LongSupplier clock;

    HandleStore(Database database, KnownPrincipals principals, LongSupplier clock) {
        this.database = database;
        this.principals = principals;
        this.clock = clock;
    }

    /**
     * How many handles are live, by prefix ({@code bs} browser sessions, {@code ct} contracts, ...), for every
     * principal: what the families hold open across the instances on this database.
     */
    public Map<String, Long> liveByPrefix() {
        Map<String, Long> live = new TreeMap<>();
        database.jdbi().useHandle(db -> db.createQuery("SELECT prefix, COUNT(*) AS live FROM handles GROUP BY prefix")
                .map((rs, ctx) -> Map.entry(rs.getString("prefix"), rs.getLong("live")))
                .forEach(entry -> live.put(entry.getKey(), entry.getValue())));
        return live;
    }

    /** The handles one principal owns; another principal's read as absent. */
    public Handles of(Principal principal) {
        return new Owned(principal.id());
    }

    private final class Owned implements Handles {

        private final String owner;

        Owned(String owner) {
            this.owner = owner;
        }

        @Override
        public String mint(String prefix, String label) {
            String minted = InMemoryHandles.newHandle(prefix);
            principals.ensure(owner);
            database.jdbi().useHandle(handle -> handle.createUpdate(
                            "INSERT INTO handles (handle, principal_id, prefix, label, created_at) "
                                    + "VALUES (:handle, :owner, :prefix, :label, :at)")
                    .bind("handle", minted)
                    .bind("owner", owner)
                    .bind("prefix", prefix)
                    .bind("label", label.length() > MAX_LABEL ? label.substring(0, MAX_LABEL) : label)
                    .bind("at", clock.getAsLong())
                    .execute());
            return minted;
        }

        @Override
        public Optional<HandleInfo> find(String handle) {
            if (handle == null || handle.length() > MAX_HANDLE) {
                return Optional.empty();
            }
            return database.jdbi()
                    .withHandle(db -> db.createQuery("SELECT handle, prefix, label, created_at FROM handles "
                                    + "WHERE handle = :handle AND principal_id = :owner")
                            .bind("handle", handle)
                            .bind("owner", owner)
                            .map(HANDLE_INFO)
                            .findOne());
        }

        @Override
        public boolean release(String handle) {
            return database.jdbi().withHandle(db -> db.createUpdate(
                                    "DELETE FROM handles WHERE handle = :handle AND principal_id = :owner")
                            .bind("handle", handle)
                            .bind("owner", owner)
                            .execute())
                    > 0;
        }

        @Override
        public List<HandleInfo> list() {
            return database.jdbi()
                    .withHandle(db -> db.createQuery("SELECT handle, prefix, label, created_at FROM handles "
                                    + "WHERE principal_id = :owner ORDER BY created_at DESC")
                            .bind("owner", owner)
                            .map(HANDLE_INFO)
                            .list());
        }
    }
}
