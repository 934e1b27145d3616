package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hal9.conformance.AmazonPages.Item;
import dev.hal9.conformance.AmazonPages.Layout;
import dev.hal9.conformance.AmazonPages.Market;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Amazon (which cannot be reached here), serving the markup hal9's adapter reads
 * (dev.hal9.tools.commerce.AmazonMarkup): search and product pages of eleven marketplaces, amazon.com at the root and
 * the others under /uk, /de, /jp..., each in the layout a test chooses ({@link AmazonPages} writes them); a cart;
 * sign-in; checkout with shipping and tax; place order; order history with tracking; a captcha page, a JavaScript
 * challenge and a page in a changed layout. Accounts are cookies: a sign-in sets {@code x-main}, and the cart and
 * orders belong to it. Test code only.
 */
final class AmazonReplica implements AutoCloseable {

    static final String EMAIL = "alice@example.com";
    static final String PASSWORD = "correct horse";

    static final List<Item> CATALOGUE = List.of(
            new Item(
                    "B0CASE0001",
                    "Spigen",
                    "Ultra Hybrid Case for iPhone 15, Clear",
                    new BigDecimal("15.99"),
                    new BigDecimal("19.99"),
                    4.6,
                    12345,
                    true,
                    true,
                    false,
                    List.of(
                            new AmazonPages.Choice("Clear", "B0CASE0001", true),
                            new AmazonPages.Choice("Black", "B0CASE1001", true),
                            new AmazonPages.Choice("Navy", "B0CASE2001", false))),
            new Item(
                    "B0CASE0002",
                    "OtterBox",
                    "Defender Series Case for iPhone 15",
                    new BigDecimal("39.95"),
                    null,
                    4.7,
                    8012,
                    true,
                    true,
                    true,
                    List.of()),
            new Item(
                    "B0CASE0003",
                    "Generic",
                    "Soft Clear Case for iPhone 15",
                    new BigDecimal("7.49"),
                    null,
                    3.9,
                    230,
                    false,
                    true,
                    false,
                    List.of()),
            new Item(
                    "B0CASE0004",
                    "ESR",
                    "Magnetic Case for iPhone 15 with MagSafe",
                    new BigDecimal("18.99"),
                    null,
                    4.4,
                    5120,
                    true,
                    true,
                    false,
                    List.of()),
            new Item(
                    "B0CASE0005",
                    "Bellroy",
                    "Leather Folio Wallet Case for iPhone 15",
                    new BigDecimal("24.00"),
                    null,
                    4.2,
                    905,
                    true,
                    true,
                    false,
                    List.of()),
            new Item(
                    "B0CASE0006",
                    "Spigen",
                    "Rugged Armor Case for iPhone 15, Matte Black",
                    new BigDecimal("12.99"),
                    null,
                    4.5,
                    3410,
                    false,
                    true,
                    false,
                    List.of()),
            new Item(
                    "B0PEN00001",
                    "Lamy",
                    "Safari Fountain Pen, Fine Nib",
                    new BigDecimal("22.50"),
                    null,
                    4.8,
                    770,
                    true,
                    false,
                    false,
                    List.of()),
            new Item(
                    "B0PHONE001",
                    "Apple",
                    "iPhone 15 Pro Max, 1 TB, Natural Titanium",
                    new BigDecimal("1599.00"),
                    new BigDecimal("1699.00"),
                    4.5,
                    2890,
                    true,
                    true,
                    false,
                    List.of()));

    /** A catalogue entry's name as the store shows it: brand, then title. */
    static String name(Item item) {
        return item.brand() + " " + item.title();
    }

    record Placed(String number, String date, BigDecimal total, String carrier, String tracking) {}

    private static final class Account {
        final Map<String, Integer> cart = new LinkedHashMap<>();
        final List<Placed> orders = new ArrayList<>();
    }

    private final HttpServer server;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final AtomicBoolean failNextOrder = new AtomicBoolean();
    private final AtomicInteger orderNumbers = new AtomicInteger(1234567);
    private final Map<String, Layout> layouts = new ConcurrentHashMap<>();
    private final AtomicInteger pageSize = new AtomicInteger(16);
    final String url;

    AmazonReplica() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Makes the next "Place your order" fail the way a store error page does. */
    void failNextOrder() {
        failNextOrder.set(true);
    }

    /** The orders placed for the account behind a sign-in token. */
    List<Placed> orders(String token) {
        Account account = accounts.get(token);
        return account == null ? List.of() : List.copyOf(account.orders);
    }

    /** Signs in as a person would in their own browser; returns the x-main cookie's value. */
    String signIn(String email, String password) {
        if (!EMAIL.equals(email) || !PASSWORD.equals(password)) {
            throw new IllegalArgumentException("wrong credentials");
        }
        String token = UUID.randomUUID().toString();
        accounts.put(token, new Account());
        return token;
    }

