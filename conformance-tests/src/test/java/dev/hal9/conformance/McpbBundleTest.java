package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The MCPB bundle that {@code ./hal9 bundle} builds for Claude Desktop (issue 14, item 6), checked with the official
 * {@code mcpb} CLI (npm {@code @anthropic-ai/mcpb}, pinned in package.json): its manifest validates, the bundle
 * unpacks, and the server it declares, started exactly as the manifest says with {@code ${__dirname}} replaced as a
 * client does, answers an MCP client.
 */
class McpbBundleTest {

    private static final Path CHECKOUT =
            Peers.dir().getParent().toAbsolutePath().normalize();

    @Test
    void theBundleValidatesUnpacksAndItsServerConnects() throws Exception {
        Peers.Result bundled = Peers.run(
                List.of(CHECKOUT.resolve("hal9").toString(), "bundle"),
                PackagedServer.environment(PackagedServer.newHome()),
                Duration.ofMinutes(10));
        assertThat(bundled.exit()).as(bundled.stderr()).isZero();
        Path bundle = Path.of(bundled.stdout().strip());
        assertThat(bundle.getFileName().toString()).matches("hal9-.+\\.mcpb");
        assertThat(bundle).isRegularFile().startsWith(CHECKOUT.resolve("mcp-server/runtime/target"));

        Path unpacked = Files.createTempDirectory("hal9-mcpb");
        try {
            Peers.Result unpack = mcpb("unpack", bundle.toString(), unpacked.toString());
            assertThat(unpack.exit()).as(unpack.stdout() + unpack.stderr()).isZero();
            Peers.Result validated =
                    mcpb("validate", unpacked.resolve("manifest.json").toString());
            assertThat(validated.exit())
                    .as(validated.stdout() + validated.stderr())
                    .isZero();
            assertThat(validated.stdout()).contains("Manifest schema validation passes");
            Peers.Result info = mcpb("info", bundle.toString());
            assertThat(info.exit()).as(info.stdout() + info.stderr()).isZero();

            Map<?, ?> manifest = McpJsonDefaults.getMapper()
                    .readValue(Files.readString(unpacked.resolve("manifest.json")), Map.class);
            assertThat(manifest.get("name")).isEqualTo("hal9");
            assertThat(bundle.getFileName().toString()).isEqualTo("hal9-" + manifest.get("version") + ".mcpb");
            Map<?, ?> server = (Map<?, ?>) manifest.get("server");
            assertThat(server.get("type")).isEqualTo("binary");
            assertThat(unpacked.resolve(server.get("entry_point").toString())).isRegularFile();
            assertThat(unpacked.resolve("server/hal9.jar")).isRegularFile();

            Map<?, ?> config = (Map<?, ?>) server.get("mcp_config");
            List<String> args = ((List<?>) config.get("args"))
                    .stream()
                            .map(arg -> arg.toString().replace("${__dirname}", unpacked.toString()))
                            .toList();
            assertThat(args).endsWith("serve", "--stdio");
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(PackagedServer.newHome()));
            // the manifest's env, with the JDK a person picked for the optional user_config.java_home
            ((Map<?, ?>) config.get("env"))
                    .forEach((name, value) -> environment.put(
                            name.toString(),
                            value.toString().replace("${user_config.java_home}", System.getProperty("java.home"))));
            assertThat(environment).containsEntry("HAL9_JAVA_HOME", System.getProperty("java.home"));
            try (McpSyncClient client = McpClient.sync(new StdioClientTransport(
                            ServerParameters.builder(config.get("command").toString())
                                    .args(args)
                                    .env(environment)
                                    .build(),
                            McpJsonDefaults.getMapper()))
                    .initializationTimeout(Duration.ofSeconds(60))
                    .clientInfo(new McpSchema.Implementation("claude-desktop-extension-like", "1"))
                    .build()) {
                assertThat(client.initialize().serverInfo().name()).isEqualTo("hal9");
                assertThat(client.listTools().tools())
                        .extracting(McpSchema.Tool::name)
                        .contains("server_info");
            }
        } finally {
            try (Stream<Path> files = Files.walk(unpacked)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    private static Peers.Result mcpb(String... arguments) {
        List<String> command =
                new ArrayList<>(List.of(Peers.node22(), Peers.module("@anthropic-ai/mcpb/dist/cli/cli.js")));
        command.addAll(List.of(arguments));
        return Peers.run(command, Map.of(), Duration.ofMinutes(2));
    }
}
