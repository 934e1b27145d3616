package dev.hal9.api.testkit;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Principal;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.internal.CallObserver;
import dev.hal9.api.internal.Cancellations;
import dev.hal9.api.internal.FamilyDefaults;
import dev.hal9.api.internal.FamilyTables;
import dev.hal9.api.internal.InMemoryHandles;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import dev.hal9.api.internal.ToolAdapter;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;
import reactor.core.publisher.Mono;

/**
 * An in-process MCP server holding some tool families, and real Java SDK clients connected to it, so a
 * family's tests call its tools through MCP, JSON on the wire included. Handles live in memory. Not
 * thread-safe to build; the clients it hands out are the SDK's (thread-safe).
 *
 * <pre>{@code
 * try (var kit = McpTestKit.of(new BrowserFamily())) {
 *     McpSyncClient alice = kit.client("alice");
 *     var result = alice.callTool(new CallToolRequest("browser_session", Map.of("action", "open")));
 * }
 * }</pre>
 */
public final class McpTestKit implements AutoCloseable {

    private final List<Tool<?, ?>> tools = new ArrayList<>();
    private final List<dev.hal9.api.Resource> resources = new ArrayList<>();
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Map<Class<?>, Object> services = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<McpSyncClient> clients = new ArrayList<>();
    private final InMemoryHandles handles;
    private final Cancellations cancellations = new Cancellations();
    private final ToolAdapter adapter;
    private final Path dataDirectory;
    private final Map<String, String> settings;
    private final InstantSource clock;
    /** The families' tables: an H2 file in the kit's folder, opened on the first query and closed with the kit. */
    private final ReentrantLock opening = new ReentrantLock();

    private JdbcConnectionPool pool;
    private final FamilyTables tables = new FamilyTables(this::pool);

    private McpTestKit(
            Path dataDirectory,
            Map<String, String> settings,
            Duration timeout,
            InstantSource clock,
            reactor.core.scheduler.Scheduler timers,
            List<ToolFamily> families) {
        this.settings = Map.copyOf(settings);
        this.clock = clock;
        this.handles = new InMemoryHandles(clock::millis);
        this.adapter = new ToolAdapter(
                Principals::from, handles::of, CallObserver.NONE, cancellations, timeout, 100_000, timers);
        this.dataDirectory = dataDirectory;
        for (ToolFamily family : families) {
            FamilyContext context = context(family);
            tools.addAll(family.tools(context));
            resources.addAll(family.resources(context));
        }
    }

    /** A kit serving these families with default settings and a 60 s call timeout. */
    public static McpTestKit of(ToolFamily... families) {
        return new McpTestKit(
                temporaryDirectory(),
                Map.of(),
                Duration.ofSeconds(60),
                InstantSource.system(),
                PARALLEL,
                List.of(families));
    }

    /** A kit serving these families with settings (keys as in {@link FamilyContext#setting}) and a timeout. */
    public static McpTestKit of(Map<String, String> settings, Duration timeout, ToolFamily... families) {
        return new McpTestKit(
                temporaryDirectory(), settings, timeout, InstantSource.system(), PARALLEL, List.of(families));
    }

    /** A kit whose families read the time from {@code clock}, which the test moves instead of sleeping. */
    public static McpTestKit of(
            Map<String, String> settings, Duration timeout, InstantSource clock, ToolFamily... families) {
        return new McpTestKit(temporaryDirectory(), settings, timeout, clock, PARALLEL, List.of(families));
    }

    /**
     * A kit whose call timeouts run on {@code timers} (reactor-test's {@code VirtualTimeScheduler}, say), so a test
     * advances them instead of waiting for a timeout to pass.
     */
    public static McpTestKit of(
            Map<String, String> settings,
            Duration timeout,
            InstantSource clock,
            reactor.core.scheduler.Scheduler timers,
            ToolFamily... families) {
        return new McpTestKit(temporaryDirectory(), settings, timeout, clock, timers, List.of(families));
    }

    /** Reactor's timer, which a running server's call timeouts use too. */
    private static final reactor.core.scheduler.Scheduler PARALLEL = reactor.core.scheduler.Schedulers.parallel();