    /** A Playwright storage state holding a sign-in token, as 'hal9 login amazon --storage-state' takes it. */
    String storageState(String token) {
        return "{\"cookies\":[{\"name\":\"x-main\",\"value\":\"" + token + "\",\"domain\":\"127.0.0.1\",\"path\":\"/\","
                + "\"expires\":-1,\"httpOnly\":true,\"secure\":false,\"sameSite\":\"Lax\"}],\"origins\":[]}";
    }

    /** Serves a marketplace in a layout from now on (each starts in the newest). */
    void layout(String market, Layout layout) {
        layouts.put(market, layout);
    }

    /** Results per page (16 unless a test asks for fewer, to page through them). */
    void pageSize(int size) {
        pageSize.set(size);
    }

    /** Where a marketplace is served: amazon.com at the root, the others under /uk, /de, /jp... */
    String origin(String market) {
        return url + AmazonPages.market(market).path();
    }

    /** hal9's families.commerce.amazon.marketplaces for every marketplace the replica serves. */
    String marketplaces() {
        StringBuilder list = new StringBuilder();
        for (Market m : AmazonPages.MARKETS) {
            list.append(list.isEmpty() ? "" : ",").append(m.code()).append('=').append(origin(m.code()));
        }
        return list.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            Market market = AmazonPages.market("us");
            for (Market m : AmazonPages.MARKETS) {
                if (!m.path().isEmpty() && path.startsWith(m.path() + "/")) {
                    market = m;
                    path = path.substring(m.path().length());
                }
            }
            Map<String, String> query = params(exchange.getRequestURI().getRawQuery());
            if ("POST".equals(exchange.getRequestMethod())) {
                query.putAll(params(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            }
            Account account = account(exchange);
            switch (path) {
                case "/s" -> search(exchange, market, query);
                case "/ap/signin" ->
                    page(
                            exchange,
                            200,
                            "Amazon Sign-In",
                            "<form name=\"signIn\" method=\"post\" "
                                    + "action=\"/ap/signin\"><input id=\"ap_email\" name=\"email\"><input id=\"ap_password\" "
                                    + "type=\"password\" name=\"password\"><input id=\"signInSubmit\" type=\"submit\"></form>");
                case "/gp/cart/view.html" -> {
                    if (account == null) {
                        signInWall(exchange);
                    } else {
                        cart(exchange, account);
                    }
                }
                case "/cart/add-to-cart.html" -> {
                    if (account == null) {
                        signInWall(exchange);
                        return;
                    }
                    account.cart.merge(
                            query.get("ASIN"), Integer.parseInt(query.getOrDefault("quantity", "1")), Integer::sum);
                    page(
                            exchange,
                            200,
                            "Amazon.com Shopping Cart",
                            "<div id=\"sw-atc-confirmation\"><h1>Added to Cart"
                                    + "</h1></div><a href=\"/gp/cart/view.html\">Go to Cart</a>");
                }
                case "/cart/delete" -> {
                    if (account != null) {
                        account.cart.remove(query.get("asin"));
                    }
                    redirect(exchange, "/gp/cart/view.html");
                }
                case "/gp/buy/spc/handlers/display.html" -> {
                    if (account == null) {
                        signInWall(exchange);
                    } else {
                        checkout(exchange, account);
                    }
                }
                case "/gp/buy/spc/handlers/static-submit-decoupled.html" -> {
                    if (account == null) {
                        signInWall(exchange);
                    } else {
                        place(exchange, account);
                    }
                }
                case "/gp/css/order-history" -> {
                    if (account == null) {
                        signInWall(exchange);
                    } else {
                        history(exchange, account);
                    }
                }
                default -> {
                    if (path.startsWith("/dp/")) {
                        product(exchange, market, path.substring(4));
                    } else {
                        page(exchange, 404, "Page Not Found", "<p>Looking for something? We're sorry.</p>");
                    }
                }
            }
        } catch (RuntimeException e) {
            page(exchange, 500, "Sorry! Something went wrong!", "<p>" + e + "</p>");
        }
    }

    private void search(HttpExchange exchange, Market market, Map<String, String> query) throws IOException {
        String text = query.getOrDefault("k", "").toLowerCase(Locale.ROOT);
        if (text.contains("captcha")) {
            page(
                    exchange,
                    200,
                    "Amazon.com",
                    "<h4>Enter the characters you see below</h4><form method=\"get\" "
                            + "action=\"/errors/validateCaptcha\"><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">"
                            + "<input id=\"captchacharacters\" name=\"field-keywords\"><button>Continue shopping</button></form>");
            return;
        }
        if (text.contains("challenge")) {
            page(exchange, 202, "", AmazonPages.challenge());
            return;
        }
        if (text.contains("newlayout")) {
            page(
                    exchange,
                    200,
                    "Amazon.com : " + text,
                    "<main class=\"results-grid-2027\"><article data-sku=\"X\">"
                            + "A redesigned result</article></main>");
            return;
        }
        List<Item> found = found(text, query.getOrDefault("s", "relevanceblender"));
        Layout layout = layouts.getOrDefault(market.code(), Layout.Y2026);
        int size = pageSize.get();
        int pages = Math.max(1, (found.size() + size - 1) / size);
        int number = Math.min(pages, Math.max(1, Integer.parseInt(query.getOrDefault("page", "1"))));
        int from = (number - 1) * size;
        List<Item> shown = found.subList(Math.min(from, found.size()), Math.min(from + size, found.size()));
        StringBuilder body = new StringBuilder();
        if (!shown.isEmpty()) {
            body.append(AmazonPages.frame(market, layout, text, from + 1, from + shown.size(), found.size()));
        }
        body.append("<div class=\"s-main-slot s-result-list\">");
        // Amazon puts widgets with an empty data-asin between results
        body.append(
                "<div data-component-type=\"s-search-result\" data-asin=\"\"><h2><span>Sponsored</span></h2></div>");
        int position = from;
        for (Item item : shown) {
            body.append(AmazonPages.card(market, layout, item, text, ++position));
        }
        body.append("</div>").append(AmazonPages.pagination(layout, text, number, pages));
        page(exchange, 200, "Amazon : " + text, body.toString());
    }

    /** The catalogue entries whose name has every word of a query, in the order a sort asks for. */
    static List<Item> found(String text, String sort) {
        List<Item> found = new ArrayList<>();
        for (Item item : CATALOGUE) {
            String title = name(item).toLowerCase(Locale.ROOT);
            boolean all = true;
            for (String word : text.toLowerCase(Locale.ROOT).split("\\s+")) {
                all &= word.isEmpty() || title.contains(word);
            }
            if (all) {
                found.add(item);
            }
        }
        switch (sort) {
            case "price-asc-rank" -> found.sort(Comparator.comparing(Item::price));
            case "price-desc-rank" ->
                found.sort(Comparator.comparing(Item::price).reversed());
            case "review-rank" ->
                found.sort(Comparator.comparingDouble(Item::rating).reversed());
            default -> {}
        }
        return found;
    }

    private void product(HttpExchange exchange, Market market, String asin) throws IOException {
        Item item = CATALOGUE.stream()
                .filter(i -> i.asin().equals(asin))
                .findFirst()
                .orElse(null);
        if (item == null) {
            page(
                    exchange,
                    404,
                    "Page Not Found",
                    "<p>Looking for something? We're sorry. The Web address you "
                            + "entered is not a functioning page on our site.</p>");
            return;
        }
        page(
                exchange,
                200,
                "Amazon: " + name(item),
                AmazonPages.product(market, layouts.getOrDefault(market.code(), Layout.Y2026), item));
    }

    private void cart(HttpExchange exchange, Account account) throws IOException {
        StringBuilder body = new StringBuilder("<h1>Shopping Cart</h1><form id=\"activeCartViewForm\">");
        for (Map.Entry<String, Integer> line : account.cart.entrySet()) {
            Item item = item(line.getKey());
            body.append("<div class=\"sc-list-item\" data-asin=\"")
                    .append(item.asin())
                    .append("\" data-quantity=\"")
                    .append(line.getValue())
                    .append("\"><span class=\"sc-product-title\">")
                    .append(name(item))
                    .append("</span><span class=\"sc-product-price\">$")
                    .append(item.price().toPlainString())
                    .append("</span><input type=\"submit\" value=\"Delete\" formaction=\"/cart/delete?asin=")
                    .append(item.asin())
                    .append("\" formmethod=\"post\"></div>");
        }
        body.append("</form><div id=\"sc-subtotal-amount-activecart\"><span class=\"sc-price\">$")
                .append(items(account).toPlainString())
                .append("</span></div>");
        page(exchange, 200, "Amazon.com Shopping Cart", body.toString());
    }

    private void checkout(HttpExchange exchange, Account account) throws IOException {
        BigDecimal items = items(account);
        BigDecimal shipping = shipping(items);
        BigDecimal tax = tax(items);
        page(
                exchange,
                200,
                "Amazon.com Checkout",
                "<div id=\"shipaddress\">Alice Example, 1 Main St, Springfield, "
                        + "IL 62701</div><table id=\"subtotals-marketplace-table\"><tr><td>Items:</td><td class=\"a-text-right\">$"
                        + items + "</td></tr><tr><td>Shipping &amp; handling:</td><td class=\"a-text-right\">$"
                        + shipping
                        + "</td></tr><tr><td>Estimated tax to be collected:</td><td class=\"a-text-right\">$" + tax
                        + "</td></tr><tr><td>Order total:</td><td class=\"a-text-right\">$"
                        + items.add(shipping).add(tax)
                        + "</td></tr></table><form method=\"post\" action=\"/gp/buy/spc/handlers/static-submit-decoupled.html\">"
                        + "<input type=\"submit\" name=\"placeYourOrder1\" value=\"Place your order\"></form>");
    }

    private void place(HttpExchange exchange, Account account) throws IOException {
        if (failNextOrder.getAndSet(false)) {
            page(
                    exchange,
                    500,
                    "Sorry! Something went wrong!",
                    "<p>We're sorry, an error occurred when placing your " + "order. Please try again.</p>");
            return;
        }
        if (account.cart.isEmpty()) {
            page(exchange, 200, "Amazon.com Shopping Cart", "<p>Your Amazon Cart is empty.</p>");
            return;
        }
        BigDecimal items = items(account);
        String number = "112-" + orderNumbers.incrementAndGet() + "-7654321";
        account.orders.add(
                0,
                new Placed(
                        number,
                        "November 22, 2026",
                        items.add(shipping(items)).add(tax(items)),
                        "UPS",
                        "1Z999AA1" + number.substring(4, 11)));
        account.cart.clear();
        page(
                exchange,
                200,
                "Amazon.com Thanks You",
                "<div id=\"widget-purchaseConfirmationStatus\"><h4 "
                        + "class=\"a-alert-heading\">Order placed, thanks!</h4><span>Order # " + number
                        + "</span></div>");
    }

    private void history(HttpExchange exchange, Account account) throws IOException {
        StringBuilder body = new StringBuilder("<div id=\"ordersContainer\">");
        for (Placed order : account.orders) {
            body.append("<div class=\"order-card js-order-card\"><div class=\"yohtmlc-order-date\">")
                    .append(order.date())
                    .append("</div><div class=\"yohtmlc-order-total\"><span>$")
                    .append(order.total().toPlainString())
                    .append("</span></div><div class=\"yohtmlc-order-id\"><span dir=\"ltr\">")
                    .append(order.number())
                    .append("</span></div><div class=\"yohtmlc-shipment-status-primaryText\">Arriving Tuesday</div>")
                    .append("<div data-carrier=\"")
                    .append(order.carrier())
                    .append("\">")
                    .append(order.carrier())
                    .append("</div><div class=\"pt-delivery-card-trackingId\" data-tracking-id=\"")
                    .append(order.tracking())
                    .append("\">Tracking ID: ")
                    .append(order.tracking())
                    .append("</div></div>");
        }
        body.append("</div>");
        page(exchange, 200, "Your Orders", body.toString());
    }

    private void signInWall(HttpExchange exchange) throws IOException {
        page(
                exchange,
                200,
                "Amazon Sign-In",
                "<form name=\"signIn\" method=\"post\" action=\"/ap/signin\">"
                        + "<input id=\"ap_email\" name=\"email\"></form>");
    }

    private BigDecimal items(Account account) {
        BigDecimal sum = BigDecimal.ZERO.setScale(2);
        for (Map.Entry<String, Integer> line : account.cart.entrySet()) {
            sum = sum.add(item(line.getKey()).price().multiply(BigDecimal.valueOf(line.getValue())));
        }
        return sum;
    }

    static BigDecimal shipping(BigDecimal items) {
        return items.compareTo(new BigDecimal("35")) >= 0 ? new BigDecimal("0.00") : new BigDecimal("5.99");
    }

    static BigDecimal tax(BigDecimal items) {
        return items.multiply(new BigDecimal("0.08")).setScale(2, RoundingMode.HALF_UP);
    }

    private static Item item(String asin) {
        return CATALOGUE.stream().filter(i -> i.asin().equals(asin)).findFirst().orElseThrow();
    }

    private Account account(HttpExchange exchange) {
        String cookies = exchange.getRequestHeaders().getFirst("Cookie");
        if (cookies == null) {
            return null;
        }
        for (String cookie : cookies.split(";\\s*")) {
            if (cookie.startsWith("x-main=")) {
                return accounts.get(cookie.substring("x-main=".length()));
            }
        }
        return null;
    }

    private static Map<String, String> params(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            params.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(303, -1);
        exchange.close();
    }

    private static void page(HttpExchange exchange, int status, String title, String body) throws IOException {
        byte[] html = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title
                        + "</title><style>.aok-hidden{display:none!important}"
                        + ".a-offscreen,.aok-offscreen{position:absolute!important;left:-10000px!important}</style></head><body>"
                        + "<div id=\"nav-belt\"><a href=\"/\">amazon</a></div>" + body + "</body></html>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(status, html.length);
        exchange.getResponseBody().write(html);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
