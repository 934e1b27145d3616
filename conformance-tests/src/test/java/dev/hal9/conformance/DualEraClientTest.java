package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A 2026-07-28 client (the TypeScript SDK v2 client with version probing, {@code versionNegotiation: 'auto'}) and a
 * 2025-11-25 client (the v1 client, {@code initialize}) use hal9 at the same time: over HTTP one server answers
 * both; over stdio each starts its own {@code serve --stdio} on one data directory, and the v2 client's probe starts
 * a third, short-lived one before its real child.
 */
class DualEraClientTest {

    @Test
    void bothErasOverHttpOnOneServer() {
        try (PackagedServer server = PackagedServer.http()) {
            JsonNode seen = client(List.of("http", server.mcpUrl()), server.home);
            assertBothEras(seen);
            assertThat(seen.at("/modern/info/transports").toString()).contains(server.mcpUrl());
            assertThat(server.alive()).isTrue();
        }
    }

    @Test
    void bothErasOverStdioOnOneDataDirectory() {
        Path home = PackagedServer.newHome();
        List<String> command = new ArrayList<>(List.of("stdio"));
        command.addAll(PackagedServer.stdioCommand(home));
        JsonNode seen = client(command, home);
        assertBothEras(seen);
        assertThat(seen.at("/modern/info/transports").toString()).contains("stdio");
    }

    private static void assertBothEras(JsonNode seen) {
        assertThat(seen.at("/modern/era").asString()).isEqualTo("modern");
        assertThat(seen.at("/modern/version").asString()).isEqualTo("2026-07-28");
        assertThat(seen.at("/modern/discovered").toString()).contains("2026-07-28");
        assertThat(seen.at("/legacy/server/name").asString()).isEqualTo("hal9");
        // one tool registry: the same tools in the same order in both eras
        assertThat(seen.at("/modern/tools")).isEqualTo(seen.at("/legacy/tools"));
        assertThat(seen.at("/modern/tools").toString()).contains("server_info");
        assertThat(seen.at("/modern/info/principal").asString())
                .isEqualTo(seen.at("/legacy/info/principal").asString());
        // an unknown tool is a protocol error in both eras
        assertThat(seen.at("/modern/unknown/rpcError").asInt()).isEqualTo(-32602);
        assertThat(seen.at("/legacy/unknown/rpcError").asInt()).isEqualTo(-32602);
    }

    private static JsonNode client(List<String> arguments, Path home) {
        List<String> command = new ArrayList<>(List.of(Peers.node22(), "clients/dual-era-client.mjs"));
        command.addAll(arguments);
        Peers.Result result = Peers.run(command, PackagedServer.environment(home), Duration.ofSeconds(120));
        assertThat(result.exit())
                .as("dual-era-client stderr: %s", result.stderr())
                .isZero();
        String last = result.stdout().strip().lines().reduce((a, b) -> b).orElse("{}");
        return JsonMapper.builder().build().readTree(last);
    }
}
