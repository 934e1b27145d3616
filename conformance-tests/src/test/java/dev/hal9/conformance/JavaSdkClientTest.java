package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The MCP Java SDK's client against the packaged server: stdio, Streamable HTTP, and bearer tokens. */
class JavaSdkClientTest {

    @Test
    void stdio() {
        Path home = PackagedServer.newHome();
        List<String> command = PackagedServer.stdioCommand(home);
        ServerParameters parameters = ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .env(PackagedServer.environment(home))
                .build();
        try (McpSyncClient client = client(new StdioClientTransport(parameters, McpJsonDefaults.getMapper()))) {
            assertThat(client.getCurrentInitializationResult().protocolVersion())
                    .isEqualTo("2025-11-25");
            Map<?, ?> info = (Map<?, ?>) client.callTool(new McpSchema.CallToolRequest("server_info", Map.of()))
                    .structuredContent();
            assertThat(info.get("transports")).isEqualTo(List.of("stdio"));
            client.ping();
        }
    }

    /**
     * A hundred calls in flight on one session all get their answers. (A session once kept only its newest 64
     * streams and ended older live ones with an empty 202, so the 100-payment race of EvmPaymentsTest lost 36.)
     */
    @Test
    void aHundredConcurrentCallsOnOneSessionAllAnswered() throws Exception {
        // each call waits on the client's answer to an elicitation, and the client answers none until all hundred
        // have asked (an async client, so no thread waits meanwhile): all hundred are surely in flight at once
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CompletableFuture<Void> allAsked = new java.util.concurrent.CompletableFuture<>();
        try (PackagedServer server = PackagedServer.http("--conformance-fixtures")) {
            McpAsyncClient client = McpClient.async(HttpClientStreamableHttpTransport.builder(server.base())
                            .endpoint("/mcp")
                            .build())
                    .requestTimeout(Duration.ofSeconds(60))
                    .capabilities(
                            McpSchema.ClientCapabilities.builder().elicitation().build())
                    .elicitation(request -> {
                        if (asked.incrementAndGet() == 100) {
                            allAsked.complete(null);
                        }
                        return Mono.fromFuture(allAsked)
                                .thenReturn(new McpSchema.ElicitResult(
                                        McpSchema.ElicitResult.Action.ACCEPT, Map.of("response", request.message())));
                    })
                    .build();
            try {
                client.initialize().block();
                List<Mono<McpSchema.CallToolResult>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    calls.add(client.callTool(
                            new McpSchema.CallToolRequest("test_elicitation", Map.of("message", "call " + i))));
                }
                List<McpSchema.CallToolResult> results =
                        Flux.mergeSequential(calls, 100, 1).collectList().block(Duration.ofSeconds(120));
                assertThat(allAsked).isDone();
                for (int i = 0; i < 100; i++) {
                    assertThat(((McpSchema.TextContent) results.get(i).content().get(0)).text())
                            .contains("call " + i);
                }
            } finally {
                client.closeGracefully().block(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void tokensMadeByTheCliWhileTheServerRuns() {
        try (PackagedServer server = PackagedServer.http("--auth", "token")) {
            Peers.Result created =
                    server.cli("token", "create", "--principal", "alice", "--capability", "server", "--name", "ci");
            assertThat(created.exit()).as(created.stderr()).isZero();
            String secret = created.stdout().strip();
            assertThat(secret).startsWith("hal9_");
            assertThat(created.stderr()).doesNotContain(secret);

            try (McpSyncClient alice = client(HttpClientStreamableHttpTransport.builder(server.base())
                    .endpoint("/mcp")
                    .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                    .build())) {
                Map<?, ?> info = (Map<?, ?>) alice.callTool(new McpSchema.CallToolRequest("server_info", Map.of()))
                        .structuredContent();
                assertThat(info.get("principal")).isEqualTo("alice");
                assertThat(info.get("callerCapabilities")).isEqualTo(List.of("server"));
            }
            Peers.Result listed = server.cli("token", "list");
            assertThat(listed.stdout()).contains("alice", "server", "active").doesNotContain(secret);
            assertThat(server.log()).doesNotContain(secret);
        }
    }

    /**
     * Issue 13, item 5: tools/list showed a caller every tool, also those its token may not call (a chain.read token
     * saw evm_send, and its calls were refused). Now each caller is shown only what its token may call.
     */
    @Test
    void toolsListShowsACallerOnlyWhatItsTokenMayCall() {
        java.nio.file.Path home = PackagedServer.newHome();
        try (PackagedServer server =
                PackagedServer.http(home, Map.of("HAL9_CAPABILITIES_ENABLED", "chain.write"), "--auth", "token")) {
            String reader = server.cli("token", "create", "--principal", "alice", "--capability", "chain.read")
                    .stdout()
                    .strip();
            String everything = server.cli("token", "create", "--principal", "alice", "--capability", "*")
                    .stdout()
                    .strip();
            try (McpSyncClient narrow = client(bearer(server, reader));
                    McpSyncClient wide = client(bearer(server, everything))) {
                List<String> seen = narrow.listTools().tools().stream()
                        .map(McpSchema.Tool::name)
                        .toList();
                assertThat(seen).contains("evm_wallet", "ton_wallet").doesNotContain("evm_send", "payment_status");
                assertThat(wide.listTools().tools().stream().map(McpSchema.Tool::name))
                        .contains("evm_wallet", "evm_send", "payment_status");
                // what it is not shown, it still cannot call
                McpSchema.CallToolResult refused = narrow.callTool(new McpSchema.CallToolRequest(
                        "evm_send", Map.of("network", "ethereum", "to", "0x0", "amount", "1")));
                assertThat(refused.isError()).isTrue();
            }
        }
    }

    private static McpClientTransport bearer(PackagedServer server, String secret) {
        return HttpClientStreamableHttpTransport.builder(server.base())
                .endpoint("/mcp")
                .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + secret))
                .build();
    }

    private static McpSyncClient client(McpClientTransport transport) {
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("hal9-java-peer", "1"))
                .build();
        client.initialize();
        return client;
    }
}
