package dev.hal9.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.hal9.server.Settings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.h2.jdbc.JdbcConnection;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database under the stores: H2 in the data directory by default, PostgreSQL (or any JDBC URL) when
 * {@code db.url} is set, pooled by Hikari and migrated by Flyway. Opening (migration included) runs in the
 * background, started when the server is ready for it or by the first query, so that it stays off the path to a
 * client's first answers; the first query waits for it. Thread-safe.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** How long a process waits for another to finish handing over the shared H2 file. */
    private static final long HANDOVER_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** How long a query waits for the database to open. */
    private static final long OPEN_SECONDS = 60;

    private final CompletableFuture<Opened> opened = new CompletableFuture<>();
    private final AtomicBoolean opening = new AtomicBoolean();
    private final Supplier<Opened> opener;
    private final String description;

    /** The pool and Jdbi over it. */
    private record Opened(HikariDataSource pool, Jdbi jdbi) {}

    private Database(Supplier<Opened> opener, String description) {
        this.opener = opener;
        this.description = description;
    }

    /** The database at a JDBC URL; nothing is opened until {@link #openInBackground} or the first query. */
    public static Database at(String url, String user, String password) {
        return new Database(() -> migrate(url, user, password), redactUrl(url));
    }

    /**
     * The configured database: {@code db.url} if set, else the embedded H2 file in the owner-only data directory
     * with the password hal9 keeps in {@link DataDirectory#PASSWORD_FILE}. A database an older hal9 made with the
     * configured password ({@code db.password}, empty by default) is moved to the kept password on first open.
     */
    public static Database configured(Settings settings, Path dataDirectory) {
        if (!settings.string("db.url").isBlank()) {
            return at(settings.string("db.url"), settings.string("db.user"), settings.string("db.password"));
        }
        String url = h2Url(dataDirectory);
        String user = settings.string("db.user");
        String legacyPassword = settings.string("db.password");
        String password = DataDirectory.databasePassword(dataDirectory);
        return new Database(
                () -> {
                    Opened result;
                    try {
                        result = migrateShared(url, user, password);
                    } catch (RuntimeException e) {
                        if (!hasErrorCode(e, ErrorCode.WRONG_USER_OR_PASSWORD)) {
                            throw e;
                        }
                        setPassword(url, user, legacyPassword, password);
                        result = migrateShared(url, user, password);
                    }
                    DataDirectory.secure(dataDirectory); // H2 made its lock file just now, with the umask's mode
                    return result;
                },
                url);
    }

    /** The default H2 URL for a data directory, which it creates owner-only. */
    public static String h2Url(Path dataDirectory) {
        DataDirectory.secure(dataDirectory);
        // AUTO_SERVER lets 'hal9 token create' share the file with a running server; it listens on loopback
        // only (h2.bindAddress, set in Main). WRITE_DELAY=0 writes each commit to the file before the commit
        // returns: with H2's default (500 ms) a process killed right after the guard marked a payment sent lost
        // that mark, and the restarted server signed the payment again with the next nonce (GuardCrashTest).
        // LOCK_TIMEOUT: the guard holds a sender's lock row while it signs (an RPC round trip or two); a second
        // server on the same file waits for it rather than failing after H2's default second.
        return "jdbc:h2:file:" + dataDirectory.resolve("hal9").toAbsolutePath()
                + ";AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=30000";
    }

    /**
     * Starts opening (and migrating) the database in the background, once; the first query starts it too. A stdio
     * server starts it after its first listing, so that a client's handshake does not share the machine with H2
     * and Flyway; an HTTP server and the CLI commands that need the database start it at once.
     */
    public Database openInBackground() {
        if (opening.compareAndSet(false, true)) {
            Thread.ofVirtual().name("hal9-store-open").start(() -> {
                try {
                    opened.complete(opener.get());
                } catch (Throwable e) {
                    opened.completeExceptionally(e);
                }
            });
        }
        return this;
    }

    /** Whether the database has finished opening; {@code /health/ready} reports it. */
    public boolean ready() {
        return opened.isDone() && !opened.isCompletedExceptionally();
    }

    /**
     * How the connection pool is used at this moment: connections lent out and idle, callers waiting for one, and
     * the most the pool opens. Every query and transaction of the stores, the guard and the families' tables draws
     * from it, so callers that wait mean the database, or work that holds connections, is the bottleneck.
     */
    public record PoolUse(int active, int idle, int waiting, int max) {}

    /** The pool's use now, read from Hikari's own counters (no query); empty until the database is open. */
    public Optional<PoolUse> poolUse() {
        if (!ready()) {
            return Optional.empty();
        }
        HikariDataSource pool = opened.join().pool();
        HikariPoolMXBean counters = pool.getHikariPoolMXBean();
        if (counters == null) {
            return Optional.empty();
        }
        return Optional.of(new PoolUse(
                counters.getActiveConnections(),
                counters.getIdleConnections(),
                counters.getThreadsAwaitingConnection(),
                pool.getMaximumPoolSize()));
    }

    /** Jdbi over the open database; starts opening it if nothing has, and waits for it to be open. */
    public Jdbi jdbi() {
        return opened().jdbi();
    }

    /** The pool under {@link #jdbi()}, for the families' tables ({@link dev.hal9.api.internal.FamilyTables}). */
    public DataSource dataSource() {
        return opened().pool();
    }

    private Opened opened() {
        openInBackground();
        try {
            return opened.get(OPEN_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the database", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the database at " + description + " could not be opened: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the database at " + description + " did not open within " + OPEN_SECONDS + " s", e);
        }
    }

    /** Where the database is, without credentials. */
    String description() {
        return description;
    }

    /**
     * Closes the pool, after an open under way has finished; an H2 file this process holds is shut down cleanly
     * so that the next start does not have to recover it.
     */
    @Override
    public void close() {
        if (opening.get()) {
            try {
                opened.get(OPEN_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("the database did not open: {}", e.getMessage());
            }
        }
        if (!ready()) {
            return;
        }
        if (description.startsWith("jdbc:h2:")) {
            shutDownH2();
        }
        opened.join().pool().close();
    }

    /**
     * Shuts the H2 file down, but only if this process holds it: over AUTO_SERVER's TCP link (a CLI command while
     * the server runs) SHUTDOWN would close the server's database under it.
     */
    private void shutDownH2() {
        try {
            jdbi().useHandle(handle -> {
                boolean remote;
                try {
                    remote = handle.getConnection()
                            .unwrap(JdbcConnection.class)
                            .getSession()
                            .isRemote();
                } catch (SQLException e) {
                    remote = true;
                }
                if (!remote) {
                    handle.execute("SHUTDOWN");
                }
            });
        } catch (RuntimeException e) {
            // SHUTDOWN closes the connection under Jdbi's feet; the database is closed all the same
            LOG.debug("H2 shutdown: {}", e.getMessage());
        }
    }

    static boolean hasErrorCode(Throwable e, int code) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getErrorCode() == code) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens the data directory's H2 file, which other hal9 processes may share through AUTO_SERVER. While one
     * process hands the file over (its owner is closing it, as a client's short-lived probe process does right
     * after it answers, or a process has locked a new file and not yet opened its port), H2 answers "Database may
     * be already in use". That passes within moments, so the open is tried again for a while instead of leaving
     * this process without a database for the rest of its life.
     */
    private static Opened migrateShared(String url, String user, String password) {
        long deadline = System.nanoTime() + HANDOVER_NANOS;
        for (int attempt = 1; ; attempt++) {
            try {
                return migrate(url, user, password);
            } catch (RuntimeException e) {
                if (!hasErrorCode(e, ErrorCode.DATABASE_ALREADY_OPEN_1) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LOG.debug("the database is being handed over by another process; trying again (attempt {})", attempt);
                try {
                    Thread.sleep(Math.min(1_000, 100L * attempt));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Gives a database made before hal9 kept a password (user sa, empty password) the kept one. */
    private static void setPassword(String url, String user, String legacyPassword, String password) {
        try (Connection connection = DriverManager.getConnection(url, user, legacyPassword);
                Statement statement = connection.createStatement()) {
            // the password is hal9's own base62 string; the user name is quoted as an identifier
            statement.execute("ALTER USER \"" + user.toUpperCase(Locale.ROOT).replace("\"", "\"\"")
                    + "\" SET PASSWORD '" + password + "'");
            LOG.info("the database now has a password of its own (kept in {})", DataDirectory.PASSWORD_FILE);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "the database refused the password in " + DataDirectory.PASSWORD_FILE
                            + " and the configured db.password (" + e.getMessage() + "); restore "
                            + DataDirectory.PASSWORD_FILE + " from a backup",
                    e);
        }
    }

    private static Opened migrate(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("hal9");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Opened(pool, Jdbi.create(pool));
    }

    private static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