    /**
     * A kit whose families keep their files in a given folder, so a second kit on the same folder sees what
     * the first one saved, as a restarted server would.
     */
    public static McpTestKit of(
            Path dataDirectory, Map<String, String> settings, Duration timeout, ToolFamily... families) {
        return new McpTestKit(dataDirectory, settings, timeout, InstantSource.system(), PARALLEL, List.of(families));
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("hal9-testkit");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The tools the families declared. */
    public List<Tool<?, ?>> tools() {
        return List.copyOf(tools);
    }

    /** A new initialized client session for a principal allowed every capability. */
    public McpSyncClient client(String principal) {
        return client(Principal.local(principal));
    }

    /** A new initialized client session for a principal. */
    public McpSyncClient client(Principal principal) {
        return client(principal, spec -> spec);
    }

    /**
     * A new initialized client session for a principal, with the client's specification adjusted first (to
     * receive progress or log notifications, say).
     */
    public McpSyncClient client(Principal principal, UnaryOperator<McpClient.SyncSpec> customize) {
        McpSyncClient client = customize
                .apply(McpClient.sync(serve(principal))
                        .requestTimeout(Duration.ofSeconds(120))
                        .clientInfo(new McpSchema.Implementation("hal9-testkit-client", "test")))
                .build();
        client.initialize();
        clients.add(client);
        return client;
    }

    /**
     * A new initialized asynchronous client session. Its consumers run in the order the server sent the
     * notifications; the synchronous client hands each one to its own worker, so it cannot show that order.
     */
    public McpAsyncClient asyncClient(Principal principal, UnaryOperator<McpClient.AsyncSpec> customize) {
        McpAsyncClient client = customize
                .apply(McpClient.async(serve(principal))
                        .requestTimeout(Duration.ofSeconds(120))
                        .clientInfo(new McpSchema.Implementation("hal9-testkit-client", "test")))
                .build();
        client.initialize().block(Duration.ofSeconds(120));
        closeables.push(() -> client.closeGracefully().block(Duration.ofSeconds(5)));
        return client;
    }

    /** A server session for one principal, and the client half of the transport that reaches it. */
    private ClientTransport serve(Principal principal) {
        Provider provider = new Provider(Principals.context(principal));
        McpAsyncServer server = McpServer.async(provider)
                .serverInfo("hal9-testkit", "test")
                .jsonMapper(Json.MCP)
                // the adapter validates, so that invalid calls are observed like any other
                .validateToolInputs(false)
                .capabilities(McpSchema.ServerCapabilities.builder()
                        .tools(false)
                        .logging()
                        .resources(false, false)
                        .build())
                .tools(tools.stream().map(this::adapt).toList())
                .resourceTemplates(resources.stream().map(adapter::adapt).toList())
                .build();
        closeables.push(() -> server.closeGracefully().block(Duration.ofSeconds(5)));
        return new ClientTransport(provider);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification adapt(Tool<?, ?> tool) {
        return adapter.adapt((Tool) tool);
    }

    @Override
    public void close() {
        clients.forEach(client -> client.closeGracefully());
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                // closing the rest matters more than this one failure
            }
        }
        adapter.close();
        opening.lock();
        try {
            if (pool != null) {
                pool.dispose();
            }
        } finally {
            opening.unlock();
        }
    }

    private JdbcConnectionPool pool() {
        opening.lock();
        try {
            if (pool == null) {
                pool = JdbcConnectionPool.create(
                        "jdbc:h2:file:"
                                + dataDirectory
                                        .resolve(".db")
                                        .resolve("families")
                                        .toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE",
                        "sa",
                        "");
            }
            return pool;
        } finally {
            opening.unlock();
        }
    }

