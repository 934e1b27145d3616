package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * 'hal9 chat', the agent (its own jar, on Spring AI), against the packaged server and a scripted model of each
 * provider (OpenAI, Anthropic, Ollama, Google): the model calls a real hal9 tool and answers from its result; the
 * conversation survives a restart of the chat; a failing model gets a friendly reply, not a stack trace.
 */
class ChatTest {

    @Test
    void theModelCallsARealToolAndTheConversationSurvivesARestart() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(ChatTest::script)) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_LLM_API_KEY", "sk-test-not-a-real-key");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MODEL", "scripted-1");

                Peers.Result first = chat(environment, server, "Which version is the server?\nplease fail\n/quit\n");
                assertThat(first.exit()).as(first.stderr()).isZero();
                assertThat(first.stdout()).contains("hal9> The server runs hal9 0.1.0");
                assertThat(first.stdout())
                        .contains("hal9> Sorry, I could not reach my language model")
                        .doesNotContain("Exception");
                // the model saw the system prompt and hal9's tools, and got server_info's real result
                JsonNode firstRequest = llm.requests.get(0);
                assertThat(firstRequest.path("model").asString()).isEqualTo("scripted-1");
                assertThat(firstRequest.path("messages").get(0).path("content").asString())
                        .contains("you cannot approve it");
                assertThat(firstRequest.path("tools").toString()).contains("server_info", "payment_status");
                assertThat(llm.requests.get(1).path("messages").toString()).contains("\"role\":\"tool\"");
                assertThat(llm.authorizations).allMatch(a -> a.equals("Bearer sk-test-not-a-real-key"));

                // a new chat process remembers the conversation (kept in the agent's own store in the data directory)
                Peers.Result second =
                        chat(environment, server, "What did I ask before?\n/new\nWhat did I ask before?\n/quit\n");
                assertThat(second.stdout())
                        .contains("hal9> Before, you asked: Which version is the server?")
                        .contains("hal9> You have not asked anything before.");
            }
        }
    }

    @Test
    void anthropicsMessagesApiDrivesTheSameTools() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(ChatTest::script);
                OtlpCollector collector = new OtlpCollector()) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_LLM_API_KEY", "sk-ant-test");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "anthropic");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MODEL", "claude-test");
                environment.put("HAL9_TELEMETRY_OTLP__ENDPOINT", collector.url);
                Peers.Result result = chat(environment, server, "Which version is the server?\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout()).contains("hal9> The server runs hal9 0.1.0");
                JsonNode first = llm.requests.get(0);
                assertThat(first.path("system").toString()).contains("you cannot approve it");
                assertThat(first.path("tools").get(0).has("input_schema")).isTrue();
                JsonNode second = llm.requests.get(1);
                assertThat(second.path("messages").toString())
                        .contains("\"type\":\"tool_use\"", "\"type\":\"tool_result\"");
                assertThat(llm.authorizations).allMatch(a -> a.equals("x-api-key sk-ant-test version 2023-06-01"));
                assertAnsweredCallsReportUsage(collector, "anthropic", "claude-test");
            }
        }
    }

    @Test
    void ollamasChatApiDrivesTheSameTools() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(ChatTest::script);
                OtlpCollector collector = new OtlpCollector()) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_LLM_API_KEY", "ollama-test-key");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "ollama");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.root);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MODEL", "llama-test");
                environment.put("HAL9_TELEMETRY_OTLP__ENDPOINT", collector.url);
                Peers.Result result = chat(environment, server, "Which version is the server?\nplease fail\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout())
                        .contains("hal9> The server runs hal9 0.1.0")
                        .contains("hal9> Sorry, I could not reach my language model (the model's API refused (HTTP "
                                + "503): scripted failure). Try again in a moment.")
                        .doesNotContain("Exception");
                JsonNode first = llm.requests.get(0);
                assertThat(first.path("model").asString()).isEqualTo("llama-test");
                assertThat(first.path("stream").asBoolean(true)).isFalse();
                assertThat(first.path("messages").get(0).path("role").asString())
                        .isEqualTo("system");
                assertThat(first.path("messages").get(0).path("content").asString())
                        .contains("you cannot approve it");
                assertThat(first.path("tools").get(0).path("function").has("parameters"))
                        .isTrue();
                assertThat(first.path("tools").toString()).contains("server_info", "payment_status");
                JsonNode second = llm.requests.get(1).path("messages");
                JsonNode call = second.get(second.size() - 2);
                assertThat(call.path("tool_calls")
                                .get(0)
                                .path("function")
                                .path("name")
                                .asString())
                        .isEqualTo("server_info");
                assertThat(second.get(second.size() - 1).path("role").asString())
                        .isEqualTo("tool");
                assertThat(second.get(second.size() - 1).path("content").asString())
                        .contains("0.1.0");
                assertThat(llm.authorizations).hasSize(3).allMatch(a -> a.equals("Bearer ollama-test-key"));
                assertAnsweredCallsReportUsage(collector, "ollama", "llama-test");
            }
        }
    }

    @Test
    void geminisGenerateContentApiDrivesTheSameTools() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(ChatTest::script);
                OtlpCollector collector = new OtlpCollector()) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_LLM_API_KEY", "AIza-test-key");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "google");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.root);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MODEL", "gemini-test");
                environment.put("HAL9_TELEMETRY_OTLP__ENDPOINT", collector.url);
                Peers.Result result = chat(environment, server, "Which version is the server?\nplease fail\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout())
                        .contains("hal9> The server runs hal9 0.1.0")
                        .contains("hal9> Sorry, I could not reach my language model (the model's API refused (HTTP "
                                + "503): scripted failure). Try again in a moment.")
                        .doesNotContain("Exception");
                assertThat(llm.paths).allMatch(p -> p.equals("/v1beta/models/gemini-test:generateContent"));
                JsonNode first = llm.requests.get(0);
                assertThat(first.path("systemInstruction").toString()).contains("you cannot approve it");
                assertThat(first.path("tools").toString()).contains("functionDeclarations", "server_info");
                JsonNode contents = llm.requests.get(1).path("contents");
                assertThat(contents.toString()).contains("\"functionCall\"", "\"functionResponse\"");
                assertThat(llm.authorizations).hasSize(3).allMatch(a -> a.equals("x-goog-api-key AIza-test-key"));
                assertAnsweredCallsReportUsage(collector, "gcp.gemini", "gemini-test");
            }
        }
    }

    /**
     * The model cannot approve its own spend: a payment over the auto-approve limit that the model asks for (hal9's
     * real evm_send on anvil) waits for a person, and the chat says so with the payment's id and the commands that
     * decide it; nothing is sent.
     */
    @Test
    void aPaymentTheModelAsksForWaitsForAPerson() throws Exception {
        try (Anvil anvil = new Anvil()) {
            String testToken = anvil.deployTestToken(java.math.BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(anvil, testToken, Map.of());
                    ScriptedLlm llm = new ScriptedLlm(request -> {
                        JsonNode messages = request.path("messages");
                        JsonNode last = messages.get(messages.size() - 1);
                        if (last.path("role").asString().equals("tool")) {
                            return ScriptedLlm.Answer.say("I asked hal9 to send it; it waits for your approval.");
                        }
                        return ScriptedLlm.Answer.call(
                                "evm_send",
                                "{\"network\":\"anvil\",\"to\":\"" + PaymentRig.RECIPIENT + "\",\"amount\":\"0.5\"}");
                    })) {
                Map<String, String> environment = new HashMap<>(rig.environment());
                environment.put("HAL9_TOKEN", rig.aliceSecret);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                java.math.BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
                Peers.Result result =
                        chat(environment, rig.server, "Please send 0.5 ETH to " + PaymentRig.RECIPIENT + "\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout()).contains("hal9> I asked hal9 to send it; it waits for your approval.");
                Matcher waiting = Pattern.compile(
                                "hal9> waiting for a person: (.+)\\. Approve with 'hal9 approve "
                                        + "(pay_\\w+)' or decline with 'hal9 decline (pay_\\w+)'; the model cannot approve it\\.")
                        .matcher(result.stdout());
                assertThat(waiting.find()).as(result.stdout()).isTrue();
                assertThat(waiting.group(1)).contains("0.5 ETH");
                assertThat(waiting.group(3)).isEqualTo(waiting.group(2));
                // the id is the guard's own pending payment, and nothing moved
                assertThat(rig.cli("payments").stdout()).contains(waiting.group(2));
                assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);
            }
        }
    }

    @Test
    void toolsOfOtherMcpServersFromAnMcpServersFile() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(request -> {
            JsonNode messages = request.path("messages");
            JsonNode last = messages.get(messages.size() - 1);
            if (last.path("role").asString().equals("tool")) {
                return ScriptedLlm.Answer.say(
                        "The other server says: " + last.path("content").asString());
            }
            return ScriptedLlm.Answer.call("get-sum", "{\"a\":2,\"b\":3}");
        })) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            Path servers = home.resolve("mcp.json");
            java.nio.file.Files.writeString(
                    servers,
                    "{\"mcpServers\":{\"everything\":{\"command\":\""
                            + Peers.node22() + "\",\"args\":[\""
                            + Peers.dir().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
                            + "\",\"stdio\"]}}}");
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MCP__SERVERS", servers.toString());
                Peers.Result result = chat(environment, server, "Add 2 and 3\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout()).contains("hal9> The other server says:", "5");
                assertThat(llm.requests.get(0).path("tools").toString()).contains("server_info", "get-sum");
            }
        }
    }

    /**
     * The agent's spans follow OpenTelemetry's GenAI semantic conventions and reach the collector that the server's
     * key telemetry.otlp-endpoint names: per turn an invoke_agent span; under it a chat span per model call, with the
     * model and the token counts the API reported in its own wire format (error.type when the call failed), and an
     * execute_tool span per tool call, whose trace context travels to the server on the MCP request. Nothing the
     * user wrote and no key is exported.
     */
    @Test
    void spansOfTurnsModelCallsAndToolCallsFollowTheGenAiConventions() throws Exception {
        try (ScriptedLlm llm = new ScriptedLlm(ChatTest::script);
                OtlpCollector collector = new OtlpCollector();
                OtlpCollector serverCollector = new OtlpCollector()) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            String secret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*");
            Span tool;
            // the server exports its own spans, to a collector of their own
            try (PackagedServer server = PackagedServer.http(
                            home, Map.of("HAL9_TELEMETRY_OTLP__ENDPOINT", serverCollector.url), "--auth", "token");
                    McpHeaderProxy proxy = new McpHeaderProxy(server.base())) {
                environment.put("HAL9_TOKEN", secret);
                environment.put("HAL9_LLM_API_KEY", "sk-test-not-a-real-key");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MODEL", "scripted-1");
                environment.put("HAL9_TELEMETRY_OTLP__ENDPOINT", collector.url);
                // the chat ends with /quit, right after its last turn: it exports its spans as it ends
                Peers.Result result =
                        chat(environment, proxy.base + "/mcp", "Which version is the server?\nplease fail\n/quit\n");
                assertThat(result.exit()).as(result.stderr()).isZero();
                assertThat(result.stdout()).contains("hal9> The server runs hal9 0.1.0");

                List<Span> spans = collector.spans();
                assertThat(collector.resources())
                        .allSatisfy(resource -> assertThat(resource).containsEntry("service.name", "hal9-agent"));
                List<Span> turns = spans.stream()
                        .filter(span -> span.getName().equals("invoke_agent hal9"))
                        .toList();
                assertThat(turns).as(spans.toString()).hasSize(2).allSatisfy(turn -> {
                    assertThat(turn.getParentSpanId().isEmpty()).isTrue();
                    assertThat(OtlpCollector.attributes(turn))
                            .containsEntry("gen_ai.operation.name", "invoke_agent")
                            .containsEntry("gen_ai.agent.name", "hal9")
                            .containsEntry("gen_ai.provider.name", "openai");
                });
                Span asked = turns.stream()
                        .filter(turn -> !OtlpCollector.attributes(turn).containsKey("error.type"))
                        .findFirst()
                        .orElseThrow();
                Span failed =
                        turns.stream().filter(turn -> turn != asked).findFirst().orElseThrow();

                // the first turn: a model call that asks for server_info, the tool call, a model call that answers
                List<Span> calls = children(spans, asked, "chat scripted-1");
                assertThat(calls).hasSize(2).allSatisfy(call -> {
                    assertThat(call.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
                    assertThat(call.getStatus().getCode()).isNotEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
                    assertThat(OtlpCollector.attributes(call))
                            .containsEntry("gen_ai.operation.name", "chat")
                            .containsEntry("gen_ai.provider.name", "openai")
                            .containsEntry("gen_ai.request.model", "scripted-1")
                            .containsEntry("gen_ai.response.model", "scripted-1")
                            // ScriptedLlm's usage: prompt_tokens 100, completion_tokens 20
                            .containsEntry("gen_ai.usage.input_tokens", 100L)
                            .containsEntry("gen_ai.usage.output_tokens", 20L)
                            .containsEntry("server.address", "127.0.0.1")
                            .doesNotContainKey("error.type");
                });
                assertThat(calls.stream()
                                .map(call -> OtlpCollector.attributes(call).get("gen_ai.response.finish_reasons")))
                        .containsExactlyInAnyOrder(List.of("tool_calls"), List.of("stop"));
                List<Span> tools = children(spans, asked, "execute_tool server_info");
                assertThat(tools).hasSize(1);
                tool = tools.get(0);
                assertThat(tool.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
                assertThat(OtlpCollector.attributes(tool))
                        .containsEntry("gen_ai.operation.name", "execute_tool")
                        .containsEntry("gen_ai.tool.name", "server_info")
                        .containsEntry("gen_ai.tool.call.id", "call_1") // the id ScriptedLlm gave the call
                        .doesNotContainKey("error.type");

                // the second turn: the model's API refused, so its chat span and the turn are errors
                List<Span> refused = children(spans, failed, "chat scripted-1");
                assertThat(refused).hasSize(1);
                assertThat(refused.get(0).getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
                assertThat(OtlpCollector.attributes(refused.get(0)))
                        .containsKey("error.type")
                        .doesNotContainKey("gen_ai.usage.input_tokens");

                // the tool call reached the server with the execute_tool span as its W3C parent
                List<McpHeaderProxy.Seen> toolCalls = proxy.seen.stream()
                        .filter(seen -> seen.body().contains("\"tools/call\""))
                        .toList();
                assertThat(toolCalls).hasSize(1);
                String traceparent = toolCalls.get(0).traceparent();
                assertThat(traceparent)
                        .startsWith("00-" + OtlpCollector.hex(asked.getTraceId()) + "-"
                                + OtlpCollector.hex(tool.getSpanId()) + "-");
                // the flags: sampled (and, from OpenTelemetry's W3C Level 2 support, a random trace id)
                assertThat(Integer.parseInt(traceparent.substring(traceparent.lastIndexOf('-') + 1), 16) & 1)
                        .isEqualTo(1);

                // content capture is off: neither what the user wrote nor the key is in any export
                assertThat(collector.bodies).isNotEmpty().allSatisfy(body -> assertThat(
                                new String(body, StandardCharsets.UTF_8))
                        .doesNotContain("sk-test-not-a-real-key", "Which version is the server", "please fail"));
            }
            // the server, stopped now and its spans exported, served that tool call in the agent's trace, under the
            // agent's execute_tool span
            List<Span> served = serverCollector.spans().stream()
                    .filter(span -> span.getName().equals("tools/call server_info"))
                    .toList();
            assertThat(served).as(serverCollector.spans().toString()).hasSize(1);
            assertThat(served.get(0).getTraceId()).isEqualTo(tool.getTraceId());
            assertThat(served.get(0).getParentSpanId()).isEqualTo(tool.getSpanId());
        }
    }

    /**
     * Both answered model calls of a turn (the tool call, then the answer) have chat spans naming the provider as the
     * GenAI conventions do and carrying the usage ScriptedLlm reported in that provider's wire format (100 in, 20 out).
     */
    private static void assertAnsweredCallsReportUsage(OtlpCollector collector, String provider, String model) {
        List<Span> answered = collector.spans().stream()
                .filter(span -> span.getName().equals("chat " + model))
                .filter(span -> span.getStatus().getCode() != Status.StatusCode.STATUS_CODE_ERROR)
                .toList();
        assertThat(answered).hasSize(2).allSatisfy(call -> assertThat(OtlpCollector.attributes(call))
                .containsEntry("gen_ai.provider.name", provider)
                .containsEntry("gen_ai.request.model", model)
                .containsEntry("gen_ai.usage.input_tokens", 100L)
                .containsEntry("gen_ai.usage.output_tokens", 20L));
    }

    /** The spans with a name directly under a parent span. */
    private static List<Span> children(List<Span> spans, Span parent, String name) {
        return spans.stream()
                .filter(span -> span.getParentSpanId().equals(parent.getSpanId()))
                .filter(span -> span.getName().equals(name))
                .toList();
    }

    /** The model's side: call server_info when asked for the version, answer from its result, recall history. */
    private static ScriptedLlm.Answer script(JsonNode request) {
        JsonNode messages = request.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String text = last.path("content").asString("");
        if (last.path("role").asString().equals("tool")) {
            Matcher version = Pattern.compile("hal9 (\\d+\\.\\d+\\.\\d+)").matcher(text);
            return ScriptedLlm.Answer.say(
                    version.find() ? "The server runs hal9 " + version.group(1) + "." : "The tool said: " + text);
        }
        if (text.contains("version")) {
            return ScriptedLlm.Answer.call("server_info", "{}");
        }
        if (text.contains("fail")) {
            return ScriptedLlm.Answer.fail(503);
        }
        if (text.contains("What did I ask before")) {
            for (JsonNode message : messages) {
                if (message.path("role").asString().equals("user")
                        && !message.path("content").asString().contains("What did I ask before")) {
                    return ScriptedLlm.Answer.say(
                            "Before, you asked: " + message.path("content").asString());
                }
            }
            return ScriptedLlm.Answer.say("You have not asked anything before.");
        }
        return ScriptedLlm.Answer.say("I do not know.");
    }

    private static Peers.Result chat(Map<String, String> environment, PackagedServer server, String input) {
        return chat(environment, server.base() + "/mcp", input);
    }

    private static Peers.Result chat(Map<String, String> environment, String mcpUrl, String input) {
        List<String> command = new ArrayList<>(List.of(
                PackagedServer.java(),
                "-jar",
                PackagedServer.agentJar().toString(),
                "chat",
                "--principal",
                "alice",
                "--url",
                mcpUrl));
        return Peers.run(command, environment, input, Duration.ofSeconds(120));
    }

    private static String cli(Map<String, String> environment, String... arguments) {
        List<String> command = new ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Peers.Result result = Peers.run(command, environment, Duration.ofSeconds(60));
        assertThat(result.exit()).as(result.stderr()).isZero();
        return result.stdout().strip();
    }
}
