package dev.hal9.agent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The hal9 agent's command line ({@code java -jar hal9-agent.jar chat ...}; the {@code ./hal9} launcher runs it for
 * {@code hal9 chat}). A process of its own: it talks to the hal9 server over MCP and shares no code or jar with it.
 */
@Command(
        name = "hal9",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "hal9's agent: an LLM (Spring AI) using a hal9 server's tools over MCP.%n",
        subcommands = {ChatCommand.class, TurnsCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    static final String VERSION = Optional.ofNullable(Main.class.getPackage().getImplementationVersion())
            .orElse("dev");

    /** JUL holds loggers weakly: the configured ones are kept here so they keep their levels. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // the embedded store's AUTO_SERVER port listens on loopback only
        System.setProperty("h2.bindAddress", "127.0.0.1");
        configureLogging(false, null, null);
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "name a command: chat (or turns, which the Telegram bridge runs)");
    }

    /** Prints {@code hal9 VERSION}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hal9 " + VERSION};
        }
    }

    /**
     * Logs go to stderr, warnings and worse only unless {@code verbose}; a stack trace is printed only with
     * {@code verbose} (a user who mistyped a URL needs the one line, not the trace). The secrets given never
     * reach a log line.
     */
    static void configureLogging(boolean verbose, String... secrets) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler(); // System.err
        handler.setLevel(verbose ? Level.FINE : Level.WARNING);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
                StringBuilder line = new StringBuilder()
                        .append(Instant.ofEpochMilli(record.getMillis()))
                        .append(' ')
                        .append(record.getLevel().getName())
                        .append(' ')
                        .append(logger.substring(logger.lastIndexOf('.') + 1))
                        .append(": ")
                        .append(formatMessage(record))
                        .append('\n');
                if (verbose && record.getThrown() != null) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                    line.append(trace);
                }
                String text = line.toString();
                for (String secret : secrets) {
                    if (secret != null && secret.strip().length() >= 4) {
                        text = text.replace(secret.strip(), "[secret]");
                    }
                }
                return text;
            }
        });
        root.addHandler(handler);
        root.setLevel(verbose ? Level.FINE : Level.WARNING);
        CONFIGURED.clear();
        CONFIGURED.add(root);
    }
}
