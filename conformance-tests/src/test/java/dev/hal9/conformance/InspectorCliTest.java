package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The MCP Inspector's CLI ({@code mcp-inspector --cli}) lists and calls tools over stdio, HTTP and SSE. */
class InspectorCliTest {

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
    void stdioListsTools() {
        Path home = PackagedServer.newHome();
        List<String> arguments = new ArrayList<>(PackagedServer.stdioCommand(home));
        arguments.addAll(List.of("--method", "tools/list"));
        assertThat(inspector(arguments, home)).contains("\"name\": \"server_info\"", "\"inputSchema\"");
    }

    @Test
    void stdioCallsATool() {
        Path home = PackagedServer.newHome();
        List<String> arguments = new ArrayList<>(PackagedServer.stdioCommand(home));
        arguments.addAll(List.of("--method", "tools/call", "--tool-name", "server_info"));
        assertThat(inspector(arguments, home)).contains("\"structuredContent\"", "\"isError\": false", "stdio");
    }

    @Test
    void streamableHttpListsAndCalls() {
        assertThat(inspector(List.of(server.mcpUrl(), "--transport", "http", "--method", "tools/list"), server.home))
                .contains("server_info");
        assertThat(inspector(
                        List.of(
                                server.mcpUrl(),
                                "--transport",
                                "http",
                                "--method",
                                "tools/call",
                                "--tool-name",
                                "server_info"),
                        server.home))
                .contains("\"isError\": false", server.mcpUrl());
    }

    @Test
    void sseListsAndCalls() {
        assertThat(inspector(List.of(server.sseUrl(), "--transport", "sse", "--method", "tools/list"), server.home))
                .contains("server_info");
        assertThat(inspector(
                        List.of(
                                server.sseUrl(),
                                "--transport",
                                "sse",
                                "--method",
                                "tools/call",
                                "--tool-name",
                                "server_info"),
                        server.home))
                .contains("\"isError\": false");
    }

    private static String inspector(List<String> arguments, Path home) {
        List<String> command = new ArrayList<>(List.of(
                Peers.node22(),
                Peers.module("@modelcontextprotocol/inspector/clients/launcher/build/index.js"),
                "--cli",
                // the inspector gives a server 15 s to answer initialize by default; a loaded 2-core CI machine
                // running two test classes at once can take longer to start a JVM
                "--connect-timeout",
                "60000"));
        command.addAll(arguments);
        Peers.Result result = Peers.run(command, PackagedServer.environment(home), Duration.ofSeconds(90));
        assertThat(result.exit())
                .as("inspector stdout: %s%nstderr: %s", result.stdout(), result.stderr())
                .isZero();
        return result.stdout();
    }
}
