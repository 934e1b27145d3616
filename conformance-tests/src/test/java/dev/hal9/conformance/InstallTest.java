package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code ./hal9 install CLIENT} as a person runs it (issue 14, item 6), on a temporary home for each of the three
 * clients: it creates the client's file, merges into one that has other servers without disturbing them, refuses a
 * file that is not JSON and leaves it alone, and a second run changes nothing. A client started from exactly the
 * entry it wrote connects.
 */
class InstallTest {

    private static final Path CHECKOUT =
            Peers.dir().getParent().toAbsolutePath().normalize();
    private static final String LAUNCHER = CHECKOUT.resolve("hal9").toString();

    /** The three clients, where each reads its user-wide file on Linux, and the member that lists servers. */
    enum Client {
        CLAUDE_DESKTOP("claude-desktop", "config/Claude/claude_desktop_config.json", "mcpServers"),
        CURSOR("cursor", ".cursor/mcp.json", "mcpServers"),
        VSCODE("vscode", "config/Code/User/mcp.json", "servers");

        final String id;
        final String file;
        final String serversKey;

        Client(String id, String file, String serversKey) {
            this.id = id;
            this.file = file;
            this.serversKey = serversKey;
        }

        /** The entry install must write: VS Code's needs the type. */
        Map<String, Object> entry() {
            return this == VSCODE
                    ? Map.of("type", "stdio", "command", LAUNCHER, "args", List.of("serve", "--stdio"))
                    : Map.of("command", LAUNCHER, "args", List.of("serve", "--stdio"));
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aFreshHomeGetsTheFileWithTheEntry(Client client) throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(client.file);
        Peers.Result installed = install(home, null, client.id, "--yes");
        assertThat(installed.exit()).as(installed.stderr()).isZero();
        assertThat(installed.stdout()).startsWith("--- /dev/null\n+++ " + file + "\n@@ -0,0 +1,");
        assertThat(servers(client, file)).isEqualTo(Map.of("hal9", client.entry()));
        assertThat(installed.stderr()).contains("wrote 'hal9' to " + file, "restart " + client.id);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void anExistingFileKeepsItsOtherServersSettingsAndLayout(Client client) throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(client.file);
        Files.createDirectories(file.getParent());
        String before = client == Client.VSCODE ? """
                  {
                  \t// servers for every workspace
                  \t"servers": {
                  \t\t"memory": {
                  \t\t\t"type": "stdio",
                  \t\t\t"command": "npx",
                  \t\t\t"args": ["-y", "@modelcontextprotocol/server-memory"],
                  \t\t},
                  \t},
                  \t"inputs": []
                  }
                  """ : """
                  {
                    "mcpServers": {
                      "memory": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-memory"]
                      }
                    },
                    "preferences": {"quickEntryShortcut": "off"}
                  }
                  """;
        Files.writeString(file, before);
        Peers.Result installed = install(home, null, client.id, "--yes");
        assertThat(installed.exit()).as(installed.stderr()).isZero();
        String after = Files.readString(file);
        // only lines were added: every line of the old file is still there, in order, and the diff removes none
        assertThat(removedLines(installed.stdout())).isEmpty();
        assertThat(linesInOrder(after, before)).as(after).isTrue();
        assertThat(servers(client, file).get("hal9")).isEqualTo(client.entry());
        assertThat(servers(client, file)).containsKey("memory");
        if (client == Client.VSCODE) {
            assertThat(after)
                    .contains("\t// servers for every workspace", "\t\t\"hal9\": {\n\t\t\t\"type\": \"stdio\",");
        } else {
            assertThat(after).contains("\"preferences\": {\"quickEntryShortcut\": \"off\"}", "    \"hal9\": {\n");
        }
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aFileThatIsNotJsonIsRefusedAndLeftAsItWas(Client client) throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(client.file);
        Files.createDirectories(file.getParent());
        String broken = "{\n  \"" + client.serversKey + "\": {\n    \"memory\": {\"command\": \"npx\"}\n";
        Files.writeString(file, broken);
        Peers.Result refused = install(home, null, client.id, "--yes");
        assertThat(refused.exit()).as(refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr())
                .contains("hal9: " + file + " is not valid JSON", "Nothing was written.")
                .doesNotContain("Exception");
        assertThat(refused.stdout()).isEmpty();
        assertThat(Files.readString(file)).isEqualTo(broken);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aSecondRunChangesNothing(Client client) throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(client.file);
        assertThat(install(home, null, client.id, "--yes").exit()).isZero();
        String first = Files.readString(file);
        FileTime written = Files.getLastModifiedTime(file);
        Peers.Result again = install(home, null, client.id, "--yes");
        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(again.stdout()).isEmpty();
        assertThat(again.stderr()).contains(file + " already runs " + LAUNCHER + " serve --stdio as 'hal9'");
        assertThat(Files.readString(file)).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
    }