    private FamilyContext context(ToolFamily family) {
        return new FamilyContext() {
            @Override
            public Optional<String> setting(String key) {
                return setting(family.name(), key);
            }

            @Override
            public Optional<String> setting(String section, String key) {
                String value = settings.get(section + "." + key);
                return value != null ? Optional.of(value) : FamilyDefaults.of(section, key);
            }

            @Override
            public InstantSource clock() {
                return clock;
            }

            @Override
            public dev.hal9.api.FamilyState state() {
                // files in the kit's folder, so a second kit on the same folder sees them, as after a restart
                return new FileState(dataDirectory.resolve(".state").resolve(family.name()));
            }

            @Override
            public Jdbi database() {
                // the same migrations as in a server, on H2 in the kit's folder, so a second kit sees the rows
                return tables.jdbi(family.name(), family.getClass().getClassLoader());
            }

            @Override
            public Path dataDirectory() {
                Path folder = dataDirectory.resolve(family.name());
                try {
                    return Files.createDirectories(folder);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public Set<String> enabledCapabilities() {
                return Set.of(Principal.ALL);
            }

            @Override
            public String serverVersion() {
                return "test";
            }

            @Override
            public ServerFacts facts() {
                return new ServerFacts() {
                    @Override
                    public List<String> families() {
                        return List.of(family.name());
                    }

                    @Override
                    public List<String> tools() {
                        return McpTestKit.this.tools.stream().map(Tool::name).toList();
                    }

                    @Override
                    public List<String> transports() {
                        return List.of("in-process");
                    }
                };
            }

            @Override
            public java.util.List<dev.hal9.api.Resource.Content> readResource(String uri, dev.hal9.api.ToolCall call) {
                return dev.hal9.api.internal.Resources.read(resources, uri, call);
            }

            @Override
            public <T> void publish(Class<T> type, T service) {
                if (services.putIfAbsent(type, type.cast(service)) != null) {
                    throw new IllegalStateException("two families publish " + type.getName());
                }
            }

            @Override
            public <T> Optional<T> service(Class<T> type) {
                return Optional.ofNullable(type.cast(services.get(type)));
            }

            @Override
            public void onClose(AutoCloseable resource) {
                closeables.push(resource);
            }
        };
    }

    /** The test kit's family state: one file per principal and key under the kit's folder. */
    private record FileState(Path folder) implements dev.hal9.api.FamilyState {
        @Override
        public Optional<String> get(String principal, String key) {
            Path file = file(principal, key);
            try {
                return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void put(String principal, String key, String value) {
            Path file = file(principal, key);
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, value);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public boolean delete(String principal, String key) {
            try {
                return Files.deleteIfExists(file(principal, key));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private Path file(String principal, String key) {
            String encoded = java.net.URLEncoder.encode(principal, java.nio.charset.StandardCharsets.UTF_8);
            return folder.resolve(encoded)
                    .resolve(java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** The server half: one session per client, with the principal in its transport context. */
    private static final class Provider implements McpServerTransportProvider {
        private final McpTransportContext context;
        private McpServerSession.Factory factory;
        private McpServerSession session;
        private Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> clientHandler;

        Provider(McpTransportContext context) {
            this.context = context;
        }

        @Override
        public void setSessionFactory(McpServerSession.Factory sessionFactory) {
            this.factory = sessionFactory;
        }

        @Override
        public Mono<Void> notifyClients(String method, Object params) {
            return session == null ? Mono.empty() : session.sendNotification(method, params);
        }

        @Override
        public Mono<Void> notifyClient(String sessionId, String method, Object params) {
            return notifyClients(method, params);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return session == null ? Mono.empty() : session.closeGracefully();
        }

        void connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
            this.clientHandler = handler;
            this.session = factory.create(new McpServerTransport() {
                @Override
                public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
                    McpSchema.JSONRPCMessage copy = roundTrip(message);
                    return Mono.fromRunnable(
                            () -> clientHandler.apply(Mono.just(copy)).subscribe());
                }

                @Override
                public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
                    return Json.MCP.convertValue(data, typeRef);
                }

                @Override
                public Mono<Void> closeGracefully() {
                    return Mono.empty();
                }
            });
        }

        Mono<Void> receive(McpSchema.JSONRPCMessage message) {
            return session.handle(roundTrip(message)).contextWrite(ctx -> ctx.put(McpTransportContext.KEY, context));
        }
    }

    /** The client half: every message crosses as JSON text, as it would on a wire. */
    private static final class ClientTransport implements McpClientTransport {
        private final Provider provider;

        ClientTransport(Provider provider) {
            this.provider = provider;
        }

        @Override
        public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
            return Mono.fromRunnable(() -> provider.connect(handler));
        }

        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return Mono.fromRunnable(() -> provider.receive(message).subscribe());
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return Json.MCP.convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }
    }

    private static McpSchema.JSONRPCMessage roundTrip(McpSchema.JSONRPCMessage message) {
        try {
            return McpSchema.deserializeJsonRpcMessage(Json.MCP, Json.MCP.writeValueAsString(message));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
