package dev.hal9.server.cli;

import dev.hal9.api.BearerTokens;
import dev.hal9.api.FamilyContext;
import dev.hal9.api.FamilyState;
import dev.hal9.api.ToolFamily;
import dev.hal9.server.Hal9;
import dev.hal9.server.Settings;
import dev.hal9.server.store.DataDirectory;
import dev.hal9.server.store.Store;
import dev.hal9.server.store.TokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The subcommands the tool families contribute ({@link ToolFamily#commands}). The runtime knows none of them by
 * name: it adds its common options to each and gives it a context for its own family, opened from those options
 * when the command first asks and closed when it returns.
 */
final class FamilyCommands {

    private FamilyCommands() {}

    /** A family's command, with the context its code reads. */
    record Contributed(String name, Object command, Context context) {}

    /** Every family's commands, in the order the families are found. */
    static List<Contributed> load() {
        List<Contributed> all = new ArrayList<>();
        for (ToolFamily family : ServiceLoader.load(ToolFamily.class)) {
            Context context = new Context(family.name(), family.getClass().getClassLoader());
            for (Object command : family.commands(context)) {
                Object annotated = command instanceof CommandLine line ? line.getCommand() : command;
                Command annotation = annotated.getClass().getAnnotation(Command.class);
                if (annotation == null) {
                    throw new IllegalStateException("the " + family.name() + " family's command "
                            + annotated.getClass().getName() + " has no picocli @Command");
                }
                all.add(new Contributed(annotation.name(), command, context));
            }
        }
        return all;
    }

    /** The command as picocli runs it: with the common options on it and on each of its subcommands. */
    static CommandLine line(Contributed contributed) {
        CommandLine line =
                contributed.command() instanceof CommandLine given ? given : new CommandLine(contributed.command());
        addCommonOptions(line, contributed.context());
        return line;
    }

    private static void addCommonOptions(CommandLine line, Context context) {
        Main.Common common = new Main.Common();
        line.addMixin("common", common);
        context.commons.add(common);
        line.getSubcommands().values().forEach(sub -> addCommonOptions(sub, context));
    }

    /**
     * A family's context on the command line. The options that picocli filled in belong to the one command that
     * runs; the others in the tree stay at their defaults, so the first common options with a value win.
     */
    static final class Context implements Supplier<FamilyContext>, AutoCloseable {
        private final String family;
        private final ClassLoader classLoader;
        private final List<Main.Common> commons = new ArrayList<>();
        private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
        private Settings settings;
        private final ReentrantLock opening = new ReentrantLock();
        private volatile Store store;

        Context(String family, ClassLoader classLoader) {
            this.family = family;
            this.classLoader = classLoader;
        }

        private Main.Common common() {
            for (Main.Common common : commons) {
                if (common.config != null || common.dataDir != null || common.verbose) {
                    return common;
                }
            }
            return commons.isEmpty() ? new Main.Common() : commons.get(0);
        }

        private Settings settings() {
            if (settings == null) {
                settings = common().settings(Map.of());
            }
            return settings;
        }

        private Path data() {
            Path data = settings().dataDirectory(System.getenv());
            if (Files.isDirectory(data)) {
                // tightened if it exists; a command that fails must not leave even an empty folder behind
                DataDirectory.secure(data);
            }
            return data;
        }

        /** Opened once, on first use: a command's threads (the bridge's chats) may all ask at once. */
        private Store store() {
            opening.lock();
            try {
                if (store == null) {
                    store = Store.open(settings(), data(), System::currentTimeMillis)
                            .awaitOpen();
                }
                return store;
            } finally {
                opening.unlock();
            }
        }

        private BearerTokens tokens() {
            return new BearerTokens() {
                @Override
                public String mint(String principal, String name, Set<String> capabilities) {
                    return store().tokens()
                            .create(principal, name, capabilities)
                            .secret();
                }

                @Override
                public int revokeNamed(String prefix) {
                    int revoked = 0;
                    for (TokenStore.TokenInfo token : store().tokens().list()) {
                        if (token.revokedAt() == null
                                && token.name() != null
                                && token.name().startsWith(prefix)) {
                            store().tokens().revoke(token.id());
                            revoked++;
                        }
                    }
                    return revoked;
                }
            };
        }

        @Override
        public FamilyContext get() {
            Settings settings = settings();
            return new FamilyContext() {
                @Override
                public Optional<String> setting(String key) {
                    return settings.family(family, key);
                }

                @Override
                public Optional<String> setting(String section, String key) {
                    return settings.family(section, key);
                }

                @Override
                public FamilyState state() {
                    return store().familyState(family);
                }

                @Override
                public Jdbi database() {
                    return store().familyTables(family, classLoader);
                }

                /** The family's folder; not created here, so that a command that fails leaves nothing behind. */
                @Override
                public Path dataDirectory() {
                    return data().resolve(family);
                }

                @Override
                public Set<String> enabledCapabilities() {
                    return settings.list("capabilities.enabled");
                }

                @Override
                public String serverVersion() {
                    return Hal9.VERSION;
                }

                @Override
                public ServerFacts facts() {
                    return new ServerFacts() {
                        @Override
                        public List<String> families() {
                            return List.of();
                        }

                        @Override
                        public List<String> tools() {
                            return List.of();
                        }

                        @Override
                        public List<String> transports() {
                            return List.of();
                        }
                    };
                }

                @Override
                public <T> void publish(Class<T> type, T service) {
                    // nothing on the command line asks for another family's services
                }

                @Override
                public <T> Optional<T> service(Class<T> type) {
                    return type == BearerTokens.class ? Optional.of(type.cast(tokens())) : Optional.empty();
                }

                @Override
                public void onClose(AutoCloseable resource) {
                    closeables.push(resource);
                }
            };
        }

        @Override
        public void close() {
            while (!closeables.isEmpty()) {
                try {
                    closeables.pop().close();
                } catch (Exception e) {
                    System.err.println("hal9: warning: closing " + e.getMessage());
                }
            }
            if (store != null) {
                store.close();
                store = null;
            }
            settings = null;
        }
    }
}
