package dev.hal9.agent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.tool.DefaultToolCallingManager;
import org.springframework.ai.model.tool.ToolCallingManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hal9 chat}: a terminal chat with the agent, over a running hal9 server's MCP tools and the configured model.
 * The conversation is kept per principal in the agent's own store, so it survives restarts of the chat.
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Chat with an LLM that uses this server's tools (key in HAL9_LLM_API_KEY).",
        footer = {
            "%nThe model: families.orchestrator.* in hal9.yaml (or HAL9_ variables):",
            "  provider         openai (the default; any OpenAI-compatible API), anthropic,",
            "                   ollama or google",
            "  base-url         default the provider's own: https://api.openai.com/v1,",
            "                   https://api.anthropic.com/v1, http://localhost:11434,",
            "                   https://generativelanguage.googleapis.com",
            "  model            gpt-4o-mini, claude-sonnet-4-5, llama3.1, gemini-2.5-flash",
            "  max-steps (8), token-budget (20000), timeout-seconds (60), max-tokens (2048)",
            "  mcp-servers      a desktop-style mcpServers JSON file: more MCP servers",
            "                   whose tools the model may use",
            "Spans (OpenTelemetry GenAI conventions) go to telemetry.otlp-endpoint, the",
            "server's OTLP/HTTP collector, when it is set.",
            "The server's token, if it needs one: HAL9_TOKEN.",
            "Type /new for a fresh conversation, /quit to leave."
        })
final class ChatCommand implements Callable<Integer> {

    @Option(
            names = "--url",
            defaultValue = "http://127.0.0.1:8931/mcp",
            paramLabel = "URL",
            description = "The hal9 server's MCP endpoint (default ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = "--principal",
            paramLabel = "ID",
            description = "Whose conversation this is (default: the token's owner as you name it, else $USER).")
    String principal;

    @Mixin
    AgentOptions options;

    @Override
    public Integer call() throws Exception {
        String apiKey = System.getenv("HAL9_LLM_API_KEY");
        Main.configureLogging(options.verbose, apiKey, System.getenv("HAL9_TOKEN"));
        AgentSettings settings;
        ToolCallingManager toolCalls = DefaultToolCallingManager.builder()
                .unlimitedCallsPerTool() // the turn's max-steps is the limit
                .unlimitedTotalToolCalls()
                .build();
        ChatModel model;
        try {
            settings = AgentSettings.load(options.config, System.getenv(), options.overrides());
            model = ChatModels.create(settings, apiKey);
        } catch (IllegalArgumentException e) {
            System.err.println("hal9: " + e.getMessage());
            return 2;
        }
        String who = principal != null ? principal : System.getProperty("user.name", "local");
        // closed last: the spans of the chat's last turn are exported when it ends, by /quit or end of input
        try (Tracing tracing = Tracing.create(settings.otlpEndpoint(), settings, Main.VERSION);
                McpConnections servers = new McpConnections(Main.VERSION)) {
            // Ctrl-C ends the process without unwinding this block: the spans so far are exported on the way out
            Runtime.getRuntime().addShutdownHook(new Thread(tracing::close, "hal9-tracing-flush"));
            try {
                servers.connectHal9(URI.create(url), System.getenv("HAL9_TOKEN"));
            } catch (RuntimeException e) {
                System.err.println("hal9: cannot reach the server at " + url + " (" + e.getMessage()
                        + "); start it with 'hal9 serve', and set HAL9_TOKEN if it uses --auth token");
                return 1;
            }
            if (settings.mcpServers().isPresent()) {
                try {
                    servers.connectAll(settings.mcpServers().get());
                } catch (IllegalArgumentException e) {
                    System.err.println("hal9: " + e.getMessage());
                    return 1;
                }
            }
            try (Conversations conversations = Conversations.open(settings.dataDirectory(), 200)) {
                Agent agent = new Agent(
                        model,
                        servers.tools(ChatModels.toolResultEncoding(settings.provider()), tracing),
                        toolCalls,
                        conversations,
                        settings.maxSteps(),
                        settings.tokenBudget(),
                        ChatModels.failures(settings, apiKey),
                        tracing);
                talk(agent, who);
            }
        }
        return 0;
    }

    private static void talk(Agent agent, String who) throws java.io.IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("hal9 chat as " + who + " (/new for a fresh conversation, /quit to leave)");
        String line;
        while ((line = in.readLine()) != null) {
            String text = line.strip();
            if (text.isEmpty()) {
                continue;
            }
            if (text.equals("/quit")) {
                break;
            }
            if (text.equals("/new")) {
                agent.reset(who);
                System.out.println("hal9> (a fresh conversation)");
                continue;
            }
            Agent.Turn turn = agent.turn(who, text);
            System.out.println("hal9> " + turn.reply());
            for (Agent.Pending p : turn.pending()) {
                System.out.println("hal9> waiting for a person: " + p.summary() + ". Approve with 'hal9 approve "
                        + p.id() + "' or decline with 'hal9 decline " + p.id() + "'; the model cannot approve it.");
            }
            System.out.flush();
        }
    }
}
