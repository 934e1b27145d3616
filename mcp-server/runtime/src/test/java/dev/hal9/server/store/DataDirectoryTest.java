package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.server.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A data directory an older hal9 made (755, files 644, H2 user {@code sa} with an empty password) keeps working and
 * is closed on the next start: the directory becomes 700, its files 600, and the database takes the password hal9
 * keeps in {@code db.password} (issue 13, item 1; the packaged server is attacked in OtherLocalUserTest).
 */
class DataDirectoryTest {

    @Test
    void anOldPasswordlessDataDirectoryIsMigratedAndClosed() throws Exception {
        Path home = Files.createTempDirectory("hal9-datadir");
        Path data = Files.createDirectories(home.resolve("hal9"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the URL, user and password an older hal9 used
        String oldUrl = "jdbc:h2:file:" + data.resolve("hal9").toAbsolutePath()
                + ";AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=30000";
        try (Database old = Database.at(oldUrl, "sa", "")) {
            new KnownPrincipals(old, System::currentTimeMillis).ensure("alice");
        }
        try (Stream<Path> files = Files.list(data)) {
            for (Path file : files.toList()) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        Settings settings = Settings.load(null, Map.of("HOME", home.toString()), Map.of());

        for (int start = 0; start < 2; start++) { // migrated on the first start, opened with the kept password after
            try (Database database = Database.configured(settings, data)) {
                List<String> principals = database.jdbi()
                        .withHandle(handle -> handle.createQuery("SELECT id FROM principals")
                                .mapTo(String.class)
                                .list());
                assertThat(principals).containsExactly("alice");
            }
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files.filter(Files::isRegularFile).toList())
                    .extracting(Path::getFileName)
                    .extracting(Path::toString)
                    .contains("db.password", "hal9.mv.db");
        }
        try (Stream<Path> files = Files.list(data)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                        .as(file.getFileName().toString())
                        .isEqualTo("rw-------");
            }
        }
        assertThat(Files.readString(data.resolve("db.password")).strip()).matches("[A-Za-z0-9]{32}");
        assertThatThrownBy(() -> DriverManager.getConnection(oldUrl, "sa", "").close())
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(28000));
    }

    @Test
    void aNewDataDirectoryIsOwnerOnlyFromTheStart() throws Exception {
        Path data = Files.createTempDirectory("hal9-datadir").resolve("fresh").resolve("hal9");
        Settings settings = Settings.load(null, Map.of("HOME", data.getParent().toString()), Map.of());
        try (Database database = Database.configured(settings, data)) {
            new KnownPrincipals(database, System::currentTimeMillis).ensure("bob");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("db.password"))))
                .isEqualTo("rw-------");
    }
}
