package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators run (deploy/, issue 19) stays true to the server: the alert rules pass promtool's checks and their
 * own unit tests; every metric the rules and the Grafana dashboard read is one the packaged server exports; HAProxy
 * accepts its configuration; and every HAL9_ variable that compose and the Kubernetes manifests set names a setting,
 * with a value of its kind.
 */
class DeployFilesTest {

    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

    /**
     * Series that Prometheus itself records for every target it scrapes, which no server exports: a rule may read
     * these without hal9 having them.
     */
    private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() {
        String promtool = onPath("promtool")
                .orElseThrow(() -> new AssertionError("promtool is not on PATH: install Debian's prometheus package "
                        + "(apt-get install --no-install-recommends prometheus), as .ci/run does"));
        Path rules = DEPLOY.resolve("prometheus");
        Peers.Result checked = Peers.run(
                List.of(promtool, "check", "rules", rules.resolve("alerts.yml").toString()),
                Map.of(),
                Duration.ofSeconds(60));
        assertThat(checked.exit())
                .as("promtool check rules:%n%s%s", checked.stdout(), checked.stderr())
                .isZero();
        Peers.Result tested = Peers.run(
                List.of(
                        promtool,
                        "test",
                        "rules",
                        rules.resolve("alerts_test.yml").toString()),
                Map.of(),
                Duration.ofSeconds(60));
        assertThat(tested.exit())
                .as("promtool test rules:%n%s%s", tested.stdout(), tested.stderr())
                .isZero();
        assertThat(tested.stdout()).contains("SUCCESS");
    }