    @Test
    void anOldEntryIsReplacedAndTheDiffShowsBothSides() throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(Client.CURSOR.file);
        Files.createDirectories(file.getParent());
        Files.writeString(
                file, "{\"mcpServers\": {\"hal9\": {\"command\": \"/old/hal9\"}, \"other\": {\"url\": \"x\"}}}\n");
        Peers.Result installed = install(home, null, "cursor", "--yes");
        assertThat(installed.exit()).as(installed.stderr()).isZero();
        assertThat(installed.stdout())
                .contains("-{\"mcpServers\": {\"hal9\": {\"command\": \"/old/hal9\"}, \"other\": {\"url\": \"x\"}}}\n")
                .contains("+{\"mcpServers\": {\"hal9\": {\"command\": \"" + LAUNCHER
                        + "\", \"args\": [\"serve\", \"--stdio\"]}, \"other\": {\"url\": \"x\"}}}\n");
        assertThat(servers(Client.CURSOR, file)).containsOnlyKeys("hal9", "other");
    }

    @Test
    void withoutYesItAsksAndANoLeavesTheFile() throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(Client.CLAUDE_DESKTOP.file);
        Peers.Result declined = install(home, "n\n", "claude-desktop");
        assertThat(declined.exit()).isEqualTo(1);
        assertThat(declined.stdout()).contains("+++ " + file);
        assertThat(declined.stderr()).contains("Write this to " + file + "? [y/N]", "was not changed");
        assertThat(file).doesNotExist();
        Peers.Result accepted = install(home, "y\n", "claude-desktop");
        assertThat(accepted.exit()).as(accepted.stderr()).isZero();
        assertThat(servers(Client.CLAUDE_DESKTOP, file)).containsOnlyKeys("hal9");
    }

    @Test
    void dryRunPrintsTheDiffAndWritesNothing() {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(Client.VSCODE.file);
        Peers.Result dry = install(home, null, "vscode", "--dry-run");
        assertThat(dry.exit()).as(dry.stderr()).isZero();
        assertThat(dry.stdout()).contains("+++ " + file, "+      \"type\": \"stdio\",");
        assertThat(file).doesNotExist();
        assertThat(file.getParent()).doesNotExist();
    }

    @Test
    void configFileWritesAWorkspaceFileInstead() throws Exception {
        Path home = PackagedServer.newHome();
        Path workspace = Files.createTempDirectory("hal9-workspace").resolve(".vscode/mcp.json");
        Peers.Result installed = install(home, null, "vscode", "--config-file", workspace.toString(), "--yes");
        assertThat(installed.exit()).as(installed.stderr()).isZero();
        assertThat(servers(Client.VSCODE, workspace)).isEqualTo(Map.of("hal9", Client.VSCODE.entry()));
        assertThat(home.resolve(Client.VSCODE.file)).doesNotExist();
    }

    @Test
    void anUnknownClientIsNamedWithTheChoices() {
        Peers.Result refused = install(PackagedServer.newHome(), null, "claude-code");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.stderr())
                .contains("unknown client 'claude-code'; name one of claude-desktop, cursor or vscode");
    }

    @Test
    void helpNamesTheClientsTheirFilesAndTheOptions() {
        Peers.Result help = install(PackagedServer.newHome(), null, "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout())
                .contains("Usage: hal9 install", "claude-desktop", "cursor", "vscode", "--dry-run", "--yes")
                .contains("--config-file", "claude_desktop_config.json", "~/.cursor/mcp.json", "(servers, type stdio)");
    }

    /**
     * An entry for a checkout that is not built would only ever answer "run hal9 build" (a stdio launch never builds),
     * so install says so first and writes nothing.
     */
    @Test
    void anUnbuiltCheckoutIsToldToBuildFirst() throws Exception {
        Path unbuilt = Files.createTempDirectory("hal9-unbuilt");
        Path launcher = unbuilt.resolve("hal9");
        Files.copy(CHECKOUT.resolve("hal9"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = PackagedServer.newHome();
        Peers.Result refused = Peers.run(
                List.of(launcher.toString(), "install", "cursor", "--yes"),
                PackagedServer.environment(home),
                Duration.ofMinutes(1));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.stderr()).contains("run '" + launcher + " build' first");
        assertThat(home.resolve(Client.CURSOR.file)).doesNotExist();
    }

    @Test
    void aClientConfiguredByInstallConnects() throws Exception {
        Path home = PackagedServer.newHome();
        Path file = home.resolve(Client.CLAUDE_DESKTOP.file);
        Peers.Result installed = install(home, null, "claude-desktop", "--yes");
        assertThat(installed.exit()).as(installed.stderr()).isZero();
        Map<?, ?> entry = (Map<?, ?>) servers(Client.CLAUDE_DESKTOP, file).get("hal9");
        List<String> args =
                ((List<?>) entry.get("args")).stream().map(Object::toString).toList();
        try (McpSyncClient client = McpClient.sync(new StdioClientTransport(
                        ServerParameters.builder(entry.get("command").toString())
                                .args(args)
                                .env(PackagedServer.environment(PackagedServer.newHome()))
                                .build(),
                        McpJsonDefaults.getMapper()))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("claude-desktop-like", "1"))
                .build()) {
            assertThat(client.initialize().serverInfo().name()).isEqualTo("hal9");
            assertThat(client.listTools().tools())
                    .extracting(McpSchema.Tool::name)
                    .contains("server_info");
        }
    }

    private static Peers.Result install(Path home, String input, String... arguments) {
        List<String> command = new ArrayList<>(List.of(LAUNCHER, "install"));
        command.addAll(List.of(arguments));
        return Peers.run(command, PackagedServer.environment(home), input == null ? "" : input, Duration.ofMinutes(2));
    }

    /** The servers member of a client's file (VS Code's may have comments and trailing commas: strip them first). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> servers(Client client, Path file) throws IOException {
        String text = Files.readString(file);
        if (client == Client.VSCODE) {
            text = text.replaceAll("(?m)^\\s*//.*$", "").replaceAll(",(\\s*[}\\]])", "$1");
        }
        Map<String, Object> root = McpJsonDefaults.getMapper().readValue(text, Map.class);
        return (Map<String, Object>) root.get(client.serversKey);
    }

    private static List<String> removedLines(String diff) {
        return diff.lines()
                .filter(line -> line.startsWith("-") && !line.startsWith("--- "))
                .toList();
    }

    /** Whether every line of {@code old} appears in {@code text} in the same order. */
    private static boolean linesInOrder(String text, String old) {
        List<String> lines = text.lines().toList();
        int at = 0;
        for (String line : old.lines().toList()) {
            while (at < lines.size() && !lines.get(at).equals(line)) {
                at++;
            }
            if (at == lines.size()) {
                return false;
            }
            at++;
        }
        return true;
    }
}
