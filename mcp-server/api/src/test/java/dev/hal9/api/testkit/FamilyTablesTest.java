package dev.hal9.api.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.internal.FamilyTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** A family's own tables: its migrations, its own schema history, and rows that outlive the kit that wrote them. */
class FamilyTablesTest {

    /** A family with one table, {@code notes_entries}, from {@code db/families/notes/V1__notes.sql}. */
    private static final class Notes implements ToolFamily {
        final AtomicReference<Jdbi> database = new AtomicReference<>();

        @Override
        public String name() {
            return "notes";
        }

        @Override
        public List<Tool<?, ?>> tools(FamilyContext context) {
            database.set(context.database());
            return List.of();
        }
    }

    @Test
    void aFamilysRowsOutliveTheKitThatWroteThem() throws Exception {
        Path folder = Files.createTempDirectory("hal9-family-tables");
        Notes first = new Notes();
        try (McpTestKit kit = McpTestKit.of(folder, Map.of(), Duration.ofSeconds(10), first)) {
            first.database
                    .get()
                    .useHandle(h -> h.execute(
                            "INSERT INTO notes_entries (id, principal, body) VALUES ('n1', 'alice', 'milk')"));
        }
        Notes second = new Notes();
        try (McpTestKit kit = McpTestKit.of(folder, Map.of(), Duration.ofSeconds(10), second)) {
            List<String> bodies = second.database.get().withHandle(h -> h.createQuery(
                            "SELECT body FROM notes_entries WHERE principal = 'alice'")
                    .mapTo(String.class)
                    .list());
            assertThat(bodies).containsExactly("milk");
        }
    }

    @Test
    void migrationsKeepAHistoryOfTheirOwnBesideOtherTables() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:family-tables-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Jdbi runtime = Jdbi.create(h2);
        // the runtime's own tables are there first, as in a server's database
        runtime.useHandle(h -> h.execute("CREATE TABLE tokens (id VARCHAR(10) PRIMARY KEY)"));
        Jdbi notes = new FamilyTables(() -> h2).jdbi("notes", getClass().getClassLoader());
        notes.useHandle(h -> h.execute("INSERT INTO notes_entries (id, principal, body) VALUES ('n1', 'bob', 'x')"));
        // run again (another process starting): nothing to do, nothing lost
        FamilyTables.migrate(h2, "notes", getClass().getClassLoader());
        assertThat((int) runtime.withHandle(h -> h.createQuery("SELECT count(*) FROM notes_entries")
                        .mapTo(Integer.class)
                        .one()))
                .isEqualTo(1);
        List<String> versions = runtime.withHandle(h -> h.createQuery(
                        "SELECT \"version\" FROM \"flyway_history_notes\" WHERE \"success\" AND \"version\" IS NOT NULL"
                                + " ORDER BY \"installed_rank\"")
                .mapTo(String.class)
                .list());
        assertThat(versions).containsExactly("0", "1");
    }

    @Test
    void aNameThatCannotPrefixATableIsRefused() {
        JdbcDataSource h2 = new JdbcDataSource();
        assertThatThrownBy(() -> new FamilyTables(() -> h2)
                        .jdbi("Notes; DROP", getClass().getClassLoader()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot prefix a table name");
    }
}
