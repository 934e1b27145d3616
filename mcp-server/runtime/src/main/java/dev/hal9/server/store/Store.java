package dev.hal9.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hal9.api.Handles;
import dev.hal9.api.Principal;
import dev.hal9.api.internal.InMemoryHandles;
import dev.hal9.server.Settings;
import dev.hal9.server.secrets.Secrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database: principals, API tokens, handles and the audit log, through Jdbi over H2 (default) or
 * PostgreSQL, migrated by Flyway. Opening (migration included) runs in the background, started when the server
 * is ready for it or by the first query, so that it stays off the path to a client's first answers; the first
 * query waits for it. Thread-safe.
 */
public final class Store implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Store.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final CompletableFuture<Database> database = new CompletableFuture<>();
    private final java.util.function.Supplier<Database> opener;
    private final java.util.concurrent.atomic.AtomicBoolean opening = new java.util.concurrent.atomic.AtomicBoolean();
    private final LongSupplier clock;
    private final String description;
    private final BlockingQueue<PendingAudit> auditQueue = new ArrayBlockingQueue<>(100_000);
    private final AtomicLong droppedAudits = new AtomicLong();
    /** Held by the audit writer while it takes and writes a batch, so a flush can wait for it. */
    private final Object auditLock = new Object();

    private volatile boolean closing;
    private final Thread auditWriter;

    /** The pool and Jdbi over it. */
    private record Database(HikariDataSource pool, Jdbi jdbi) {}

    private Store(java.util.function.Supplier<Database> opener, LongSupplier clock, String description) {
        this.opener = opener;
        this.clock = clock;
        this.description = description;
        this.auditWriter = Thread.ofPlatform().name("hal9-audit").daemon(true).start(this::writeAudits);
    }

    /** The store at a JDBC URL; nothing is opened until {@link #openInBackground} or the first query. */
    public static Store open(String url, String user, String password, LongSupplier clock) {
        return new Store(() -> migrate(url, user, password), clock, redactUrl(url));
    }

    /**
     * Starts opening (and migrating) the database in the background, once; the first query starts it too. A stdio
     * server starts it after its first listing, so that a client's handshake does not share the machine with H2
     * and Flyway; an HTTP server and the CLI commands that need the store start it at once.
     */
    public Store openInBackground() {
        if (opening.compareAndSet(false, true)) {
            Thread.ofVirtual().name("hal9-store-open").start(() -> {
                try {
                    database.complete(opener.get());
                } catch (Throwable e) {
                    database.completeExceptionally(e);
                }
            });
        }
        return this;
    }

    /**
     * Opens the configured store: {@code db.url} if set, else the embedded H2 file in the owner-only data directory
     * with the password hal9 keeps in {@link DataDirectory#PASSWORD_FILE}. A database an older hal9 made with the
     * configured password ({@code db.password}, empty by default) is moved to the kept password on first open.
     */
    public static Store open(Settings settings, Path dataDirectory, LongSupplier clock) {
        if (!settings.string("db.url").isBlank()) {
            return open(settings.string("db.url"), settings.string("db.user"), settings.string("db.password"), clock);
        }
        String url = h2Url(dataDirectory);
        String user = settings.string("db.user");
        String legacyPassword = settings.string("db.password");
        String password = DataDirectory.databasePassword(dataDirectory);
        return new Store(
                () -> {
                    Database opened;
                    try {
                        opened = migrateShared(url, user, password);
                    } catch (RuntimeException e) {
                        if (!hasErrorCode(e, ErrorCode.WRONG_USER_OR_PASSWORD)) {
                            throw e;
                        }
                        setPassword(url, user, legacyPassword, password);
                        opened = migrateShared(url, user, password);
                    }
                    DataDirectory.secure(dataDirectory); // H2 made its lock file just now, with the umask's mode
                    return opened;
                },
                clock,
                url);
    }

    private static boolean hasErrorCode(Throwable e, int code) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getErrorCode() == code) {
                return true;
            }
        }
        return false;
    }

    /** How long a process waits for another to finish handing over the shared H2 file. */
    private static final long HANDOVER_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * Opens the data directory's H2 file, which other hal9 processes may share through AUTO_SERVER. While one
     * process hands the file over (its owner is closing it, as a client's short-lived probe process does right
     * after it answers, or a process has locked a new file and not yet opened its port), H2 answers "Database may
     * be already in use". That passes within moments, so the open is tried again for a while instead of leaving
     * this process without a database for the rest of its life.
     */
    private static Database migrateShared(String url, String user, String password) {
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

    private static Database migrate(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("hal9");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        HikariDataSource pool = new HikariDataSource(config);
        Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return new Database(pool, Jdbi.create(pool));
    }

    /** Where the store is, without credentials. */
    String description() {
        return description;
    }

    /** Whether the store has finished opening; {@code /health/ready} reports it. */
    public boolean ready() {
        return database.isDone() && !database.isCompletedExceptionally();
    }

    public Jdbi jdbi() {
        openInBackground();
        try {
            return database.get(60, TimeUnit.SECONDS).jdbi();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the database", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the database at " + description + " could not be opened: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the database at " + description + " did not open within 60 s", e);
        }
    }

    /** Waits until the store is open, so a CLI command fails early with a clear message. */
    public Store awaitOpen() {
        jdbi();
        return this;
    }

    /**
     * Records a principal the first time it is seen. Its first calls may come at once (50 clients opening browser
     * sessions together): both may pass the NOT EXISTS, and the later insert then breaks the primary key, which
     * means the row is there. Portable across H2 and PostgreSQL (no MERGE / ON CONFLICT dialects); the statement runs
     * in a transaction of its own, so the failed insert aborts nothing else.
     */
    void ensurePrincipal(String principalId) {
        try {
            jdbi().useHandle(handle -> handle.createUpdate("INSERT INTO principals (id, created_at) SELECT :id, :at "
                            + "WHERE NOT EXISTS (SELECT 1 FROM principals WHERE id = :id)")
                    .bind("id", principalId)
                    .bind("at", clock.getAsLong())
                    .execute());
        } catch (UnableToExecuteStatementException e) {
            if (!(e.getCause() instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState()))) {
                throw e;
            }
        }
    }

    /** The SQL state of a unique or primary key violation, in H2 and in PostgreSQL alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    // ---- tokens

    /** A token as listed; the secret is never stored, only its SHA-256. */
    public record TokenInfo(
            String id,
            String principal,
            String name,
            Set<String> capabilities,
            long createdAt,
            Long lastUsedAt,
            Long revokedAt) {}

    /** A new token: its id and the secret, shown once. */
    public record NewToken(String id, String secret) {}

    public NewToken createToken(String principalId, String name, Set<String> capabilities) {
        if (capabilities.isEmpty()) {
            throw new IllegalArgumentException("a token needs at least one capability (or '*' for all)");
        }
        ensurePrincipal(principalId);
        String id = InMemoryHandles.newHandle("tok");
        String secret = "hal9_" + randomBase62(40);
        jdbi().useHandle(handle -> handle.createUpdate(
                        "INSERT INTO api_tokens (id, principal_id, name, secret_sha256, capabilities, created_at) "
                                + "VALUES (:id, :principal, :name, :hash, :capabilities, :at)")
                .bind("id", id)
                .bind("principal", principalId)
                .bind("name", name)
                .bind("hash", sha256(secret))
                .bind("capabilities", String.join(",", capabilities))
                .bind("at", clock.getAsLong())
                .execute());
        return new NewToken(id, secret);
    }

    public List<TokenInfo> listTokens() {
        return jdbi().withHandle(handle -> handle.createQuery(
                        "SELECT id, principal_id, name, capabilities, created_at, last_used_at, revoked_at "
                                + "FROM api_tokens ORDER BY created_at")
                .map((rs, ctx) -> new TokenInfo(
                        rs.getString("id"),
                        rs.getString("principal_id"),
                        rs.getString("name"),
                        splitCapabilities(rs.getString("capabilities")),
                        rs.getLong("created_at"),
                        (Long) rs.getObject("last_used_at", Long.class),
                        (Long) rs.getObject("revoked_at", Long.class)))
                .list());
    }

    public boolean revokeToken(String id) {
        return jdbi().withHandle(handle -> handle.createUpdate(
                                "UPDATE api_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                        .bind("id", id)
                        .bind("at", clock.getAsLong())
                        .execute())
                > 0;
    }

    /** The principal a bearer secret stands for, if the token exists and is not revoked. */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || !secret.startsWith("hal9_") || secret.length() > 200) {
            return Optional.empty();
        }
        String hash = sha256(secret);
        return jdbi().withHandle(handle -> {
            Optional<Principal> principal = handle.createQuery("SELECT id, principal_id, capabilities FROM api_tokens "
                            + "WHERE secret_sha256 = :hash AND revoked_at IS NULL")
                    .bind("hash", hash)
                    .map((rs, ctx) -> new Principal(
                            rs.getString("principal_id"), splitCapabilities(rs.getString("capabilities"))))
                    .findOne();
            principal.ifPresent(
                    found -> handle.createUpdate("UPDATE api_tokens SET last_used_at = :at WHERE secret_sha256 = :hash")
                            .bind("at", clock.getAsLong())
                            .bind("hash", hash)
                            .execute());
            return principal;
        });
    }

    // ---- handles

    /** The handles one principal owns, kept in the database so they outlive a connection or a restart. */
    public Handles handles(Principal principal) {
        String owner = principal.id();
        return new Handles() {
            @Override
            public String mint(String prefix, String label) {
                String minted = InMemoryHandles.newHandle(prefix);
                ensurePrincipal(owner);
                jdbi().useHandle(handle -> handle.createUpdate(
                                "INSERT INTO handles (handle, principal_id, prefix, label, created_at) "
                                        + "VALUES (:handle, :owner, :prefix, :label, :at)")
                        .bind("handle", minted)
                        .bind("owner", owner)
                        .bind("prefix", prefix)
                        .bind("label", label.length() > 500 ? label.substring(0, 500) : label)
                        .bind("at", clock.getAsLong())
                        .execute());
                return minted;
            }

            @Override
            public Optional<HandleInfo> find(String handle) {
                if (handle == null || handle.length() > 40) {
                    return Optional.empty();
                }
                return jdbi().withHandle(db -> db.createQuery("SELECT handle, prefix, label, created_at FROM handles "
                                + "WHERE handle = :handle AND principal_id = :owner")
                        .bind("handle", handle)
                        .bind("owner", owner)
                        .map((rs, ctx) ->
                                new HandleInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                        .findOne());
            }

            @Override
            public boolean release(String handle) {
                return jdbi().withHandle(db -> db.createUpdate(
                                        "DELETE FROM handles WHERE handle = :handle AND principal_id = :owner")
                                .bind("handle", handle)
                                .bind("owner", owner)
                                .execute())
                        > 0;
            }

            @Override
            public List<HandleInfo> list() {
                return jdbi().withHandle(db -> db.createQuery("SELECT handle, prefix, label, created_at FROM handles "
                                + "WHERE principal_id = :owner ORDER BY created_at DESC")
                        .bind("owner", owner)
                        .map((rs, ctx) ->
                                new HandleInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
                        .list());
            }
        };
    }

    // ---- family state

    /** A family's per-principal state in this store. */
    public dev.hal9.api.FamilyState familyState(String family) {
        return new dev.hal9.api.FamilyState() {
            @Override
            public Optional<String> get(String principal, String key) {
                return jdbi().withHandle(db -> db.createQuery("SELECT state_value FROM family_state "
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
                jdbi().useTransaction(db -> {
                    db.createUpdate("DELETE FROM family_state "
                                    + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                            .bind("family", family)
                            .bind("principal", principal)
                            .bind("key", key)
                            .execute();
                    db.createUpdate(
                                    "INSERT INTO family_state (family, principal_id, state_key, state_value, updated_at) "
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
                return jdbi().withHandle(db -> db.createUpdate("DELETE FROM family_state "
                                        + "WHERE family = :family AND principal_id = :principal AND state_key = :key")
                                .bind("family", family)
                                .bind("principal", principal)
                                .bind("key", key)
                                .execute())
                        > 0;
            }
        };
    }

    // ---- audit

    /** One audit row, queued and written in batches so a tool call never waits for the disk. */
    public void audit(
            String principalId, String tool, String outcome, long durationMillis, String arguments, String detail) {
        if (!auditQueue.offer(new PendingAudit(
                clock.getAsLong(),
                principalId,
                tool,
                outcome,
                durationMillis,
                clip(arguments, 4000),
                clip(Secrets.redact(detail), 1000)))) {
            droppedAudits.incrementAndGet();
        }
    }

    private record PendingAudit(
            long at, String principal, String tool, String outcome, long duration, String arguments, String detail) {}

    private void writeAudits() {
        java.util.List<PendingAudit> batch = new java.util.ArrayList<>();
        while (!(closing && auditQueue.isEmpty())) {
            synchronized (auditLock) {
                try {
                    PendingAudit first = auditQueue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    auditQueue.drainTo(batch, 499);
                    jdbi().useTransaction(handle -> {
                        var insert = handle.prepareBatch("INSERT INTO audit_log "
                                + "(at, principal_id, tool, outcome, duration_ms, arguments, detail) "
                                + "VALUES (:at, :principal, :tool, :outcome, :duration, :arguments, :detail)");
                        for (PendingAudit row : batch) {
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
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("could not write {} audit rows: {}", batch.size(), e.getMessage());
                } finally {
                    batch.clear();
                }
            }
        }
    }

    /** Waits until every queued audit row is written. */
    void flushAudit() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!auditQueue.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        synchronized (auditLock) {
            // the writer holds the lock while it writes a batch: once we have it, that batch is in
        }
    }

    /** How many audit rows were dropped because the queue was full (the database fell behind). */
    long droppedAudits() {
        return droppedAudits.get();
    }

    /** An audit row as read back. */
    public record AuditRow(
            long at, String principal, String tool, String outcome, long durationMillis, String arguments) {}

    /** The newest audit rows, newest first; waits for pending writes first. */
    public List<AuditRow> recentAudit(int limit) {
        flushAudit();
        return jdbi().withHandle(handle -> handle.createQuery(
                        "SELECT at, principal_id, tool, outcome, duration_ms, arguments FROM audit_log "
                                + "ORDER BY id DESC LIMIT :limit")
                .bind("limit", limit)
                .map((rs, ctx) -> new AuditRow(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5),
                        rs.getString(6)))
                .list());
    }

    @Override
    public void close() {
        closing = true;
        if (opening.get()) {
            try {
                database.get(60, TimeUnit.SECONDS); // an open under way finishes, and is then closed cleanly
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.debug("the database did not open: {}", e.getMessage());
            }
        }
        try {
            auditWriter.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ready() && description.startsWith("jdbc:h2:")) {
            // close the H2 file cleanly so the next start does not recover it, but only if this process holds
            // it: over AUTO_SERVER's TCP link (a CLI command while the server runs) SHUTDOWN would close the
            // server's database under it
            try {
                jdbi().useHandle(handle -> {
                    boolean remote;
                    try {
                        remote = handle.getConnection()
                                .unwrap(org.h2.jdbc.JdbcConnection.class)
                                .getSession()
                                .isRemote();
                    } catch (java.sql.SQLException e) {
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
        if (ready()) {
            database.join().pool().close();
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String randomBase62(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(chars);
    }

    private static Set<String> splitCapabilities(String joined) {
        return Arrays.stream(joined.split(","))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
    }
}