    @Test
    void everyMetricTheAlertsAndTheDashboardReadIsOneHal9Exports() throws Exception {
        Set<String> exported;
        try (PackagedServer server = PackagedServer.http()) {
            HttpClient http = HttpClient.newHttpClient();
            awaitReady(http, server);
            callATool(http, server);
            String scraped = http.send(
                            HttpRequest.newBuilder(URI.create(server.base() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            exported = exportedNames(scraped);
            assertThat(exported)
                    .as("the scrape after one call of server_info:%n%s", scraped)
                    .contains(
                            "hal9_tool_calls_total",
                            "hal9_tool_duration_seconds_bucket",
                            "hal9_db_pool_waiting",
                            "hal9_payments_oldest_age_seconds");
        }

        Map<String, Set<String>> alerts = alertExpressions();
        assertThat(alerts).as("alerts.yml's rules").hasSizeGreaterThanOrEqualTo(4);
        Map<String, Set<String>> dashboard = dashboardExpressions();
        assertThat(dashboard).as("hal9.json's queries").hasSizeGreaterThanOrEqualTo(8);

        Map<String, Set<String>> unknown = new TreeMap<>();
        alerts.forEach((where, names) -> unknown(names, exported).ifPresent(missing -> unknown.put(where, missing)));
        dashboard.forEach((where, names) -> unknown(names, exported).ifPresent(missing -> unknown.put(where, missing)));
        assertThat(unknown)
                .as("metrics read by deploy/ that hal9 does not export (it exports %s)", exported)
                .isEmpty();
    }

    /** The check above, on expressions made to fail it: it is not vacuous, and reads histograms right. */
    @Test
    void theCheckFindsMetricsHal9DoesNotExport() {
        Set<String> exported = exportedNames("""
                # HELP hal9_tool_calls_total Tool calls
                # TYPE hal9_tool_calls_total counter
                hal9_tool_calls_total{hal9_outcome="ok",mcp_tool_name="server_info"} 0.0
                # TYPE hal9_tool_duration_seconds histogram
                # TYPE hal9_db_pool_waiting gauge
                hal9_db_pool_waiting{otel_scope_name="dev.hal9.server"} 0.0
                """);
        assertThat(metricNames("sum by (mcp_tool_name, le) (rate(hal9_tool_duration_seconds_bucket{le=\"30.0\","
                        + "mcp_tool_name!~\"x|y\"}[5m])) / on (instance) group_left (job) hal9_tool_calls_total "
                        + "offset 1m > bool 1e3 and up == 0"))
                .containsExactlyInAnyOrder("hal9_tool_duration_seconds_bucket", "hal9_tool_calls_total", "up");
        assertThat(unknown(metricNames("hal9_tool_duration_seconds_sum / hal9_tool_duration_seconds_count"), exported))
                .as("a histogram's _sum and _count, known from its TYPE line before any call")
                .isEmpty();
        assertThat(unknown(metricNames("rate(hal9_tool_duration_seconds[5m])"), exported))
                .as("a histogram's bare name is no series")
                .contains(Set.of("hal9_tool_duration_seconds"));
        assertThat(unknown(metricNames("rate(hal9_tool_calls_total_bucket[5m])"), exported))
                .as("a counter has no buckets")
                .contains(Set.of("hal9_tool_calls_total_bucket"));
        assertThat(unknown(metricNames("max(hal9_db_pool_usage{instance=~\"$instance\"}) > 0.9"), exported))
                .contains(Set.of("hal9_db_pool_usage"));
        assertThat(unknown(metricNames("hal9_db_pool_waiting > 0 or up == 0"), exported))
                .isEmpty();
    }

    @Test
    void haproxyAcceptsItsConfiguration() {
        String haproxy = onPath("haproxy")
                .orElseThrow(() -> new AssertionError("haproxy is not on PATH: install Debian's haproxy package "
                        + "(apt-get install haproxy), as .ci/run does"));
        // the instances' names do not resolve here; the configuration says to start without them (init-addr)
        Peers.Result checked = Peers.run(
                List.of(
                        haproxy,
                        "-c",
                        "-f",
                        DEPLOY.resolve("haproxy/haproxy.cfg").toString()),
                Map.of(),
                Duration.ofSeconds(30));
        assertThat(checked.exit())
                .as("haproxy -c:%n%s%s", checked.stdout(), checked.stderr())
                .isZero();
        assertThat(checked.stdout() + checked.stderr()).contains("Configuration file is valid");
    }

    /**
     * The packaged server reads the HAL9_ variables of compose.yaml's hal9 services and of the Kubernetes
     * ConfigMap and Deployment without a warning: a typo there would be ignored at start-up (hal9 only warns about
     * a variable that names no setting), leaving a restriction or the database unset.
     */
    @Test
    void everyHal9VariableOfComposeAndKubernetesNamesASetting() throws Exception {
        Map<String, String> compose = new TreeMap<>();
        Map<String, Object> services =
                map(yaml(DEPLOY.resolve("compose.yaml")).get(0).get("services"));
        for (String name : List.of("hal9-1", "hal9-2", "hal9-3")) {
            map(map(services.get(name)).get("environment"))
                    .forEach((key, value) -> compose.put(key, placeholder(value)));
        }
        Map<String, String> kubernetes = new TreeMap<>();
        for (Map<String, Object> document : yaml(DEPLOY.resolve("kubernetes/configmap.yaml"))) {
            map(document.get("data")).forEach((key, value) -> kubernetes.put(key, placeholder(value)));
        }
        for (Map<String, Object> document : yaml(DEPLOY.resolve("kubernetes/deployment.yaml"))) {
            Map<String, Object> pod =
                    map(map(map(document.get("spec")).get("template")).get("spec"));
            for (Object container : (List<?>) pod.get("containers")) {
                for (Object variable : (List<?>) map(container).get("env")) {
                    Map<String, Object> entry = map(variable);
                    kubernetes.put(
                            (String) entry.get("name"),
                            entry.containsKey("value") ? placeholder(entry.get("value")) : "secret");
                }
            }
        }
        assertThat(compose).containsKeys("HAL9_DB_URL", "HAL9_DB_PASSWORD", "HAL9_FAMILIES_BROWSER_CONNECT");
        assertThat(kubernetes).containsKeys("HAL9_DB_URL", "HAL9_DB_PASSWORD", "HAL9_FAMILIES_BROWSER_CONNECT");
        for (Map<String, String> environment : List.of(compose, kubernetes)) {
            Map<String, String> hal9 = new HashMap<>(PackagedServer.environment(PackagedServer.newHome()));
            hal9.putAll(environment);
            Peers.Result listed = Peers.run(
                    List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "tools"),
                    hal9,
                    Duration.ofSeconds(60));
            assertThat(listed.exit())
                    .as("hal9 tools with %s:%n%s", environment.keySet(), listed.stderr())
                    .isZero();
            assertThat(listed.stderr())
                    .as("hal9 tools with %s", environment.keySet())
                    .doesNotContain("names no setting")
                    .doesNotContain("hal9: warning");
        }
    }

    /** Waits for /health/ready: the store is open, so the pool's and the ledger's gauges are there. */
    private static void awaitReady(HttpClient http, PackagedServer server) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            int status = http.send(
                            HttpRequest.newBuilder(URI.create(server.base() + "/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            if (status == 200) {
                return;
            }
            assertThat(System.nanoTime() < deadline)
                    .as("/health/ready within 60 s")
                    .isTrue();
            Thread.sleep(100);
        }
    }

    /**
     * One call of server_info over Streamable HTTP, so that the tool's duration histogram has series. The session's
     * id comes back in the initialize response's Mcp-Session-Id header, which HAProxy's stick table learns.
     */
    private static void callATool(HttpClient http, PackagedServer server) throws Exception {
        HttpResponse<String> initialized = post(http, server, null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",\
                "capabilities":{},"clientInfo":{"name":"deploy-files-test","version":"1"}}}""");
        assertThat(initialized.statusCode()).as(initialized.body()).isEqualTo(200);
        String session = initialized
                .headers()
                .firstValue("Mcp-Session-Id")
                .orElseThrow(() -> new AssertionError("no Mcp-Session-Id on initialize: " + initialized.headers()));
        post(http, server, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        HttpResponse<String> called = post(http, server, session, """
                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"server_info","arguments":{}}}""");
        assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
        assertThat(called.body()).contains("\"id\":2").doesNotContain("\"isError\":true");
    }

    private static HttpResponse<String> post(HttpClient http, PackagedServer server, String session, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.mcpUrl()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The series names a scrape holds: every sample's name, and for each histogram (summary) announced by its TYPE
     * line the _bucket, _sum and _count series a query reads, whether or not it has samples yet. A histogram's own
     * name is not a series, and is not among them.
     */
    static Set<String> exportedNames(String scraped) {
        Set<String> names = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(scraped);
        while (type.find()) {
            String name = type.group(1);
            switch (type.group(2)) {
                case "histogram" -> names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
                case "summary" -> names.addAll(List.of(name, name + "_sum", name + "_count"));
                default -> names.add(name);
            }
        }
        Matcher sample = Pattern.compile("(?m)^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]").matcher(scraped);
        while (sample.find()) {
            names.add(sample.group(1));
        }
        return names;
    }

    private static final Set<String> PROMQL_WORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "inf",
            "nan",
            "atan2");

    /**
     * The metric names a PromQL expression reads: strings, label matchers, ranges and grouping clauses taken out,
     * then every identifier that is neither a function or aggregation (followed by a parenthesis), a keyword, nor a
     * number or duration.
     */
    static Set<String> metricNames(String expression) {
        String bare = expression
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher token =
                Pattern.compile("\\d[\\w.]*|[A-Za-z_:][A-Za-z0-9_:]*(\\s*\\()?").matcher(bare);
        while (token.find()) {
            String found = token.group();
            if (Character.isDigit(found.charAt(0)) || token.group(1) != null) {
                continue; // a number or duration; a function or an aggregation
            }
            if (!PROMQL_WORDS.contains(found.toLowerCase(java.util.Locale.ROOT))) {
                names.add(found);
            }
        }
        return names;
    }

    private static Optional<Set<String>> unknown(Set<String> names, Set<String> exported) {
        Set<String> missing = new TreeSet<>(names);
        missing.removeAll(exported);
        missing.removeAll(MADE_BY_PROMETHEUS);
        return missing.isEmpty() ? Optional.empty() : Optional.of(missing);
    }

    /** Each rule of alerts.yml, by its alert's name, with the metrics its expression reads. */
    private static Map<String, Set<String>> alertExpressions() throws Exception {
        Map<String, Set<String>> rules = new TreeMap<>();
        Map<String, Object> file = yaml(DEPLOY.resolve("prometheus/alerts.yml")).get(0);
        for (Object group : (List<?>) file.get("groups")) {
            for (Object rule : (List<?>) map(group).get("rules")) {
                Map<String, Object> entry = map(rule);
                String name = "alerts.yml " + entry.getOrDefault("alert", entry.get("record"));
                rules.put(name, metricNames((String) entry.get("expr")));
            }
        }
        return rules;
    }

    /** Each query of the dashboard (its panels' targets and its variables), with the metrics it reads. */
    private static Map<String, Set<String>> dashboardExpressions() throws Exception {
        JsonNode dashboard =
                JsonMapper.builder().build().readTree(Files.readString(DEPLOY.resolve("grafana/hal9.json")));
        Map<String, Set<String>> queries = new TreeMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            JsonNode panel = panels.get(i);
            panel.path("panels").forEach(panels::add); // a collapsed row holds its panels
            for (JsonNode target : panel.path("targets")) {
                if (target.has("expr")) {
                    queries.put(
                            "hal9.json panel '" + panel.path("title").asString() + "' "
                                    + target.path("refId").asString(),
                            metricNames(target.path("expr").asString()));
                }
            }
        }
        Pattern labelValues = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)\\s*[{,]");
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asString() : query.asString();
            Matcher matcher = labelValues.matcher(text);
            if (matcher.find()) {
                queries.put("hal9.json variable " + variable.path("name").asString(), Set.of(matcher.group(1)));
            }
        }
        return queries;
    }

    /** A compose or Kubernetes value as the server would see it, with ${VAR} and $(VAR) filled in. */
    private static String placeholder(Object value) {
        return String.valueOf(value).replaceAll("\\$\\{[^}]*}", "x").replaceAll("\\$\\([^)]*\\)", "x");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> yaml(Path file) throws Exception {
        List<Map<String, Object>> documents = new ArrayList<>();
        new Load(LoadSettings.builder().build())
                .loadAllFromString(Files.readString(file))
                .forEach(document -> documents.add((Map<String, Object>) document));
        return documents;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    /** A program on PATH, or in Debian's /usr/sbin and /usr/bin (where haproxy lives) when PATH lacks them. */
    private static Optional<String> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator
                + "/usr/bin";
        return Stream.of(path.split(File.pathSeparator))
                .filter(folder -> !folder.isEmpty())
                .map(folder -> Path.of(folder, program))
                .filter(Files::isExecutable)
                .map(Path::toString)
                .findFirst();
    }
}
