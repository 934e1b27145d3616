package dev.hal9.api.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The tables a family owns in a database it shares with the runtime: its Flyway migrations, shipped in its jar
 * under {@code db/families/<family>/}, run once per process on the family's first connection, with a schema
 * history of the family's own ({@code flyway_history_<family>}) so that its versions never meet the runtime's or
 * another family's. Used by the runtime and the test kit alike. Thread-safe.
 */
public final class FamilyTables {

    /** A family name becomes part of a table name, so it is held to what every SQL dialect accepts unquoted. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    private final Supplier<DataSource> dataSource;
    private final Map<String, Jdbi> jdbis = new ConcurrentHashMap<>();

    /** Over a database opened when first asked for (the runtime opens its own in the background). */
    public FamilyTables(Supplier<DataSource> dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Jdbi over the family's tables. Nothing is opened here: the database and the family's migrations are reached
     * on the first connection, so a family may ask for this while it builds its tools.
     *
     * @param classLoader where the family's migrations are (its jar's loader)
     */
    public Jdbi jdbi(String family, ClassLoader classLoader) {
        if (!NAME.matcher(family).matches()) {
            throw new IllegalArgumentException(
                    "family name '" + family + "' cannot prefix a table name (lower-case letters, digits, _)");
        }
        return jdbis.computeIfAbsent(family, name -> Jdbi.create(new Migrated(name, classLoader)::connection));
    }

    /** Runs a family's migrations on a database; idempotent. */
    public static void migrate(DataSource dataSource, String family, ClassLoader classLoader) {
        Flyway.configure(classLoader)
                .dataSource(dataSource)
                .table("flyway_history_" + family)
                .locations("classpath:db/families/" + family)
                // the schema already holds the runtime's tables, which Flyway would otherwise take for a schema
                // it must not touch; version 0 as the baseline keeps the family's V1 from being skipped
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .failOnMissingLocations(true)
                .load()
                .migrate();
    }

    /** Connections for one family, which run its migrations once before the first is handed out. */
    private final class Migrated {
        private final String family;
        private final ClassLoader classLoader;
        private volatile boolean migrated;

        Migrated(String family, ClassLoader classLoader) {
            this.family = family;
            this.classLoader = classLoader;
        }

        Connection connection() throws SQLException {
            DataSource source = dataSource.get();
            if (!migrated) {
                synchronizedMigrate(source);
            }
            return source.getConnection();
        }

        private void synchronizedMigrate(DataSource source) {
            // a ReentrantLock, not synchronized: the caller may be a virtual thread, and migrating blocks on I/O
            LOCK.lock();
            try {
                if (!migrated) {
                    migrate(source, family, classLoader);
                    migrated = true;
                }
            } finally {
                LOCK.unlock();
            }
        }
    }

    /** Serialises the first migration of each family in this process; Flyway's own lock covers other processes. */
    private static final ReentrantLock LOCK = new ReentrantLock();
}
