package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: MCP Apps views on the packaged server. A client that declares the extension sees each tool's view in
 * tools/list and the {@code ui://} pages in resources/list; one that does not sees neither. Each view is then loaded in
 * a real Chromium the way a host loads it ({@link ViewHost}), fed a real tool result from the server (the Amazon
 * replica's search, product, cart and a quoted order; a pending payment on anvil), in light and dark, screenshotted
 * to target/views, and checked for what it shows and for the calls it makes back through the host.
 */
class ViewsTest {

    private static final String IMAGES = "https://m.media-amazon.example";

    private static Anvil anvil;
    private static AmazonReplica amazon;
    private static PaymentRig rig;
    private static McpSyncClient apps;
    private static McpSyncClient plain;
    private static ViewHost host;

    @BeforeAll
    static void start() throws Exception {
        anvil = new Anvil();
        String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
        amazon = new AmazonReplica();
        Map<String, String> settings = new HashMap<>();
        settings.put("HAL9_CAPABILITIES_ENABLED", "chain.write,commerce.checkout");
        settings.put("HAL9_FAMILIES_COMMERCE_AMAZON_MARKETPLACES", amazon.marketplaces());
        settings.put("HAL9_FAMILIES_COMMERCE_IMAGE__DOMAINS", IMAGES);
        settings.put("HAL9_FAMILIES_BROWSER_EXTRA__ARGS", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
        settings.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        rig = new PaymentRig(anvil, token, settings);
        // alice signs in to the store in her own browser and hands hal9 the cookies, as in CommerceFlowTest
        Path state = rig.home.resolve("amazon-state.json");
        Files.writeString(state, amazon.storageState(amazon.signIn(AmazonReplica.EMAIL, AmazonReplica.PASSWORD)));
        Peers.Result login = rig.cli("login", "amazon", "--principal", "alice", "--storage-state", state.toString());
        assertThat(login.exit()).as(login.stderr()).isZero();
        apps = client(Map.of(dev.hal9.api.View.EXTENSION, Map.of("mimeTypes", List.of(dev.hal9.api.View.MIME_TYPE))));
        plain = client(Map.of());
        host = new ViewHost(Path.of("target", "views"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {host, apps, plain, rig, amazon, anvil}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    private static McpSyncClient client(Map<String, Map<String, Object>> extensions) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(rig.server.base())
                        .endpoint("/mcp")
                        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + rig.aliceSecret))
                        .build())
                .requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60))
                .capabilities(McpSchema.ClientCapabilities.builder()
                        .extensions(extensions)
                        .build())
                .clientInfo(new McpSchema.Implementation("views-test", "1"))
                .build();
        client.initialize();
        return client;
    }

    private static final Map<String, String> VIEWS = Map.of(
            "amazon_search", "ui://hal9/amazon/products",
            "amazon_product", "ui://hal9/amazon/product",
            "amazon_cart", "ui://hal9/amazon/cart",
            "amazon_orders", "ui://hal9/amazon/orders",
            "amazon_checkout", "ui://hal9/payment",
            "evm_send", "ui://hal9/payment",
            "payment_status", "ui://hal9/payment");

    @Test
    void onlyAClientThatDeclaresTheExtensionSeesTheViews() {
        Map<String, Object> shown = apps.listTools().tools().stream()
                .filter(tool -> tool.meta() != null && tool.meta().get("ui") != null)
                .collect(Collectors.toMap(
                        McpSchema.Tool::name, tool -> ((Map<?, ?>) tool.meta().get("ui")).get("resourceUri")));
        assertThat(shown).containsAllEntriesOf(VIEWS);
        assertThat(plain.listTools().tools()).allSatisfy(tool -> assertThat(
                        tool.meta() == null || !tool.meta().containsKey("ui"))
                .as(tool.name())
                .isTrue());

        List<McpSchema.Resource> pages = apps.listResources().resources().stream()
                .filter(resource -> resource.uri().startsWith("ui://"))
                .toList();
        assertThat(pages).extracting(McpSchema.Resource::uri).containsAll(VIEWS.values());
        assertThat(pages).allSatisfy(page -> {
            assertThat(page.mimeType()).isEqualTo("text/html;profile=mcp-app");
            assertThat(((Map<?, ?>) page.meta().get("ui")).get("csp")).isNotNull();
        });
        assertThat(plain.listResources().resources())
                .noneMatch(resource -> resource.uri().startsWith("ui://"));

        for (String uri : Set.copyOf(VIEWS.values())) {
            McpSchema.TextResourceContents page = page(uri);
            assertThat(page.mimeType()).isEqualTo("text/html;profile=mcp-app");
            assertThat(page.text()).startsWith("<!doctype html>").contains("ui/initialize");
            assertThat(page.meta()).containsKey("ui");
        }
        // 2026-07-28 clients say what they support on every request: the same views, or none
        assertThat(modernToolsList(true)).contains("\"resourceUri\":\"ui://hal9/amazon/products\"");
        assertThat(modernToolsList(false)).contains("amazon_search").doesNotContain("resourceUri");

        // the products view lets images come from the configured image domain, and nothing else from anywhere
        Map<?, ?> csp = (Map<?, ?>)
                ((Map<?, ?>) page("ui://hal9/amazon/products").meta().get("ui")).get("csp");
        assertThat(csp.get("resourceDomains")).isEqualTo(List.of(IMAGES));
        assertThat(csp.get("connectDomains")).isEqualTo(List.of());
    }

    @Test
    void theProductGridShowsEveryProductAndAsksForDetailsThroughTheHost() {
        Map<String, Object> input = Map.of("query", "iphone 15 case");
        McpSchema.CallToolResult result = call("amazon_search", input);
        List<Map<?, ?>> products = list(structured(result).get("products"));
        assertThat(products).hasSizeGreaterThanOrEqualTo(3);
        for (String theme : List.of("light", "dark")) {
            try (ViewHost.Shown shown =
                    show("products", "ui://hal9/amazon/products", theme, "amazon_search", input, result)) {
                var cards = shown.frame().locator(".product");
                cards.first().waitFor();
                assertThat(cards.count()).isEqualTo(products.size());
                for (Map<?, ?> product : products) {
                    var card = shown.frame().locator(".product[data-asin=\"" + product.get("asin") + "\"]");
                    assertThat(card.locator(".title").innerText())
                            .contains(String.valueOf(product.get("title")).substring(0, 20));
                    assertThat(card.locator(".price").innerText()).contains(price(product));
                }
                shown.screenshot("grid");
                assertThat(shown.contrastProblems())
                        .as("text under WCAG AA contrast")
                        .isEmpty();
                if (theme.equals("light")) {
                    String asin = String.valueOf(products.get(0).get("asin"));
                    // by keyboard, as a person without a mouse would: Tab to the first card's Details, Enter
                    assertThat(shown.tabTo("Details"))
                            .as("Tab reaches a Details button")
                            .isTrue();
                    shown.page.keyboard().press("Enter");
                    shown.page.waitForFunction("() => window.host.calls.length > 0");
                    assertThat(shown.calls()).contains("amazon_product", asin);
                    // the answer shows in the card: the product page's availability and bullets, as the tool says
                    var more = shown.frame().locator(".product[data-asin=\"" + asin + "\"] .more");
                    more.locator(":not(.waiting)").first().waitFor();
                    Map<?, ?> details = (Map<?, ?>) structured(call("amazon_product", Map.of("asin", asin)))
                            .get("details");
                    if (details.get("availability") != null) {
                        assertThat(more.innerText()).contains(String.valueOf(details.get("availability")));
                    }
                    for (Object bullet : list(details.get("bullets"))) {
                        assertThat(more.innerText()).contains(String.valueOf(bullet));
                    }
                    shown.screenshot("details");
                }
                assertThat(shown.requests)
                        .as("what the view's page fetched")
                        .allMatch(url -> url.startsWith(IMAGES) || url.startsWith("http://views-host.test/"));
            }
        }
    }

    @Test
    void theProductPageCartAndOrderTrackerShowWhatTheStoreSaid() {
        List<Map<?, ?>> found = list(structured(call("amazon_search", Map.of("query", "iphone case")))
                .get("products"));
        String asin = String.valueOf(found.get(0).get("asin"));
        Map<String, Object> productInput = Map.of("asin", asin);
        McpSchema.CallToolResult product = call("amazon_product", productInput);
        Map<?, ?> details = (Map<?, ?>) structured(product).get("details");
        for (String theme : List.of("light", "dark")) {
            try (ViewHost.Shown shown =
                    show("product", "ui://hal9/amazon/product", theme, "amazon_product", productInput, product)) {
                var page = shown.frame().locator("article.page[data-asin=\"" + asin + "\"]");
                page.waitFor();
                assertThat(page.locator(".title").innerText())
                        .contains(String.valueOf(((Map<?, ?>) details.get("product")).get("title"))
                                .substring(0, 20));
                for (Object bullet : list(details.get("bullets"))) {
                    assertThat(page.innerText()).contains(String.valueOf(bullet));
                }
                shown.screenshot("page");
                assertThat(shown.contrastProblems())
                        .as("text under WCAG AA contrast")
                        .isEmpty();
                if (theme.equals("light")) {
                    // Add to cart goes through the host to amazon_cart, and the store's cart has it after
                    page.locator("button.add").click();
                    shown.page.waitForFunction("() => window.host.calls.length > 0");
                    assertThat(shown.calls()).contains("amazon_cart", "add", asin);
                }
            }
        }
        Map<String, Object> view = Map.of("action", "view");
        McpSchema.CallToolResult cart = call("amazon_cart", view);
        List<Map<?, ?>> lines = list(((Map<?, ?>) structured(cart).get("cart")).get("lines"));
        assertThat(lines.stream().map(line -> String.valueOf(line.get("asin"))).toList())
                .contains(asin);
        for (String theme : List.of("light", "dark")) {
            try (ViewHost.Shown shown = show("cart", "ui://hal9/amazon/cart", theme, "amazon_cart", view, cart)) {
                shown.frame().locator("li.line").first().waitFor();
                assertThat(shown.frame().locator("li.line").count()).isEqualTo(lines.size());
                for (Map<?, ?> line : lines) {
                    var shownLine = shown.frame().locator("li.line[data-asin=\"" + line.get("asin") + "\"]");
                    assertThat(shownLine.locator(".qty").innerText()).contains(String.valueOf(line.get("quantity")));
                    assertThat(shownLine.locator(".price").innerText())
                            .contains(new java.math.BigDecimal(String.valueOf(line.get("price")))
                                    .setScale(2, java.math.RoundingMode.HALF_UP)
                                    .toPlainString());
                }
                shown.screenshot("lines");
                assertThat(shown.contrastProblems())
                        .as("text under WCAG AA contrast")
                        .isEmpty();
            }
        }

        // a quote makes an order; the tracker shows it at its first step
        McpSchema.CallToolResult quoted = call("amazon_checkout", Map.of("action", "quote"));
        String order = String.valueOf(((Map<?, ?>) structured(quoted).get("order")).get("id"));
        Map<String, Object> all = Map.of();
        McpSchema.CallToolResult orders = call("amazon_orders", all);
        for (String theme : List.of("light", "dark")) {
            try (ViewHost.Shown shown =
                    show("orders", "ui://hal9/amazon/orders", theme, "amazon_orders", all, orders)) {
                var tracked = shown.frame().locator("li.order[data-order=\"" + order + "\"]");
                tracked.waitFor();
                assertThat(tracked.getAttribute("data-state")).isEqualTo("quoted");
                assertThat(tracked.locator("[aria-current=step]").count()).isEqualTo(1);
                shown.screenshot("quoted");
                assertThat(shown.contrastProblems())
                        .as("text under WCAG AA contrast")
                        .isEmpty();
            }
        }
        // the cart is left as it was found
        call("amazon_cart", Map.of("action", "remove", "asin", asin));
    }

    /** A 2026-07-28 tools/list as a raw POST, with or without the extension in the request's client capabilities. */
    private static String modernToolsList(boolean declared) {
        Map<String, Object> capabilities = declared
                ? Map.of(
                        "extensions",
                        Map.of(dev.hal9.api.View.EXTENSION, Map.of("mimeTypes", List.of(dev.hal9.api.View.MIME_TYPE))))
                : Map.of();
        Map<String, Object> meta = Map.of(
                "io.modelcontextprotocol/protocolVersion",
                "2026-07-28",
                "io.modelcontextprotocol/clientInfo",
                Map.of("name", "views-test", "version", "1"),
                "io.modelcontextprotocol/clientCapabilities",
                capabilities);
        try {
            String body = tools.jackson.databind.json.JsonMapper.builder()
                    .build()
                    .writeValueAsString(
                            Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/list", "params", Map.of("_meta", meta)));
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(java.net.URI.create(rig.server.base() + "/mcp"))
                                    .header("Authorization", "Bearer " + rig.aliceSecret)
                                    .header("Content-Type", "application/json")
                                    .header("Accept", "application/json, text/event-stream")
                                    .header("MCP-Protocol-Version", "2026-07-28")
                                    .header("Mcp-Method", "tools/list")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return response.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The price as the view shows it: in its currency, from the structured content, with two decimals. */
    private static String price(Map<?, ?> product) {
        Object price = product.get("price");
        return new java.math.BigDecimal(String.valueOf(price))
                .setScale(2, java.math.RoundingMode.HALF_UP)
                .toPlainString();
    }

    @Test
    void thePaymentPreviewShowsWhatIsPaidAndHowAPersonApprovesIt() {
        Map<String, Object> input = Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.5");
        McpSchema.CallToolResult result = call("evm_send", input);
        Map<?, ?> payment = (Map<?, ?>) structured(result).get("payment");
        assertThat(payment.get("state")).isEqualTo("pending");
        for (String theme : List.of("light", "dark")) {
            try (ViewHost.Shown shown = show("payment", "ui://hal9/payment", theme, "evm_send", input, result)) {
                var root = shown.frame().locator(".payment[data-id=\"" + payment.get("id") + "\"]");
                root.waitFor();
                assertThat(root.getAttribute("data-state")).isEqualTo("pending");
                assertThat(root.locator(".amount").innerText()).contains("0.5");
                assertThat(root.locator(".recipient").innerText()).containsIgnoringCase(PaymentRig.RECIPIENT);
                assertThat(root.locator(".approve-how").innerText()).contains("hal9 approve " + payment.get("id"));
                // the limits it leaves: PaymentRig's ETH limits are 2.5 a day, 1 per call; this pends 0.5 (and fees)
                assertThat(((Map<?, ?>) payment.get("limits")).get("ETH").toString())
                        .contains("of 2.5 left today", "at most 1 per payment");
                assertThat(root.innerText()).contains("of 2.5 left today");
                // it shows how a person approves; it has nothing that approves
                assertThat(shown.frame().locator("button").allInnerTexts())
                        .noneMatch(
                                text -> text.toLowerCase(java.util.Locale.ROOT).contains("approve"));
                shown.screenshot("pending");
                assertThat(shown.contrastProblems())
                        .as("text under WCAG AA contrast")
                        .isEmpty();
                assertThat(shown.calls()).doesNotContain("approve");
            }
        }
    }

    private static ViewHost.Shown show(
            String name,
            String uri,
            String theme,
            String tool,
            Map<String, Object> input,
            McpSchema.CallToolResult result) {
        McpSchema.TextResourceContents page = page(uri);
        Function<Map<?, ?>, Object> through = params -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> arguments = (Map<String, Object>) params.get("arguments");
            return ViewHost.json(apps.callTool(new McpSchema.CallToolRequest(
                    String.valueOf(params.get("name")), arguments == null ? Map.of() : arguments)));
        };
        return host.show(name, page.text(), page.meta(), theme, input, ViewHost.json(result), through);
    }

    private static McpSchema.TextResourceContents page(String uri) {
        return (McpSchema.TextResourceContents) apps.readResource(new McpSchema.ReadResourceRequest(uri))
                .contents()
                .get(0);
    }

    private static McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = apps.callTool(new McpSchema.CallToolRequest(tool, arguments));
        assertThat(result.isError())
                .as(tool + ": " + EvmPaymentsTest.text(result))
                .isNotEqualTo(Boolean.TRUE);
        return result;
    }

    private static Map<?, ?> structured(McpSchema.CallToolResult result) {
        return (Map<?, ?>) result.structuredContent();
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object value) {
        return value == null ? List.of() : (List<T>) value;
    }
}
