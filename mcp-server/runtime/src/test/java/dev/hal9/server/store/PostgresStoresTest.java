package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyState;
import dev.hal9.api.Handles;
import dev.hal9.api.Handles.HandleInfo;
import dev.hal9.api.Principal;
import dev.hal9.api.ToolFamily;
import dev.hal9.server.store.AuditLog.AuditRow;
import dev.hal9.server.store.TokenStore.NewToken;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stores on PostgreSQL, the database several hal9 servers share: the migrations run, every store reads and
 * writes by column name, and concurrent first writes (a principal, a family's key) succeed where PostgreSQL aborts a
 * transaction on a key violation and H2 does not. On a PostgreSQL server of its own ({@link PostgresServer}), or on
 * {@code -Dhal9.test.postgres-url=jdbc:postgresql://HOST:PORT/DB -Dhal9.test.postgres-user=NAME}, a user that may
 * create databases; each run makes a database of its own.
 */
class PostgresStoresTest {

    private static final AtomicLong CLOCK = new AtomicLong(1_000);

    private static String adminUrl;
    private static String user;
    private static String database;
    private static Store store;
    private static String url;
    private static PostgresServer server;

    @BeforeAll
    static void createDatabase() throws Exception {
        adminUrl = System.getProperty("hal9.test.postgres-url");
        user = System.getProperty("hal9.test.postgres-user", "postgres");
        if (adminUrl == null || adminUrl.isBlank()) {
            server = PostgresServer.start();
            adminUrl = server.url();
        }
        database = "hal9_test_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
        execute("CREATE DATABASE " + database);
        url = adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + database + "$1");
        store = Store.open(url, user, "", CLOCK::get).awaitOpen();
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (store != null) {
            store.close();
        }
        if (database != null) {
            execute("DROP DATABASE IF EXISTS " + database);
        }
        if (server != null) {
            server.close();
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(adminUrl, user, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void everyMigrationRuns() {
        List<String> versions = store.database().jdbi().withHandle(handle -> handle.createQuery(
                        "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")
                .mapTo(String.class)
                .list());
        assertThat(versions).containsExactly("1", "2", "3", "4", "5", "6");
    }

    /** Issue 19: the 2026-07-28 sealing key is drawn once, by whichever instance asks first, and all use it. */
    @Test
    void aSharedKeyIsTheSameForEveryInstance() {
        try (Store other = Store.open(url, user, "", CLOCK::get).awaitOpen()) {
            byte[] drawn = other.sharedKeys().key("pg-test-key");
            assertThat(drawn).hasSize(32);
            assertThat(store.sharedKeys().key("pg-test-key")).isEqualTo(drawn);
            assertThat(other.sharedKeys().key("pg-test-key")).isEqualTo(drawn);
            assertThat(store.sharedKeys().key("pg-another-key")).isNotEqualTo(drawn);
        }
    }

    /** Every family that ships tables (db/families/NAME in its jar) migrates them on PostgreSQL, beside ours. */
    @Test
    void everyFamilysTablesMigrate() {
        List<String> migrated = new ArrayList<>();
        for (ToolFamily family : ServiceLoader.load(ToolFamily.class)) {
            ClassLoader loader = family.getClass().getClassLoader();
            if (loader.getResource("db/families/" + family.name()) == null) {
                continue;
            }
            Jdbi tables = store.familyTables(family.name(), loader);
            List<String> versions = tables.withHandle(handle -> handle.createQuery("SELECT version FROM flyway_history_"
                            + family.name() + " WHERE success AND version IS NOT NULL ORDER BY installed_rank")
                    .mapTo(String.class)
                    .list());
            assertThat(versions).as(family.name()).startsWith("0", "1");
            migrated.add(family.name());
        }
        assertThat(migrated).contains("commerce", "contracts", "browser");
        // the identity column that orders "newest first" counts up on PostgreSQL as on H2
        Jdbi commerce = store.familyTables("commerce", getClass().getClassLoader());
        commerce.useHandle(handle -> {
            for (String id : List.of("ord_pg1", "ord_pg2")) {
                handle.execute(
                        "INSERT INTO commerce_orders (id, principal_id, version, state, created_at)"
                                + " VALUES (?, 'pg-frank', 0, 'quoted', '2026-12-07T12:00:00Z')",
                        id);
            }
        });
        List<String> newestFirst = commerce.withHandle(handle -> handle.createQuery(
                        "SELECT id FROM commerce_orders WHERE principal_id = 'pg-frank' ORDER BY seq DESC")
                .mapTo(String.class)
                .list());
        assertThat(newestFirst).containsExactly("ord_pg2", "ord_pg1");
    }

    @Test
    void tokensAuthenticateUntilRevoked() {
        TokenStore tokens = store.tokens();
        NewToken made = tokens.create("pg-alice", "laptop", Set.of("browser"));
        assertThat(tokens.authenticate(made.secret())).contains(new Principal("pg-alice", Set.of("browser")));
        assertThat(tokens.list())
                .filteredOn(token -> token.id().equals(made.id()))
                .singleElement()
                .satisfies(token -> {
                    assertThat(token.principal()).isEqualTo("pg-alice");
                    assertThat(token.capabilities()).containsExactly("browser");
                    assertThat(token.lastUsedAt()).isNotNull();
                    assertThat(token.revokedAt()).isNull();
                });
        assertThat(tokens.revoke(made.id())).isTrue();
        assertThat(tokens.authenticate(made.secret())).isEmpty();
    }

    @Test
    void handlesStayWithTheirOwner() {
        Handles mine = store.handles().of(Principal.local("pg-carol"));
        String minted = mine.mint("bs", "a browser session");
        assertThat(mine.find(minted)).contains(new HandleInfo(minted, "bs", "a browser session", CLOCK.get()));
        assertThat(store.handles().of(Principal.local("pg-dave")).find(minted)).isEmpty();
        assertThat(mine.list()).extracting(HandleInfo::handle).containsExactly(minted);
        assertThat(mine.release(minted)).isTrue();
        assertThat(mine.list()).isEmpty();
    }

    @Test
    void auditRowsReadBackByName() {
        store.audit().record("pg-erin", "server_info", "ok", 3, "{}", "fine");
        assertThat(store.audit().recent(1))
                .containsExactly(new AuditRow(CLOCK.get(), "pg-erin", "server_info", "ok", 3, "{}"));
    }

    @Test
    void firstWritesAtOnceAllSucceed() throws Exception {
        FamilyState browser = store.familyState("browser");
        KnownPrincipals principals = new KnownPrincipals(store.database(), CLOCK::get);
        for (int round = 0; round < 5; round++) {
            String key = "profile/" + round;
            String principal = "pg-racer-" + round;
            atOnce(8, writer -> {
                principals.ensure(principal);
                browser.put("pg-frank", key, "written by " + writer);
                return null;
            });
            assertThat(browser.get("pg-frank", key)).get().asString().startsWith("written by ");
            assertThat(count("SELECT COUNT(*) FROM family_state WHERE state_key = :key", key))
                    .isEqualTo(1);
            assertThat(count("SELECT COUNT(*) FROM principals WHERE id = :key", principal))
                    .isEqualTo(1);
        }
        assertThat(browser.delete("pg-frank", "profile/0")).isTrue();
        assertThat(browser.get("pg-frank", "profile/0")).isEmpty();
    }

    private static int count(String sql, String key) {
        return store.database().jdbi().withHandle(handle -> handle.createQuery(sql)
                .bind("key", key)
                .mapTo(Integer.class)
                .one());
    }

    /** Runs a call on several threads released together, and fails with what any of them threw. */
    private interface Call {
        Void run(int caller) throws Exception;
    }

    private static void atOnce(int callers, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CyclicBarrier start = new CyclicBarrier(callers);
            List<Future<Void>> calls = new ArrayList<>();
            for (int caller = 0; caller < callers; caller++) {
                int id = caller;
                Callable<Void> task = () -> {
                    start.await();
                    return call.run(id);
                };
                calls.add(pool.submit(task));
            }
            for (Future<Void> future : calls) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
