package dev.hal9.server.store;

import dev.hal9.api.FamilyState;
import dev.hal9.api.internal.FamilyTables;
import dev.hal9.server.Settings;
import java.nio.file.Path;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;

/**
 * What a hal9 process keeps in its database, one store per table over one {@link Database}: API tokens, handles,
 * families' state, the tables families own, and the audit log. Opening it opens nothing yet (see {@link Database}); closing it writes the
 * queued audit rows and then closes the database. Thread-safe.
 */
public final class Store implements AutoCloseable {

    private final Database database;
    private final LongSupplier clock;
    private final TokenStore tokens;
    private final HandleStore handles;
    private final AuditLog audit;
    private final FamilyTables familyTables;
    private final SharedKeys sharedKeys;

    private Store(Database database, LongSupplier clock) {
        this.database = database;
        this.clock = clock;
        KnownPrincipals principals = new KnownPrincipals(database, clock);
        this.tokens = new TokenStore(database, principals, clock);
        this.handles = new HandleStore(database, principals, clock);
        this.audit = new AuditLog(database, clock);
        this.familyTables = new FamilyTables(database::dataSource);
        this.sharedKeys = new SharedKeys(database, clock);
    }

    /** The stores over a JDBC URL. */
    public static Store open(String url, String user, String password, LongSupplier clock) {
        return new Store(Database.at(url, user, password), clock);
    }

    /** The stores over the configured database ({@link Database#configured}). */
    public static Store open(Settings settings, Path dataDirectory, LongSupplier clock) {
        return new Store(Database.configured(settings, dataDirectory), clock);
    }

    /** The database under the stores. */
    public Database database() {
        return database;
    }

    /** Starts opening the database in the background ({@link Database#openInBackground}). */
    public Store openInBackground() {
        database.openInBackground();
        return this;
    }

    /** Waits until the database is open, so a CLI command fails early with a clear message. */
    public Store awaitOpen() {
        database.jdbi();
        return this;
    }

    /** The API tokens. */
    public TokenStore tokens() {
        return tokens;
    }

    /** The handles principals own. */
    public HandleStore handles() {
        return handles;
    }

    /** One family's per-principal state. */
    public FamilyState familyState(String family) {
        return new FamilyStateStore(database, family, clock);
    }

    /**
     * Jdbi over the tables a family owns, migrated from its jar on the first connection ({@link FamilyTables}).
     *
     * @param classLoader the family's, where its migrations are
     */
    public Jdbi familyTables(String family, ClassLoader classLoader) {
        return familyTables.jdbi(family, classLoader);
    }

    /** Secret keys every instance on the database shares. */
    public SharedKeys sharedKeys() {
        return sharedKeys;
    }

    /** The audit log. */
    public AuditLog audit() {
        return audit;
    }

    @Override
    public void close() {
        audit.close();
        database.close();
    }
}
