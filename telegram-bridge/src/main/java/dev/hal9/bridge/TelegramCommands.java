package dev.hal9.bridge;

import dev.hal9.api.BearerTokens;
import dev.hal9.api.FamilyContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hal9 telegram link}, {@code hal9 telegram refund} and {@code hal9 bridge}: the Telegram side of hal9. */
final class TelegramCommands {

    private TelegramCommands() {}

    /** The commands, each reading the telegram family's context when it runs. */
    static List<Object> all(Supplier<FamilyContext> context) {
        return List.of(
                new CommandLine(new Group()).addSubcommand(new Link(context)).addSubcommand(new Refund(context)),
                new Bridge(context));
    }

    @Command(name = "telegram", mixinStandardHelpOptions = true, description = "Link Telegram chats to principals.")
    static final class Group implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a telegram command: link or refund");
        }
    }

    @Command(
            name = "link",
            mixinStandardHelpOptions = true,
            description = "Print a one-time code; the user sends '/start CODE' to the bot to link their chat.")
    static final class Link implements Callable<Integer> {
        private final Supplier<FamilyContext> context;

        Link(Supplier<FamilyContext> context) {
            this.context = context;
        }

        @Option(
                names = "--principal",
                required = true,
                paramLabel = "ID",
                description = "Whose chat it will be; repeat for several (then each line is 'principal code').")
        List<String> principals;

        @Option(
                names = "--minutes",
                defaultValue = "30",
                paramLabel = "N",
                description = "How long the code works (default ${DEFAULT-VALUE}).")
        int minutes;

        @Override
        public Integer call() {
            Links links = new Links(context.get().state());
            for (String principal : principals) {
                String code = links.newCode(principal, Duration.ofMinutes(minutes));
                System.out.println(principals.size() == 1 ? code : principal + " " + code);
            }
            return 0;
        }
    }

    static Subscriptions subscriptions(FamilyContext telegram, InstantSource clock) {
        return new Subscriptions(
                telegram.state(), TelegramSettings.from(telegram).subscriptionStars(), clock);
    }

    @Command(
            name = "refund",
            mixinStandardHelpOptions = true,
            description = "Refund a user's last Telegram Stars payment and end their subscription.")
    static final class Refund implements Callable<Integer> {
        private final Supplier<FamilyContext> context;

        Refund(Supplier<FamilyContext> context) {
            this.context = context;
        }

        @Option(names = "--principal", required = true, paramLabel = "ID", description = "Whose payment.")
        String principal;

        @Override
        public Integer call() {
            String token = System.getenv("HAL9_TELEGRAM_BOT_TOKEN");
            if (token == null || token.isBlank()) {
                System.err.println("hal9: set HAL9_TELEGRAM_BOT_TOKEN to the bot's token");
                return 2;
            }
            FamilyContext telegram = context.get();
            String base = TelegramSettings.from(telegram).apiBase();
            try {
                String charge = subscriptions(telegram, InstantSource.system())
                        .refund(new BotApi(base, token, Duration.ofSeconds(10)), principal);
                System.out.println("Refunded " + charge + "; " + principal + "'s subscription has ended.");
                return 0;
            } catch (IllegalArgumentException | BotApi.TelegramException e) {
                System.err.println("hal9: " + e.getMessage());
                return 1;
            }
        }
    }

    /**
     * The agent behind the bot, when a model is configured (a base URL or an API key); else null. Its model runs in
     * the agent's own process ({@link AgentProcess}), started with the agent's settings as the server resolved them.
     *
     * @throws IllegalArgumentException if the agent's jar is missing, saying how to get one
     */
    static BridgeAgent agent(FamilyContext telegram, TelegramSettings settings, Prompts prompts) {
        Optional<String> baseUrl = telegram.setting("orchestrator", "base-url").filter(url -> !url.isBlank());
        String key = System.getenv("HAL9_LLM_API_KEY");
        if (baseUrl.isEmpty() && (key == null || key.isBlank())) {
            return null;
        }
        Path jar = settings.agentJar()
                .orElseThrow(() -> new IllegalArgumentException("the bot's model runs in hal9's agent"
                        + " (agent/target/hal9-agent.jar): start the bridge with './hal9 bridge', which builds it, or"
                        + " set families.telegram.agent-jar"));
        List<String> command = AgentProcess.command(
                jar,
                settings.serverUrl().toString(),
                telegram.dataDirectory().toAbsolutePath().getParent());
        Map<String, String> environment = AgentProcess.environment(name -> telegram.setting("orchestrator", name));
        BearerTokens tokens = telegram.service(BearerTokens.class)
                .orElseThrow(() -> new IllegalStateException("the runtime offers no bearer tokens to the bridge"));
        return new BridgeAgent(
                tokens,
                telegram.serverVersion(),
                questions -> new AgentProcess(command, environment, questions),
                settings.serverUrl(),
                new Links(telegram.state()),
                prompts);
    }

    @Command(
            name = "bridge",
            mixinStandardHelpOptions = true,
            description = {
                "Run the Telegram bot (long polling). The token comes from HAL9_TELEGRAM_BOT_TOKEN.",
                "With a model configured (families.orchestrator.*, HAL9_LLM_API_KEY), its turns run in hal9's agent,"
                        + " a process it starts from families.telegram.agent-jar ('./hal9 bridge' builds and sets it)."
            })
    static final class Bridge implements Callable<Integer> {
        private final Supplier<FamilyContext> context;

        Bridge(Supplier<FamilyContext> context) {
            this.context = context;
        }

        @Option(
                names = "--webhook",
                paramLabel = "URL",
                description = "Webhook mode: the public HTTPS URL Telegram posts updates to (a reverse proxy to "
                        + "--listen); the secret comes from HAL9_TELEGRAM_WEBHOOK_SECRET. Default: long polling.")
        java.net.URI webhook;

        @Option(
                names = "--listen",
                paramLabel = "HOST:PORT",
                defaultValue = "127.0.0.1:8443",
                description = "Where the webhook listener binds (default ${DEFAULT-VALUE}).")
        String listen;

        @Override
        public Integer call() throws Exception {
            String token = System.getenv("HAL9_TELEGRAM_BOT_TOKEN");
            if (token == null || token.isBlank()) {
                System.err.println("hal9: set HAL9_TELEGRAM_BOT_TOKEN to the token BotFather gave you");
                return 2;
            }
            FamilyContext telegram = context.get();
            TelegramSettings settings = TelegramSettings.from(telegram);
            String base = settings.apiBase();
            int poll = (int) settings.poll().toSeconds();
            InstantSource clock = InstantSource.system(); // the one clock of this process
            Prompts prompts = new Prompts(new BotApi(base, token, Duration.ofSeconds(10)));
            BridgeAgent agent;
            try {
                agent = agent(telegram, settings, prompts);
            } catch (IllegalArgumentException e) {
                System.err.println("hal9: " + e.getMessage());
                return 2;
            }
            TelegramBot bot = new TelegramBot(
                    new BotApi(base, token, Duration.ofSeconds(10)),
                    new Links(telegram.state()),
                    agent,
                    subscriptions(telegram, clock),
                    prompts,
                    new TelegramBot.Options(poll, settings.ratePerMinute(), settings.openAccess()),
                    clock);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                bot.close();
                if (agent != null) {
                    agent.close();
                }
            }));
            String mode = agent == null ? " (no model configured: linking and commands only)" : "";
            if (webhook != null) {
                int colon = listen.lastIndexOf(':');
                BotApi api = new BotApi(base, token, Duration.ofSeconds(10));
                try (Webhook hook = new Webhook(
                        api,
                        bot,
                        webhook,
                        new java.net.InetSocketAddress(
                                listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))),
                        System.getenv("HAL9_TELEGRAM_WEBHOOK_SECRET"))) {
                    System.out.println("hal9 bridge listening on " + hook.address() + " for " + webhook + mode);
                    System.out.flush();
                    new java.util.concurrent.CountDownLatch(1).await(); // until the process is stopped
                } catch (IllegalArgumentException e) {
                    System.err.println("hal9: " + e.getMessage() + " (HAL9_TELEGRAM_WEBHOOK_SECRET)");
                    return 2;
                }
            } else {
                System.out.println("hal9 bridge polling " + base + " for updates" + mode);
                System.out.flush();
                bot.run();
            }
            return 0;
        }
    }
}
