package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher as a newcomer meets it (issue 13, item 8). A desktop client that launches {@code hal9 serve --stdio}
 * on a checkout that is not built used to wait inside initialize while the launcher built for minutes, and gave up;
 * now the launch answers at once with what to run. {@code hal9 build} prints a client configuration, and a client
 * configured exactly from it connects on its first try.
 */
class LauncherTest {

    private static final Path CHECKOUT =
            Peers.dir().getParent().toAbsolutePath().normalize();

    @Test
    void aStdioLaunchOfAnUnbuiltCheckoutTellsTheClientWhatToRun() throws Exception {
        Path unbuilt = Files.createTempDirectory("hal9-unbuilt");
        Path launcher = unbuilt.resolve("hal9");
        Files.copy(CHECKOUT.resolve("hal9"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        McpSyncClient client = McpClient.sync(new StdioClientTransport(
                        ServerParameters.builder(launcher.toString())
                                .args("serve", "--stdio")
                                .env(PackagedServer.environment(PackagedServer.newHome()))
                                .build(),
                        McpJsonDefaults.getMapper()))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("newcomer", "1"))
                .build();
        try {
            assertThatThrownBy(client::initialize)
                    .hasStackTraceContaining("hal9 is not built yet")
                    .hasStackTraceContaining("run '" + unbuilt + "/hal9 build' once in a terminal");
        } finally {
            client.closeGracefully();
        }
    }

    @Test
    void aClientConfiguredFromWhatBuildPrintsConnectsOnItsFirstTry() throws Exception {
        Peers.Result built = Peers.run(
                List.of(CHECKOUT.resolve("hal9").toString(), "build"),
                PackagedServer.environment(PackagedServer.newHome()),
                Duration.ofMinutes(10));
        assertThat(built.exit()).as(built.stderr()).isZero();
        Matcher snippet = Pattern.compile("\"command\": \"([^\"]+)\", \"args\": \\[\"serve\", \"--stdio\"\\]")
                .matcher(built.stdout());
        assertThat(snippet.find()).as(built.stdout()).isTrue();
        assertThat(snippet.group(1)).isEqualTo(CHECKOUT.resolve("hal9").toString());
        try (McpSyncClient client = McpClient.sync(new StdioClientTransport(
                        ServerParameters.builder(snippet.group(1))
                                .args("serve", "--stdio")
                                .env(PackagedServer.environment(PackagedServer.newHome()))
                                .build(),
                        McpJsonDefaults.getMapper()))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("claude-desktop-like", "1"))
                .build()) {
            McpSchema.InitializeResult result = client.initialize();
            assertThat(result.serverInfo().name()).isEqualTo("hal9");
            assertThat(client.listTools().tools())
                    .extracting(McpSchema.Tool::name)
                    .contains("server_info");
            Map<?, ?> info = (Map<?, ?>) client.callTool(new McpSchema.CallToolRequest("server_info", Map.of()))
                    .structuredContent();
            assertThat(info.get("transports").toString()).contains("stdio");
        }
    }
}
