package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The official TypeScript SDK client lists and calls hal9's tools over stdio, Streamable HTTP and SSE. */
class TypeScriptSdkClientTest {

    private static PackagedServer server;

    @BeforeAll
    static void start() {
        server = PackagedServer.http();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void stdio() {
        Path home = PackagedServer.newHome();
        List<String> command = new ArrayList<>(List.of("stdio"));
        command.addAll(PackagedServer.stdioCommand(home));
        JsonNode seen = client(command, home);
        assertThat(seen.at("/info/transports").toString()).contains("stdio");
        assertCommon(seen);
    }

    @Test
    void streamableHttp() {
        JsonNode seen = client(List.of("http", server.mcpUrl()), server.home);
        assertThat(seen.at("/info/transports").toString()).contains(server.mcpUrl());
        assertCommon(seen);
    }

    @Test
    void legacySse() {
        assertCommon(client(List.of("sse", server.sseUrl()), server.home));
    }

    private static void assertCommon(JsonNode seen) {
        assertThat(seen.at("/server/name").asString()).isEqualTo("hal9");
        assertThat(seen.at("/tools").toString()).contains("server_info");
        assertThat(seen.at("/info/principal").asString()).isNotBlank();
        assertThat(seen.at("/infoText").asString()).startsWith("hal9 ");
        // an unknown tool is a protocol error; arguments outside the schema are a tool error the model can read
        assertThat(seen.at("/unknown/rpcError").asInt()).isEqualTo(-32602);
        assertThat(seen.at("/invalid/isError").asBoolean()).isTrue();
        assertThat(seen.at("/invalid/text").asString()).contains("surplus");
    }

    private static JsonNode client(List<String> arguments, Path home) {
        List<String> command = new ArrayList<>(List.of(Peers.node22(), "clients/ts-client.mjs"));
        command.addAll(arguments);
        Peers.Result result = Peers.run(command, PackagedServer.environment(home), Duration.ofSeconds(90));
        assertThat(result.exit()).as("ts-client stderr: %s", result.stderr()).isZero();
        String last = result.stdout().strip().lines().reduce((a, b) -> b).orElse("{}");
        return JsonMapper.builder().build().readTree(last);
    }
}
