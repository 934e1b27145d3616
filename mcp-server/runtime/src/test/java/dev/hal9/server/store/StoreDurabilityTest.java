package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A commit survives the process being killed right after it: the guard's "sent" mark depends on it (a lost mark
 * meant a second signature with the next nonce after a crash). Another JVM writes through the server's own H2
 * URL and is killed with SIGKILL the moment it reports the commit.
 */
class StoreDurabilityTest {

    @Test
    void aCommitSurvivesSigkillRightAfterIt() throws Exception {
        Path data = Files.createTempDirectory("hal9-durability");
        String url = Database.h2Url(data);
        for (int round = 0; round < 3; round++) {
            Process writer = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            Writer.class.getName(),
                            url,
                            String.valueOf(round))
                    .redirectErrorStream(true)
                    .start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null && !line.equals("committed")) {
                    // skip anything else the JVM prints
                }
                assertThat(line).as("the writer reported its commit").isEqualTo("committed");
            }
            writer.destroyForcibly();
            assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                ResultSet rows = connection.createStatement().executeQuery("SELECT round FROM marks ORDER BY round")) {
            List<Integer> rounds = new java.util.ArrayList<>();
            while (rows.next()) {
                rounds.add(rows.getInt(1));
            }
            assertThat(rounds).containsExactly(0, 1, 2);
        }
    }

    /** Commits one row, says so, and waits to be killed. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            Connection connection = DriverManager.getConnection(args[0], "sa", "");
            connection.createStatement().execute("CREATE TABLE IF NOT EXISTS marks (round INT PRIMARY KEY)");
            connection.createStatement().execute("INSERT INTO marks VALUES (" + Integer.parseInt(args[1]) + ")");
            System.out.println("committed");
            System.out.flush();
            System.in.read(); // holds the connection until the test kills this process
        }
    }
}
