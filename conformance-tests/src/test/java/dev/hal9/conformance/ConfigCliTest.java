package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Configuration mistakes made through the packaged jar, as a person makes them (issue 13, item 10): each problem is
 * one line with the key, the value and what is allowed, never a stack trace; a key of hal9.yaml that is not a setting
 * stops start-up naming the closest one; a HAL9_ variable that names no setting is reported; and usage is headed
 * with the whole command.
 */
class ConfigCliTest {

    @Test
    void aTypoInHal9YamlStopsStartUpWithOneLineNamingTheClosestKey() throws Exception {
        Path home = PackagedServer.newHome();
        Path file = Files.writeString(home.resolve("hal9.yaml"), "server:\n  prot: 9000\n");
        Peers.Result served = hal9(home, Map.of(), "serve", "--stdio", "--config", file.toString());
        assertThat(messages(served))
                .as("stderr:%n%s", served.stderr())
                .containsExactly(
                        "hal9: unknown setting server.prot in " + file
                                + "; did you mean server.port?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting");
        assertNoStackTrace(served);
        assertThat(served.exit()).isEqualTo(2);
    }

    @Test
    void aValueOfTheWrongKindIsOneLineWithTheKeyTheValueAndWhatIsAllowed() {
        Peers.Result served = hal9(PackagedServer.newHome(), Map.of("HAL9_SERVER_PORT", "eighty"), "serve");
        assertThat(messages(served))
                .as("stderr:%n%s", served.stderr())
                .containsExactly("hal9: server.port is 'eighty' (set by HAL9_SERVER_PORT); it must be a whole number, "
                        + "like its default 8931");
        assertNoStackTrace(served);
        assertThat(served.exit()).isEqualTo(2);
        Peers.Result auth = hal9(PackagedServer.newHome(), Map.of("HAL9_SERVER_AUTH", "tokn"), "serve");
        assertThat(messages(auth))
                .as("stderr:%n%s", auth.stderr())
                .containsExactly(
                        "hal9: server.auth is 'tokn' (set by HAL9_SERVER_AUTH); it must be none, token or oauth");
        assertNoStackTrace(auth);
        assertThat(auth.exit()).isEqualTo(2);
    }

    @Test
    void aVariableThatNamesNoSettingIsReportedAndTheCommandStillRuns() {
        Peers.Result listed = hal9(PackagedServer.newHome(), Map.of("HAL9_SERVER_PROT", "9000"), "tools");
        assertThat(listed.exit()).as(listed.stderr()).isZero();
        assertThat(messages(listed))
                .as("stderr:%n%s", listed.stderr())
                .containsExactly("hal9: warning: HAL9_SERVER_PROT names no setting (it would set server.prot) and is "
                        + "ignored; did you mean HAL9_SERVER_PORT (server.port)?");
        assertThat(listed.stdout()).contains("server_info");
    }

    @Test
    void usageIsHeadedWithTheWholeCommand() {
        Peers.Result refused = hal9(PackagedServer.newHome(), Map.of(), "serve", "--stdio", "--http", "127.0.0.1:1");
        assertThat(refused.stderr()).contains("choose --stdio or --http, not both", "Usage: hal9 serve ");
        assertThat(refused.exit()).isEqualTo(2);
    }

    /**
     * Issue 13, item 7: on a busy port {@code hal9 serve} printed Helidon's SEVERE BindException trace, then "hal9
     * listening on http://127.0.0.1:-1/mcp", and never exited. It must exit non-zero with one line that says the port
     * is taken and how to pick another.
     */
    @Test
    void aBusyPortIsOneLineThatSaysHowToPickAnotherAndTheServerExits() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Peers.Result served = hal9(PackagedServer.newHome(), Map.of(), "serve", "--http", "127.0.0.1:" + port);
            assertThat(served.exit()).as("stderr:%n%s", served.stderr()).isNotZero();
            assertThat(served.stderr().lines().filter(line -> !line.isBlank()).toList())
                    .as("stderr:%n%s", served.stderr())
                    .containsExactly("hal9: port " + port + " on 127.0.0.1 is already in use; stop the other server "
                            + "or pick another port with --http 127.0.0.1:N (or server.port in hal9.yaml; port 0 "
                            + "picks a free one)");
            assertNoStackTrace(served);
        }
    }

    private static Peers.Result hal9(Path home, Map<String, String> environment, String... arguments) {
        List<String> command = new ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Map<String, String> all = new HashMap<>(PackagedServer.environment(home));
        all.putAll(environment);
        return Peers.run(command, all, Duration.ofSeconds(60));
    }

    /** hal9's own lines on stderr (a JVM may add its own warnings, which are not hal9's to judge). */
    private static List<String> messages(Peers.Result result) {
        return result.stderr().lines().filter(line -> line.startsWith("hal9:")).toList();
    }

    private static void assertNoStackTrace(Peers.Result result) {
        assertThat(result.stderr()).doesNotContain("\tat ", "Exception");
    }
}
