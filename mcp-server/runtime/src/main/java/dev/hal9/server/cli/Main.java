package dev.hal9.server.cli;

import dev.hal9.api.Tool;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.ToolAdapter;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.http.HttpServer;
import dev.hal9.server.http.OAuthResource;
import dev.hal9.server.secrets.Secrets;
import dev.hal9.server.store.Store;
import dev.hal9.server.store.TokenStore;
import dev.hal9.server.transport.StdioHandshake;
import dev.hal9.server.transport.StdioStart;
import dev.hal9.server.transport.StdioTransport;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code hal9} command line. */
@Command(
        name = "hal9",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "An MCP tool server that gives LLM agents a browser, wallets, contracts and shopping.%n",
        footer = {
            "%nExamples:",
            "  hal9 serve                      Streamable HTTP on http://127.0.0.1:8931/mcp",
            "  hal9 serve --stdio              for clients that start the server (Claude, IDEs)",
            "  hal9 serve --http 0.0.0.0:8931 --auth token",
            "  hal9 serve --auth oauth         behind a TLS proxy, for claude.ai/ChatGPT (server.oauth.* in hal9.yaml)",
            "  hal9 token create --principal alice --capability '*'",
            "  hal9 wallet create --principal alice --label savings",
            "  hal9 payments                   payments waiting for a person; then hal9 approve pay_...",
            "  hal9 login amazon --principal alice   the user's own store sign-in for the shopping tools",
            "  hal9 telegram link --principal alice  a code the user sends to the bot as /start CODE",
            "  hal9 bridge                     run the Telegram bot (HAL9_TELEGRAM_BOT_TOKEN)",
            "  hal9 chat                       a terminal chat: an LLM (HAL9_LLM_API_KEY) using this server's tools",
            "                                  (./hal9 runs it from the agent's own jar, agent/target/hal9-agent.jar)",
            "  hal9 install claude-desktop     add hal9 to Claude Desktop, Cursor or VS Code (shows the diff first)",
            "%nConfiguration: hal9.yaml (./ or $XDG_CONFIG_HOME/hal9/) and HAL9_* variables; see README.md."
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("h2.bindAddress", "127.0.0.1");
        configureLogging(false);
        Serve serve = Serve.serveLine(args);
        int code = serve != null ? serve.serveWithoutPicocli() : execute(args);
        System.exit(code);
    }

    /**
     * The runtime's own subcommands, in the order {@code hal9 --help} lists them; the families' commands
     * ({@link FamilyCommands}) follow the first {@link #BEFORE_FAMILIES} of them.
     */
    static final List<Class<?>> COMMANDS = List.of(
            Serve.class,
            Tools.class,
            Tokens.class,
            Payments.class,
            Payments.Approve.class,
            Payments.Decline.class,
            Install.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class);

    private static final int BEFORE_FAMILIES = 6;

    /** Parses and runs one command line, then closes whatever a family's command opened. */
    static int execute(String... arguments) {
        if (arguments.length > 0 && arguments[0].equals("chat")) {
            System.err.println("hal9: 'hal9 chat' runs in a process of its own, outside the server: use the launcher "
                    + "(./hal9 chat) or java -jar agent/target/hal9-agent.jar chat");
            return 2;
        }
        List<FamilyCommands.Contributed> contributed = new ArrayList<>();
        try {
            return commandLine(contributed, arguments).execute(arguments);
        } finally {
            contributed.forEach(command -> command.context().close());
        }
    }

    /** The whole command line, every subcommand in it (for help and tests). */
    static CommandLine commandLine() {
        return commandLine(COMMANDS, FamilyCommands.load());
    }

    /**
     * The command line {@code arguments} need. Picocli reflects over every command it is given before it parses
     * anything (about a third of the time to a stdio server's first answer, cold); a line that starts with one of
     * the runtime's own subcommands needs only that one. Anything else (a family's command, no command, an option,
     * {@code help}, a typo that picocli should answer with its suggestions) gets them all.
     */
    static CommandLine commandLine(String... arguments) {
        return commandLine(new ArrayList<>(), arguments);
    }

    private static CommandLine commandLine(List<FamilyCommands.Contributed> contributed, String... arguments) {
        if (arguments.length > 0 && !arguments[0].equals("help")) {
            for (Class<?> command : COMMANDS) {
                if (arguments[0].equals(command.getAnnotation(Command.class).name())) {
                    return commandLine(List.of(command), List.of());
                }
            }
        }
        contributed.addAll(FamilyCommands.load());
        return commandLine(COMMANDS, contributed);
    }

    private static CommandLine commandLine(List<Class<?>> commands, List<FamilyCommands.Contributed> contributed) {
        CommandLine line = new CommandLine(new Main());
        for (int i = 0; i < commands.size(); i++) {
            if (i == BEFORE_FAMILIES) {
                contributed.forEach(command -> line.addSubcommand(command.name(), FamilyCommands.line(command)));
            }
            line.addSubcommand(commands.get(i));
        }
        if (commands.size() <= BEFORE_FAMILIES) {
            contributed.forEach(command -> line.addSubcommand(command.name(), FamilyCommands.line(command)));
        }
        // after the subcommands, which picocli's setters reach only once they are added
        return line.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler(Main::failed);
    }

    /**
     * What a command that failed prints: settings that cannot be used are one line each (key, value, what is
     * allowed), and so is any other refusal of an argument or setting; a stack trace helps nobody who mistyped a
     * port. With -v the trace follows; anything else is a bug and keeps picocli's full report.
     */
    private static int failed(Exception failure, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        return failed(failure, command.getErr());
    }

    private static int failed(Exception failure, PrintWriter err) throws Exception {
        if (failure instanceof Settings.Invalid invalid) {
            invalid.problems().forEach(problem -> err.println("hal9: " + problem));
        } else if (failure instanceof IllegalArgumentException) {
            err.println("hal9: " + failure.getMessage());
        } else {
            throw failure;
        }
        if (java.util.logging.Logger.getLogger("").isLoggable(Level.FINE)) {
            failure.printStackTrace(err);
        }
        err.flush();
        return 2;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: serve, tools, token or version");
    }

    /** Options every command that opens the server's state shares. */
    static final class Common {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "A hal9.yaml to use instead of ./hal9.yaml or $XDG_CONFIG_HOME/hal9/hal9.yaml.")
        Path config;

        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                description = "Where the database and files live (default $XDG_DATA_HOME/hal9).")
        Path dataDir;

        @Option(
                names = {"-v", "--verbose"},
                description = "Log debug detail to stderr.")
        boolean verbose;

        Settings settings(Map<String, String> overrides) {
            Map<String, String> all = new HashMap<>(overrides);
            if (dataDir != null) {
                all.put("data-dir", dataDir.toString());
            }
            configureLogging(verbose);
            Settings settings = Settings.load(config, System.getenv(), all);
            settings.warnings().forEach(warning -> System.err.println("hal9: warning: " + warning));
            return settings;
        }
    }

    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = {
                "Serve MCP over Streamable HTTP (the default) or stdio.",
                "HTTP: /mcp, the legacy HTTP+SSE pair /sse and /message, /health and /metrics;",
                "by default on http://127.0.0.1:8931."
            })
    static final class Serve implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Common common = new Common();

        @Option(
                names = "--stdio",
                description = "Serve one client over stdin/stdout (protocol only on stdout, logs on stderr).")
        boolean stdio;

        @Option(
                names = "--http",
                paramLabel = "[HOST:]PORT",
                description = "Serve Streamable HTTP here (default 127.0.0.1:8931; port 0 picks a free one).")
        String http;

        @Option(
                names = "--auth",
                paramLabel = "MODE",
                description =
                        "none (loopback only), token (bearer tokens from 'hal9 token create') or oauth (OAuth 2.1 "
                                + "access tokens of server.oauth.issuer, and hal9 tokens). Default: server.auth, none.")
        HttpServer.Auth auth;

        @Option(
                names = "--conformance-fixtures",
                description = "Also serve the tools, prompts and resources the official MCP conformance suite calls "
                        + "(test code from conformance-tests, on the class path beside the jar).")
        boolean conformanceFixtures;

        /**
         * A plain {@code serve} line: the one an MCP client runs at every start ({@code serve --stdio} with the
         * options {@code hal9 install} and the README write: {@code --data-dir}, {@code --config}, {@code -v},
         * {@code --conformance-fixtures}) and an HTTP server's ({@code --http [HOST:]PORT}, {@code --auth MODE}), read
         * without picocli: its reflective model of the commands took a fifth of the time to a stdio client's first
         * answer and a sixth of an HTTP server's time to its first /health. Null for any other line, and for anything
         * unusual in this one (a repeated or empty option, a value that looks like an option or is not one the option
         * takes, --stdio with --http, help): picocli parses and answers those. CommandLineTest checks that both read
         * such lines alike.
         */
        static Serve serveLine(String[] arguments) {
            if (arguments.length < 1 || !arguments[0].equals("serve")) {
                return null;
            }
            Serve serve = new Serve();
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 1; i < arguments.length; i++) {
                String argument = arguments[i];
                int equals = argument.startsWith("--") ? argument.indexOf('=') : -1;
                String name = equals > 0 ? argument.substring(0, equals) : argument;
                String value = equals > 0 ? argument.substring(equals + 1) : null;
                String option = name.equals("-v") ? "--verbose" : name;
                if (!seen.add(option)) {
                    return null;
                }
                switch (option) {
                    case "--stdio", "--verbose", "--conformance-fixtures" -> {
                        if (value != null) {
                            return null;
                        }
                        switch (option) {
                            case "--stdio" -> serve.stdio = true;
                            case "--verbose" -> serve.common.verbose = true;
                            default -> serve.conformanceFixtures = true;
                        }
                    }
                    case "--data-dir", "--config" -> {
                        if (value == null) {
                            if (i + 1 == arguments.length) {
                                return null;
                            }
                            value = arguments[++i];
                        }
                        if (value.isEmpty() || value.startsWith("-")) {
                            return null;
                        }
                        Path path;
                        try {
                            path = Path.of(value);
                        } catch (java.nio.file.InvalidPathException e) {
                            return null;
                        }
                        if (option.equals("--data-dir")) {
                            serve.common.dataDir = path;
                        } else {
                            serve.common.config = path;
                        }
                    }
                    case "--http", "--auth" -> {
                        if (value == null) {
                            if (i + 1 == arguments.length) {
                                return null;
                            }
                            value = arguments[++i];
                        }
                        if (option.equals("--http")) {
                            if (!PLAIN_HTTP.matcher(value).matches()
                                    || Integer.parseInt(value.substring(value.lastIndexOf(':') + 1)) > 65535) {
                                return null;
                            }
                            serve.http = value;
                        } else {
                            HttpServer.Auth mode = null;
                            for (HttpServer.Auth constant : HttpServer.Auth.values()) {
                                if (constant.name().equalsIgnoreCase(value)) {
                                    mode = constant;
                                }
                            }
                            if (mode == null) {
                                return null;
                            }
                            serve.auth = mode;
                        }
                    }
                    default -> {
                        return null;
                    }
                }
            }
            return serve.stdio && serve.http != null ? null : serve;
        }

        /** An --http value the plain line takes: an IPv4 address or a name, a colon, and up to five digits. */
        private static final java.util.regex.Pattern PLAIN_HTTP =
                java.util.regex.Pattern.compile("(?:[A-Za-z0-9.-]+:)?[0-9]{1,5}");

        /** Runs a line {@link #serveLine} read, and prints its errors as picocli's handler does. */
        int serveWithoutPicocli() {
            PrintWriter err = new PrintWriter(System.err, true);
            try {
                return call();
            } catch (Exception e) {
                try {
                    return failed(e, err);
                } catch (Exception bug) {
                    bug.printStackTrace(err);
                    return 1;
                }
            }
        }

        @Override
        public Integer call() throws Exception {
            if (stdio && http != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "choose --stdio or --http, not both");
            }
            Settings settings = common.settings(Map.of());
            if (stdio) {
                return serveStdio(settings);
            }
            String host = settings.string("server.host");
            int port = settings.integer("server.port");
            if (http != null) {
                int colon = http.lastIndexOf(':');
                String portText = colon < 0 ? http : http.substring(colon + 1);
                if (colon > 0) {
                    host = http.substring(0, colon).replace("[", "").replace("]", "");
                }
                try {
                    port = Integer.parseInt(portText);
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--http takes [HOST:]PORT such as 127.0.0.1:8931, not '" + http + "'");
                }
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.ParameterException(spec.commandLine(), "port must be 0 to 65535, not " + port);
            }
            HttpServer.Auth mode = auth != null ? auth : settings.choice("server.auth", HttpServer.Auth.class);
            if (mode == HttpServer.Auth.OAUTH) {
                // before anything starts, so each problem of server.oauth.* is its own line
                OAuthResource.Config.from(settings);
            }
            if (port != 0) {
                try {
                    HttpServer.requirePortFree(host, port);
                } catch (HttpServer.PortInUse e) {
                    System.err.println("hal9: " + e.getMessage());
                    return 1;
                }
            }
            Hal9 hal9 = new Hal9(settings, System.getenv(), conformanceFixtures, true);
            HttpServer server;
            try {
                server = HttpServer.start(hal9, host, port, mode);
            } catch (IllegalArgumentException e) {
                hal9.close();
                System.err.println("hal9: " + e.getMessage());
                return 2;
            } catch (HttpServer.PortInUse e) {
                hal9.close();
                System.err.println("hal9: " + e.getMessage());
                return 1;
            } catch (RuntimeException e) {
                hal9.close();
                System.err.println("hal9: cannot serve on " + host + ":" + port + ": " + e.getMessage());
                return 1;
            }
            // tests and scripts read the actual port from this line on stderr
            hal9.startGuard();
            System.err.println("hal9 listening on http://" + host + ":" + server.port() + "/mcp");
            // Start-up (the families, H2 and Flyway, Helidon) leaves tens of MB of garbage in a heap grown for it, and
            // an idle server may not collect for hours: one collection once the store is open hands that memory back
            // (MaxHeapFreeRatio in the launcher), so an idle 'serve' stays small.
            Thread.ofVirtual().name("hal9-after-start").start(() -> {
                try {
                    hal9.store().awaitOpen();
                } catch (RuntimeException e) {
                    return; // the store's own error is reported where it is used
                }
                System.gc();
            });
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                hal9.close();
                stop.countDown();
            }));
            stop.await();
            return 0;
        }

        /** The jar (or classes folder) this server runs from: part of the handshake cache's key. */
        private static Path build() {
            try {
                return Path.of(Main.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
            } catch (java.net.URISyntaxException | RuntimeException e) {
                return Path.of("unknown");
            }
        }

        private int serveStdio(Settings settings) {
            // Nothing but protocol may reach stdout: keep the real one for the transport and point System.out
            // at stderr for any library that prints.
            OutputStream protocol = new FileOutputStream(FileDescriptor.out);
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
            // The server is built on another thread while this one reads the client and answers its handshake from
            // what the same build and settings answered before (StdioHandshake): the client's wait is then the
            // JVM's start and a file's read, not the families' and the SDK's first use of everything.
            Map<String, String> environment = System.getenv();
            StdioHandshake handshake = StdioHandshake.load(
                    settings.dataDirectory(environment).resolve("cache").resolve("handshake-stdio.txt"),
                    StdioHandshake.key(
                            build(),
                            settings.fingerprint(),
                            environment.getOrDefault("USER", ""),
                            String.valueOf(conformanceFixtures)));
            AtomicReference<Hal9> built = new AtomicReference<>();
            CompletableFuture<StdioTransport> server = new CompletableFuture<>();
            Thread.ofPlatform().name("hal9-start").daemon().start(() -> {
                try {
                    Hal9 hal9 = new Hal9(settings, environment, conformanceFixtures);
                    built.set(hal9);
                    hal9.reachableAt("stdio");
                    StdioTransport transport = new StdioTransport(
                            InputStream.nullInputStream(),
                            protocol,
                            hal9.localPrincipal(),
                            hal9.cancellations(),
                            hal9.unknownTools(),
                            hal9::modern);
                    transport.keepHandshake(handshake);
                    hal9.serve(transport);
                    // the store and the guard's worker wait for the client's first listing: H2 and Flyway would
                    // otherwise share the machine with the handshake
                    transport.afterHandshake(hal9::startDeferred);
                    transport.start();
                    server.complete(transport);
                } catch (Throwable e) {
                    server.completeExceptionally(e);
                }
            });
            try {
                new StdioStart(System.in, protocol, handshake).run(server);
            } finally {
                Hal9 hal9 = built.get();
                if (hal9 != null) {
                    hal9.close();
                }
            }
            return 0;
        }
    }

    @Command(name = "tools", mixinStandardHelpOptions = true, description = "List the tools this server offers.")
    static final class Tools implements Callable<Integer> {
        @CommandLine.Mixin
        Common common = new Common();

        @Option(names = "--json", description = "Print the MCP tool descriptions (as tools/list returns them) as JSON.")
        boolean json;

        @Option(names = "--markdown", description = "Print the README's tool table.")
        boolean markdown;

        @Override
        public Integer call() {
            Settings settings = common.settings(Map.of());
            try (Hal9 hal9 = new Hal9(settings, System.getenv(), false)) {
                List<Tool<?, ?>> tools = hal9.tools();
                if (json) {
                    System.out.println(Json.MAPPER
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsString(
                                    tools.stream().map(ToolAdapter::describe).toList()));
                } else if (markdown) {
                    System.out.print(toolTable(hal9.declaredTools(), hal9.enabledCapabilities()));
                } else {
                    for (Tool<?, ?> tool : tools) {
                        System.out.printf(
                                "%-22s %-12s %-10s %s%n",
                                tool.name(),
                                tool.kind().name().toLowerCase(Locale.ROOT),
                                tool.capability(),
                                tool.title());
                    }
                    if (!hal9.disabledCapabilities().isEmpty()) {
                        System.out.println("\nDisabled capabilities (enable in hal9.yaml capabilities.enabled): "
                                + hal9.disabledCapabilities());
                    }
                }
            }
            return 0;
        }
    }

    /**
     * The README's tool table, generated from the registry so that it cannot drift: every tool, with those whose
     * capability is off by default marked so.
     */
    static String toolTable(List<Tool<?, ?>> tools, java.util.Set<String> enabled) {
        StringBuilder table = new StringBuilder("| tool | kind | capability | what it does |\n|---|---|---|---|\n");
        for (Tool<?, ?> tool : tools) {
            String first = tool.description().split("(?<=\\.)\\s", 2)[0];
            table.append("| `")
                    .append(tool.name())
                    .append("` | ")
                    .append(tool.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .append(" | `")
                    .append(tool.capability())
                    .append(enabled.contains(tool.capability()) ? "` | " : "` (off by default) | ")
                    .append(first.replace("|", "\\|"))
                    .append(" |\n");
        }
        return table.toString();
    }

    @Command(
            name = "token",
            mixinStandardHelpOptions = true,
            description = "Manage bearer tokens for 'serve --auth token'. Secrets are stored hashed and shown once.",
            subcommands = {Tokens.Create.class, Tokens.ListTokens.class, Tokens.Revoke.class})
    static final class Tokens implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "name a token command: create, list or revoke");
        }

        @Command(
                name = "create",
                mixinStandardHelpOptions = true,
                description = "Create a token and print its secret once.")
        static final class Create implements Callable<Integer> {
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @CommandLine.Mixin
            Common common = new Common();

            @Option(
                    names = "--principal",
                    required = true,
                    paramLabel = "ID",
                    description = "Who the token stands for; handles are owned per principal.")
            String principal;

            @Option(
                    names = "--capability",
                    paramLabel = "CAP",
                    split = ",",
                    description =
                            "A capability the token grants (repeat or comma-separate; '*' for all enabled). Default: *.")
            List<String> capabilities = new ArrayList<>(List.of("*"));

            @Option(
                    names = "--name",
                    paramLabel = "TEXT",
                    description = "A note to recognise the token by in 'token list'.")
            String name = "";

            @Override
            public Integer call() {
                if (principal.isBlank() || principal.length() > 200) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--principal must be 1 to 200 characters");
                }
                if (principal.startsWith(OAuthResource.PRINCIPAL_PREFIX)) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(),
                            "--principal must not start with '" + OAuthResource.PRINCIPAL_PREFIX + "': those are the "
                                    + "subjects of OAuth access tokens (serve --auth oauth)");
                }
                try (Store store = openStore(common)) {
                    TokenStore.NewToken token = store.tokens().create(principal, name, Set.copyOf(capabilities));
                    System.err.println("Created token " + token.id() + " for " + principal + " with " + capabilities
                            + ". Its secret follows; it is shown only this once:");
                    System.out.println(token.secret());
                }
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
        static final class ListTokens implements Callable<Integer> {
            @CommandLine.Mixin
            Common common = new Common();

            @Override
            public Integer call() {
                try (Store store = openStore(common)) {
                    List<TokenStore.TokenInfo> tokens = store.tokens().list();
                    if (tokens.isEmpty()) {
                        System.out.println("no tokens; create one with 'hal9 token create --principal NAME'");
                    }
                    for (TokenStore.TokenInfo token : tokens) {
                        System.out.printf(
                                "%-18s %-16s %-24s %-8s created %s%s%n",
                                token.id(),
                                token.principal(),
                                String.join(",", token.capabilities()),
                                token.revokedAt() == null ? "active" : "revoked",
                                Instant.ofEpochMilli(token.createdAt()),
                                token.name().isEmpty() ? "" : "  " + token.name());
                    }
                }
                return 0;
            }
        }

        @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by its id (tok_...).")
        static final class Revoke implements Callable<Integer> {
            @CommandLine.Mixin
            Common common = new Common();

            @Parameters(paramLabel = "ID", description = "The token's id as 'token list' shows it.")
            String id;

            @Override
            public Integer call() {
                try (Store store = openStore(common)) {
                    if (store.tokens().revoke(id)) {
                        System.out.println("revoked " + id);
                        return 0;
                    }
                    System.err.println("hal9: no active token " + id + "; see 'hal9 token list'");
                    return 1;
                }
            }
        }

        static Store openStore(Common common) {
            Settings settings = common.settings(Map.of());
            return Store.open(settings, settings.dataDirectory(System.getenv()), System::currentTimeMillis)
                    .awaitOpen();
        }
    }

    @Command(name = "version", description = "Print hal9's version.")
    static final class VersionCommand implements Runnable {
        @Override
        public void run() {
            System.out.println("hal9 " + Hal9.VERSION + " (MCP " + String.join(", ", Hal9.PROTOCOLS) + "; Java "
                    + Runtime.version() + ")");
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hal9 " + Hal9.VERSION};
        }
    }

    private static final List<java.util.logging.Logger> QUIET = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** One line per record on stderr: time, level, logger, message. */
    static void configureLogging(boolean verbose) {
        LogManager.getLogManager().reset();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler(); // writes to System.err
        handler.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
                logger = logger.substring(logger.lastIndexOf('.') + 1);
                StringBuilder line = new StringBuilder()
                        .append(Instant.ofEpochMilli(record.getMillis()))
                        .append(' ')
                        .append(record.getLevel().getName())
                        .append(' ')
                        .append(logger)
                        .append(": ")
                        .append(formatMessage(record))
                        .append('\n');
                if (record.getThrown() != null) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                    line.append(trace);
                }
                // the one way out for every logger: a secret in a message or a stack trace stops here (-v logs
                // whole MCP messages)
                return Secrets.redact(line.toString());
            }
        });
        root.addHandler(handler);
        root.setLevel(verbose ? Level.FINE : Level.INFO);
        // chatty libraries stay at warnings unless asked
        QUIET.clear();
        for (String name :
                List.of("org.flywaydb", "io.helidon", "io.modelcontextprotocol", "org.jdbi", "com.zaxxer.hikari")) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            logger.setLevel(verbose ? Level.FINE : Level.WARNING);
            QUIET.add(logger); // JUL holds loggers weakly: a collected one would forget its level
        }
    }
}
