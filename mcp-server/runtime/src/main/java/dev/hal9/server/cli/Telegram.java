package dev.hal9.server.cli;

import dev.hal9.bridge.BotApi;
import dev.hal9.bridge.Links;
import dev.hal9.bridge.TelegramBot;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.store.Store;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hal9 telegram link} and {@code hal9 bridge}: the Telegram side of hal9. */
public final class Telegram {

    private Telegram() {}

    @Command(
            name = "telegram",
            mixinStandardHelpOptions = true,
            description = "Link Telegram chats to principals.",
            subcommands = {Link.class, Refund.class})
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
        @Mixin
        Main.Common common = new Main.Common();

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
            try (Store store = Main.Tokens.openStore(common)) {
                Links links = new Links(store.familyState("telegram"));
                for (String principal : principals) {
                    String code = links.newCode(principal, Duration.ofMinutes(minutes));
                    System.out.println(principals.size() == 1 ? code : principal + " " + code);
                }
            }
            return 0;
        }
    }

    public static dev.hal9.bridge.Subscriptions subscriptions(Settings settings, Store store) {
        return subscriptions(settings, store, InstantSource.system());
    }

    static dev.hal9.bridge.Subscriptions subscriptions(Settings settings, Store store, InstantSource clock) {
        return new dev.hal9.bridge.Subscriptions(
                store.familyState("telegram"),
                Integer.parseInt(
                        settings.family("telegram", "subscription.stars").orElse("0")),
                clock);
    }

    @Command(
            name = "refund",
            mixinStandardHelpOptions = true,
            description = "Refund a user's last Telegram Stars payment and end their subscription.")
    static final class Refund implements Callable<Integer> {
        @Mixin
        Main.Common common = new Main.Common();

        @Option(names = "--principal", required = true, paramLabel = "ID", description = "Whose payment.")
        String principal;

        @Override
        public Integer call() {
            String token = System.getenv("HAL9_TELEGRAM_BOT_TOKEN");
            if (token == null || token.isBlank()) {
                System.err.println("hal9: set HAL9_TELEGRAM_BOT_TOKEN to the bot's token");
                return 2;
            }
            Settings settings = common.settings(Map.of());
            String base = settings.family("telegram", "api-base").orElse("https://api.telegram.org");
            try (Store store = Main.Tokens.openStore(common)) {
                String charge = subscriptions(settings, store)
                        .refund(new BotApi(base, token, Duration.ofSeconds(10)), principal);
                System.out.println("Refunded " + charge + "; " + principal + "'s subscription has ended.");
                return 0;
            } catch (IllegalArgumentException | BotApi.TelegramException e) {
                System.err.println("hal9: " + e.getMessage());
                return 1;
            }
        }
    }

    /** The orchestrator behind the bot, when a model is configured (a base URL or an API key); else null. */
    static BridgeAgent agent(Settings settings, Store store, dev.hal9.bridge.Prompts prompts) {
        java.util.Optional<String> baseUrl = settings.family("orchestrator", "base-url");
        String key = System.getenv("HAL9_LLM_API_KEY");
        if (baseUrl.isEmpty() && (key == null || key.isBlank())) {
            return null;
        }
        dev.hal9.orchestrator.ChatModel model =
                dev.hal9.orchestrator.ChatModels.from(name -> settings.family("orchestrator", name), key);
        return new BridgeAgent(
                store,
                model,
                java.net.URI.create(settings.family("telegram", "server-url").orElse("http://127.0.0.1:8931/mcp")),
                Integer.parseInt(settings.family("orchestrator", "max-steps").orElse("8")),
                Integer.parseInt(settings.family("orchestrator", "token-budget").orElse("20000")),
                settings.family("orchestrator", "mcp-servers")
                        .filter(f -> !f.isBlank())
                        .map(f -> dev.hal9.orchestrator.McpServers.load(java.nio.file.Path.of(f), Hal9.VERSION))
                        .orElse(List.of()),
                new Links(store.familyState("telegram")),
                prompts);
    }

    @Command(
            name = "bridge",
            mixinStandardHelpOptions = true,
            description = "Run the Telegram bot (long polling). The token comes from HAL9_TELEGRAM_BOT_TOKEN.")
    static final class Bridge implements Callable<Integer> {
        @Mixin
        Main.Common common = new Main.Common();

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
            Settings settings = common.settings(Map.of());
            String base = settings.family("telegram", "api-base").orElse("https://api.telegram.org");
            int poll =
                    Integer.parseInt(settings.family("telegram", "poll-seconds").orElse("25"));
            InstantSource clock = InstantSource.system(); // the one clock of this process
            try (Store store = Main.Tokens.openStore(common)) {
                dev.hal9.bridge.Prompts prompts =
                        new dev.hal9.bridge.Prompts(new BotApi(base, token, Duration.ofSeconds(10)));
                BridgeAgent agent = agent(settings, store, prompts);
                TelegramBot bot = new TelegramBot(
                        new BotApi(base, token, Duration.ofSeconds(10)),
                        new Links(store.familyState("telegram")),
                        agent,
                        subscriptions(settings, store, clock),
                        prompts,
                        new TelegramBot.Options(
                                poll,
                                Integer.parseInt(settings.family("telegram", "rate-per-minute")
                                        .orElse("20")),
                                Boolean.parseBoolean(settings.family("telegram", "open-access")
                                        .orElse("false"))),
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
                    try (dev.hal9.bridge.Webhook hook = new dev.hal9.bridge.Webhook(
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
            }
            return 0;
        }
    }
}
