package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Another local account cannot reach the server's database (issue 13, item 1). An older hal9 left the data directory
 * 755 and its files 644, and H2's AUTO_SERVER port (in the lock file) took user {@code sa} with an empty password:
 * user {@code nobody} could read the lock file, connect, approve a pending payment with an {@code UPDATE LEDGER} and
 * {@code INSERT} a {@code *} token for alice that /mcp then accepted.
 *
 * <p>Run as root (as CI does), the test becomes {@code nobody} with {@code runuser} for each attempt. The home folder
 * is made 755 as most homes are, so only hal9's own modes stand between nobody and the data directory. The AUTO_SERVER
 * port and key are read as root and handed to nobody, to show that the port itself refuses {@code sa} without the
 * password.
 */
class OtherLocalUserTest {

    private static final String STOLEN_SECRET = "hal9_NobodyMintedThisTokenOverTheH2Port0000000";

    @Test
    void nobodyCanNeitherReadTheDataDirectoryNorMintATokenOverTheDatabasePort() throws Exception {
        requireRoot();
        Path home = PackagedServer.newHome();
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = sharedH2Jar();

        try (PackagedServer server = PackagedServer.http(home, Map.of(), "--auth", "token")) {
            // the server opens its store once it listens; a request with a token is answered only after the store
            // is open (it looks the token up), so the H2 files and the lock file's port are all there after it
            HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.mcpUrl()))
                                    .header("Authorization", "Bearer hal9_not-a-token")
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            Path directory = data.resolve("hal9");
            Path lockFile = directory.resolve("hal9.lock.db");
            SoftAssertions softly = new SoftAssertions();
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Peers.Result read = asNobody(List.of("cat", file.toString()));
                    softly.assertThat(read.exit())
                            .as("nobody reads " + file.getFileName() + ": " + read.stderr())
                            .isNotZero();
                }
            }
            softly.assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)))
                    .as("the data directory's mode")
                    .isEqualTo("rwx------");

            Properties lock = new Properties();
            try (var in = Files.newInputStream(lockFile)) {
                lock.load(in);
            }
            String address = lock.getProperty("server");
            String port = address.substring(address.lastIndexOf(':') + 1);
            String url = "jdbc:h2:tcp://127.0.0.1:" + port + "/" + lock.getProperty("id");
            String mint = "INSERT INTO PRINCIPALS (ID, CREATED_AT) VALUES ('alice', 0); "
                    + "INSERT INTO API_TOKENS (ID, PRINCIPAL_ID, NAME, SECRET_SHA256, CAPABILITIES, CREATED_AT) "
                    + "VALUES ('tok_nobody', 'alice', 'stolen', '" + sha256(STOLEN_SECRET) + "', '*', 0); "
                    + "UPDATE LEDGER SET STATE = 'APPROVED' WHERE STATE = 'PENDING'";
            Peers.Result attack = asNobody(List.of(
                    PackagedServer.java(),
                    "-XX:-UsePerfData",
                    "-Duser.home=/tmp",
                    "-cp",
                    shared.toString(),
                    "org.h2.tools.Shell",
                    "-url",
                    url,
                    "-user",
                    "sa",
                    "-password",
                    "",
                    "-sql",
                    mint));
            softly.assertThat(attack.exit())
                    .as("nobody connects as sa with no password and writes:\n" + attack.stdout() + attack.stderr())
                    .isNotZero();
            softly.assertThat(attack.stderr()).as("why nobody was refused").contains("Wrong user name or password");

            HttpResponse<String> initialize = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.mcpUrl()))
                                    .header("Content-Type", "application/json")
                                    .header("Accept", "application/json, text/event-stream")
                                    .header("Authorization", "Bearer " + STOLEN_SECRET)
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                                                    + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                                                    + "\"clientInfo\":{\"name\":\"nobody\",\"version\":\"1\"}}}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            softly.assertThat(initialize.statusCode())
                    .as("/mcp with the token nobody tried to mint: " + initialize.body())
                    .isEqualTo(401);

            // the owner's own CLI still shares the database with the running server
            Peers.Result created = server.cli("token", "create", "--principal", "bob", "--name", "cli");
            softly.assertThat(created.exit()).as(created.stderr()).isZero();
            softly.assertAll();
        }
    }

    private static void requireRoot() throws Exception {
        Peers.Result id = Peers.run(List.of("id", "-u"), Map.of(), Duration.ofSeconds(10));
        if (!id.stdout().strip().equals("0")) {
            fail("OtherLocalUserTest needs root: it becomes user nobody with runuser to attack the data directory "
                    + "(run the conformance tests as root, as CI does)");
        }
    }

    /** The server's own H2 jar, copied where nobody may read it (the build's lib folder may sit under /root). */
    private static Path sharedH2Jar() throws Exception {
        Path lib = PackagedServer.jar().getParent().resolve("lib");
        Path h2;
        try (Stream<Path> jars = Files.list(lib)) {
            h2 = jars.filter(jar -> jar.getFileName().toString().matches("h2-[0-9.]+\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no h2 jar in " + lib));
        }
        Path folder = Files.createTempDirectory(
                Path.of("/tmp"),
                "hal9-nobody",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copy = Files.copy(h2, folder.resolve("h2.jar"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        return copy;
    }

    private static Peers.Result asNobody(List<String> command) {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
        full.addAll(command);
        return Peers.run(full, Map.of(), Duration.ofSeconds(60));
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
