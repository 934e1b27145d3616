package dev.hal9.server;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Principal;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.internal.Cancellations;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Principals;
import dev.hal9.api.internal.Schemas;
import dev.hal9.api.internal.ToolAdapter;
import dev.hal9.server.guard.LedgerGuard;
import dev.hal9.server.guard.PaymentsFamily;
import dev.hal9.server.guard.Policy;
import dev.hal9.server.store.Store;
import dev.hal9.server.telemetry.Telemetry;
import dev.hal9.server.transport.ModernEra;
import dev.hal9.server.transport.ServerFixtures;
import dev.hal9.server.transport.StdioHandshake;
import dev.hal9.server.transport.StdioTransport;
import dev.hal9.server.transport.UnknownTools;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One hal9 server: the families and their tools, the store, telemetry, and an MCP server per transport built
 * from the same tool list. The CLI and the tests assemble it the same way. Thread-safe once built.
 */
public final class Hal9 implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Hal9.class);

    public static final String VERSION = Optional.ofNullable(
                    Hal9.class.getPackage().getImplementationVersion())
            .orElse("0.1.0-dev");

    /** The protocol revisions hal9 speaks, oldest first. */
    public static final List<String> PROTOCOLS = List.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");

    private final Settings settings;
    /** The one clock of the server: the store, the guard and every family read the time from it. */
    private final InstantSource clock;

    /** The conformance suite's fixtures (test code), when serve --conformance-fixtures asked for them; else null. */
    private final ServerFixtures fixtures;

    private final Store store;
    private final Telemetry telemetry;
    private final Cancellations cancellations = new Cancellations();
    private final ToolAdapter adapter;
    private final List<ToolFamily> families = new ArrayList<>();
    private final List<Tool<?, ?>> tools = new ArrayList<>();
    /** Every tool the families declared, offered or not, in listing order. */
    private final List<Tool<?, ?>> declaredTools = new ArrayList<>();

    private final List<dev.hal9.api.Resource> resources = new ArrayList<>();

    /** The MCP Apps views the enabled tools show, by URI (offered only to clients that declare the extension). */
    private final Map<String, dev.hal9.api.View> offeredViews = new java.util.LinkedHashMap<>();

    private final Set<String> enabledCapabilities;
    private final Set<String> disabledCapabilities;
    private final List<String> transports = new CopyOnWriteArrayList<>();
    private final List<McpAsyncServer> servers = new CopyOnWriteArrayList<>();
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Map<Class<?>, Object> services = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path dataDirectory;
    private final Principal localPrincipal;
    private final LedgerGuard guard;
    private ModernEra modern;

    private static final String INSTRUCTIONS = "hal9 gives you hands: a browser, wallets, contracts and shopping. "
            + "State such as browser sessions lives on the server behind handles that tools return; call server_info "
            + "to see yours. Anything that moves value needs a human's confirmation.";

    public Hal9(Settings settings, Map<String, String> environment, boolean conformanceFixtures) {
        this(settings, environment, conformanceFixtures, false);
    }

    /**
     * With {@code openStoreAtOnce}, the store starts opening before the families are built: an HTTP server is ready
     * (/health) once H2 and Flyway are done, and they take as long as the rest of its start, so they run beside it
     * on the other core. A stdio server waits for the client's first listing instead ({@link #startDeferred}).
     */
    public Hal9(
            Settings settings, Map<String, String> environment, boolean conformanceFixtures, boolean openStoreAtOnce) {
        this.settings = settings;
        this.fixtures = conformanceFixtures ? ServerFixtures.load() : null;
        this.clock = fixtures == null ? InstantSource.system() : fixtures.clock(InstantSource.system());
        this.dataDirectory = settings.dataDirectory(environment);
        this.store = Store.open(settings, dataDirectory, clock::millis);
        if (openStoreAtOnce) {
            store.openInBackground();
        }
        this.telemetry = new Telemetry(store.audit(), settings.string("telemetry.otlp-endpoint"));
        this.localPrincipal =
                Principal.local(environment.getOrDefault("USER", System.getProperty("user.name", "local")));
        this.adapter = new ToolAdapter(
                Principals::from,
                store.handles()::of,
                telemetry,
                cancellations,
                Duration.ofSeconds(settings.integer("tools.timeout-seconds")),
                settings.integer("tools.max-output-chars"));

        this.guard =
                new LedgerGuard(store.database()::jdbi, Policy.from(settings::string), clock, ToolAdapter::madeHere);
        // the ledger is read for /metrics only once the database is open, so that a scrape never opens it (a stdio
        // server opens it after the client's handshake)
        telemetry.observeStore(
                store.database()::poolUse,
                () -> store.database().ready() ? Optional.of(guard.ledger().unfinished()) : Optional.empty(),
                () -> store.database().ready() ? Optional.of(store.handles().liveByPrefix()) : Optional.empty());
        families.add(new ServerInfoFamily());
        families.add(new PaymentsFamily(guard));
        ServiceLoader.load(ToolFamily.class).forEach(families::add);

        Map<String, List<Tool<?, ?>>> declared = new HashMap<>();
        for (ToolFamily family : families) {
            FamilyContext context = context(family);
            declared.put(family.name(), family.tools(context));
            resources.addAll(family.resources(context));
            family.views(context).forEach(view -> offeredViews.putIfAbsent(view.uri(), view));
        }
        Set<String> explicitlyEnabled = settings.list("capabilities.enabled");
        Set<String> explicitlyDisabled = settings.list("capabilities.disabled");
        Set<String> enabled = new TreeSet<>();
        Set<String> disabled = new TreeSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (ToolFamily family : families) {
            for (Tool<?, ?> tool : declared.get(family.name())) {
                if (!names.add(tool.name())) {
                    throw new IllegalStateException("two families declare the tool " + tool.name());
                }
                declaredTools.add(tool);
                String capability = tool.capability();
                boolean on = explicitlyEnabled.contains(capability)
                        || (!explicitlyDisabled.contains(capability) && tool.kind() != ToolKind.DESTRUCTIVE);
                if (on) {
                    enabled.add(capability);
                    tools.add(tool);
                } else {
                    disabled.add(capability);
                }
            }
        }
        disabled.removeAll(enabled);
        // a view is offered while a tool that shows it is; a tool that names a view nobody provides is a bug
        Set<String> shown = new java.util.HashSet<>();
        for (Tool<?, ?> tool : tools) {
            if (tool.view() != null) {
                if (!offeredViews.containsKey(tool.view())) {
                    throw new IllegalStateException(
                            tool.name() + " names the view " + tool.view() + ", which no family's views() provides");
                }
                shown.add(tool.view());
            }
        }
        offeredViews.keySet().retainAll(shown);
        this.enabledCapabilities = Set.copyOf(enabled);
        this.disabledCapabilities = Set.copyOf(disabled);
        telemetry.publishZeros(tools.stream().map(Tool::name).toList());
    }

    /** The tools offered, in listing order. */
    public List<Tool<?, ?>> tools() {
        return List.copyOf(tools);
    }

    /** The one clock of the server, for the parts outside the families that read the time (OAuth tokens' expiry). */
    public InstantSource clock() {
        return clock;
    }

    /** What answers a call of a tool this server does not have (the transports ask it before the SDK). */
    public UnknownTools unknownTools() {
        List<UnknownTools.Entry> entries = new ArrayList<>();
        for (Tool<?, ?> tool : tools) {
            entries.add(new UnknownTools.Entry(tool.name(), tool.capability()));
        }
        if (fixtures != null) {
            fixtures.tools()
                    .forEach(fixture ->
                            entries.add(new UnknownTools.Entry(fixture.tool().name(), null)));
        }
        return new UnknownTools(entries);
    }

    /** Every tool the families declared, including those whose capability is off, in listing order. */
    public List<Tool<?, ?>> declaredTools() {
        return List.copyOf(declaredTools);
    }

    /** The names of the families loaded. */
    List<String> familyNames() {
        return families.stream().map(ToolFamily::name).toList();
    }

    public Set<String> enabledCapabilities() {
        return enabledCapabilities;
    }

    public Set<String> disabledCapabilities() {
        return disabledCapabilities;
    }

    public Store store() {
        return store;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    public Cancellations cancellations() {
        return cancellations;
    }

    public Settings settings() {
        return settings;
    }

    public LedgerGuard guard() {
        return guard;
    }

    /** Starts the guard's worker: it reconciles sent payments first. Only a serving process starts it. */
    public void startGuard() {
        guard.start();
    }

    /**
     * What a stdio server starts after the handshake: the store's opening and the guard's worker. Not in the
     * training run that makes the launcher's AOT cache ({@code -Dhal9.aot.training=true}): every class in that cache
     * is loaded at each start, so it holds the path to the first answers and not H2 and Flyway, which load in the
     * background after them.
     */
    public void startDeferred() {
        if (Boolean.getBoolean("hal9.aot.training")) {
            return;
        }
        store.openInBackground();
        guard.start();
    }

    public Principal localPrincipal() {
        return localPrincipal;
    }

    /** Records how the server is reached, for server_info. */
    public void reachableAt(String transport) {
        transports.add(transport);
    }

    /**
     * An MCP server on a single-session transport (stdio, legacy SSE). Over stdio the tool list may change once: when
     * the one answered at start-up from the handshake cache was out of date ({@link StdioHandshake}).
     */
    public McpAsyncServer serve(McpServerTransportProvider transport) {
        McpAsyncServer server = configure(McpServer.async(transport), transport instanceof StdioTransport)
                .build();
        servers.add(server);
        return server;
    }

    /** An MCP server on the Streamable HTTP transport. */
    public McpAsyncServer serve(McpStreamableServerTransportProvider transport) {
        McpAsyncServer server = configure(McpServer.async(transport), false).build();
        servers.add(server);
        return server;
    }

    /**
     * The revision 2026-07-28 handler, built once and shared by every transport: the same tools, resources, prompts
     * and tool filter as the session servers.
     */
    public synchronized ModernEra modern() {
        if (modern == null) {
            List<McpServerFeatures.AsyncToolSpecification> specifications = new ArrayList<>();
            tools.forEach(tool -> specifications.add(adapt(tool)));
            List<McpServerFeatures.AsyncResourceTemplateSpecification> templates = new ArrayList<>();
            resources.forEach(resource -> templates.add(adapter.adapt(resource)));
            List<McpServerFeatures.AsyncResourceSpecification> fixedResources = List.of();
            List<McpServerFeatures.AsyncPromptSpecification> prompts = List.of();
            List<McpServerFeatures.AsyncCompletionSpecification> completions = List.of();
            if (fixtures != null) {
                specifications.addAll(fixtures.tools());
                templates.addAll(fixtures.resourceTemplates());
                fixedResources = fixtures.resources();
                prompts = fixtures.prompts();
                completions = fixtures.completions();
            }
            Map<String, String> capabilityOf = new HashMap<>();
            tools.forEach(tool -> capabilityOf.put(tool.name(), tool.capability()));
            fixedResources = withViews(fixedResources);
            modern = new ModernEra(
                    VERSION,
                    INSTRUCTIONS,
                    specifications,
                    (context, tool) -> visible(capabilityOf, context, tool),
                    fixedResources,
                    templates,
                    prompts,
                    completions,
                    fixtures,
                    () -> store.sharedKeys().key("modern-request-state"));
        }
        return modern;
    }

    /** tools/list shows a caller only the tools its token may call; calling another is still refused by the adapter. */
    private static boolean visible(
            Map<String, String> capabilityOf,
            io.modelcontextprotocol.common.McpTransportContext context,
            McpSchema.Tool tool) {
        String capability = capabilityOf.get(tool.name());
        Principal caller = Principals.from(context);
        return capability == null || (caller != null && caller.may(capability));
    }

    private <S extends McpServer.AsyncSpecification<S>> McpServer.AsyncSpecification<S> configure(
            McpServer.AsyncSpecification<S> spec, boolean toolsMayChange) {
        Path schemaCache = dataDirectory.resolve("cache").resolve("schemas.json");
        Schemas.loadCache(schemaCache);
        List<McpServerFeatures.AsyncToolSpecification> specifications = new ArrayList<>();
        for (Tool<?, ?> tool : tools) {
            specifications.add(adapt(tool));
        }
        Schemas.saveCache(schemaCache);
        var capabilities =
                McpSchema.ServerCapabilities.builder().tools(toolsMayChange).logging();
        spec.serverInfo(new McpSchema.Implementation("hal9", "hal9", VERSION))
                .instructions(INSTRUCTIONS)
                .jsonMapper(Json.MCP)
                // the adapter validates arguments itself, so that invalid calls are audited like the rest
                .validateToolInputs(false)
                .jsonSchemaValidator(ToolAdapter.schemaValidator())
                .requestTimeout(Duration.ofMinutes(10));
        List<McpServerFeatures.AsyncResourceTemplateSpecification> templates = new ArrayList<>();
        resources.forEach(resource -> templates.add(adapter.adapt(resource)));
        if (fixtures != null) {
            specifications.addAll(fixtures.tools());
            templates.addAll(fixtures.resourceTemplates());
            spec.resources(withViews(fixtures.resources()))
                    .prompts(fixtures.prompts())
                    .completions(fixtures.completions());
            capabilities.resources(true, false).prompts(false).completions();
        } else if (!templates.isEmpty() || !offeredViews.isEmpty()) {
            spec.resources(withViews(List.of()));
            capabilities.resources(false, false);
        }
        spec.resourceTemplates(templates);
        spec.tools(specifications);
        Map<String, String> capabilityOf = new HashMap<>();
        tools.forEach(tool -> capabilityOf.put(tool.name(), tool.capability()));
        spec.addToolFilter((context, tool) -> Mono.just(visible(capabilityOf, context, tool)));
        spec.capabilities(capabilities.build());
        return spec;
    }

    /** Fixed resources with the views added: each view's page, with its CSP in {@code _meta.ui}. */
    private List<McpServerFeatures.AsyncResourceSpecification> withViews(
            List<McpServerFeatures.AsyncResourceSpecification> fixed) {
        List<McpServerFeatures.AsyncResourceSpecification> all = new ArrayList<>(fixed);
        for (dev.hal9.api.View view : offeredViews.values()) {
            Map<String, Object> meta = dev.hal9.api.internal.AppsExtension.viewMeta(view);
            McpSchema.Resource resource = McpSchema.Resource.builder()
                    .uri(view.uri())
                    .name(view.name())
                    .title(view.title())
                    .description(view.description())
                    .mimeType(dev.hal9.api.View.MIME_TYPE)
                    .meta(meta)
                    .build();
            McpSchema.ReadResourceResult page = new McpSchema.ReadResourceResult(List.of(
                    new McpSchema.TextResourceContents(view.uri(), dev.hal9.api.View.MIME_TYPE, view.html(), meta)));
            all.add(new McpServerFeatures.AsyncResourceSpecification(resource, (exchange, request) -> Mono.just(page)));
        }
        return all;
    }

    /** The MCP Apps views offered, for server_info and tests. */
    public List<dev.hal9.api.View> views() {
        return List.copyOf(offeredViews.values());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private McpServerFeatures.AsyncToolSpecification adapt(Tool<?, ?> tool) {
        return adapter.adapt((Tool) tool);
    }

    private FamilyContext context(ToolFamily family) {
        return new FamilyContext() {
            @Override
            public Optional<String> setting(String key) {
                return settings.family(family.name(), key);
            }

            @Override
            public Optional<String> setting(String section, String key) {
                return settings.family(section, key);
            }

            @Override
            public InstantSource clock() {
                return clock;
            }

            @Override
            public dev.hal9.api.FamilyState state() {
                return store.familyState(family.name());
            }

            @Override
            public Jdbi database() {
                return store.familyTables(family.name(), family.getClass().getClassLoader());
            }

            @Override
            public void gauge(String name, String description, java.util.function.LongSupplier value) {
                if (!name.matches("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*")) {
                    throw new IllegalArgumentException(
                            "a gauge's name is lower-case words joined by dots, not '" + name + "'");
                }
                telemetry.familyGauge(family.name(), name, description, value);
            }

            @Override
            public Path dataDirectory() {
                Path folder = dataDirectory.resolve(family.name());
                try {
                    return Files.createDirectories(folder);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot create " + folder, e);
                }
            }

            @Override
            public Set<String> enabledCapabilities() {
                return enabledCapabilities;
            }

            @Override
            public String serverVersion() {
                return VERSION;
            }

            @Override
            public ServerFacts facts() {
                return new ServerFacts() {
                    @Override
                    public List<String> families() {
                        return familyNames();
                    }

                    @Override
                    public List<String> tools() {
                        return Hal9.this.tools.stream().map(Tool::name).toList();
                    }

                    @Override
                    public List<String> transports() {
                        return List.copyOf(transports);
                    }
                };
            }

            @Override
            public Optional<dev.hal9.api.Guard> guard() {
                return Optional.of(guard);
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
                synchronized (closeables) {
                    closeables.push(resource);
                }
            }
        };
    }

    @Override
    public void close() {
        synchronized (this) {
            if (modern != null) {
                modern.close();
            }
        }
        for (McpAsyncServer server : servers) {
            try {
                server.closeGracefully().block(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing an MCP server: {}", e.getMessage());
            }
        }
        synchronized (closeables) {
            while (!closeables.isEmpty()) {
                try {
                    closeables.pop().close();
                } catch (Exception e) {
                    LOG.warn("closing a family resource failed: {}", e.getMessage());
                }
            }
        }
        guard.close();
        adapter.close();
        telemetry.close();
        store.close();
    }
}
