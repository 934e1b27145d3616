package dev.hal9.tools.commerce;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Guard;
import dev.hal9.api.Param;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Resource;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import dev.hal9.tools.browser.WebBrowser;
import dev.hal9.tools.chain.Ton;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Shopping: amazon_search, amazon_product, amazon_cart, amazon_checkout and amazon_orders, driven through the
 * browser family's Chromium in a background session per user (profile {@code amazon}, where 'hal9 login amazon'
 * put the user's own sign-in), and paid in USDT on TON through the guard: quote from the checkout page's real
 * total, pay after a person approves, then place the order; if placing fails after paying, the payment is
 * refunded through the guard. Orders survive restarts.
 */
public final class CommerceFamily implements ToolFamily {

    private static final String PROFILE = "amazon";

    enum Sort {
        RELEVANCE,
        PRICE_ASC,
        PRICE_DESC,
        RATING,
        NEWEST
    }

    /** Why a tool stopped and handed over to a person. */
    record Stop(
            @Param("captcha, sign_in or layout_not_recognised.")
            String reason,

            @Param("What happened and what a person should do.")
            String message,

            @Param("The page it stopped on.") String url,

            @Param("A screenshot of that page (an MCP resource; also attached as an image).")
            String screenshot) {}

    record SearchInput(
            @Param(value = "What to look for, e.g. \"iphone 15 case\".", required = true, maxLength = 200)
            String query,

            @Param(value = "Lowest price, in the store's currency.", minimum = 0)
            BigDecimal minPrice,

            @Param(value = "Highest price, in the store's currency.", minimum = 0)
            BigDecimal maxPrice,

            @Param(value = "Lowest star rating, 0 to 5.", minimum = 0, maximum = 5)
            Double minRating,

            @Param("Only Prime items.") Boolean primeOnly,

            @Param("relevance (default), price_asc, price_desc, rating or newest.")
            Sort sort,

            @Param(value = "Result page, from 1.", minimum = 1, maximum = 20, defaultValue = "1")
            Integer page,

            @Param(
                    value = "Which of the operator's Amazon marketplaces to search (us, uk, de, jp...); omit for the "
                            + "first one configured.",
                    pattern = "^[a-z]{2}$")
            String marketplace) {}

    record SearchOutput(
            @Param("Matching products on this page, in the store's order.")
            List<ShopAdapter.Product> products,

            @Param("The marketplace that answered (its code).")
            String marketplace,

            @Param("Its domain, e.g. amazon.de.") String domain,

            @Param("The page of results this is, as the page says.")
            Integer page,

            @Param("True when Amazon offers a next page (ask for page + 1).")
            Boolean more,

            @Param("How many results there are in all, when the page says; see totalAtLeast.")
            Long total,

            @Param("True when the page says \"over\" that total.")
            Boolean totalAtLeast,

            @Param("The page's own line about its results, e.g. \"1-16 of over 1,000 results for\".")
            String shown,

            @Param("Set when a person must look (captcha, sign-in) or the page was not recognised.")
            Stop stopped) {

        SearchOutput(ShopAdapter.Results r) {
            this(
                    r.products(),
                    r.marketplace(),
                    r.domain(),
                    r.page(),
                    r.more(),
                    r.total(),
                    r.totalAtLeast(),
                    r.shown(),
                    null);
        }

        static SearchOutput stopped(Stop stop) {
            return new SearchOutput(null, null, null, null, null, null, null, null, stop);
        }
    }

    record ProductInput(
            @Param(
                    value = "The product's ASIN (10 letters or digits), from amazon_search.",
                    required = true,
                    pattern = "^[A-Z0-9]{10}$")
            String asin,

            @Param(
                    value = "Which of the operator's Amazon marketplaces to read it on; omit for the first one "
                            + "configured.",
                    pattern = "^[a-z]{2}$")
            String marketplace) {}

    record ProductOutput(
            @Param("The product.") ShopAdapter.Details details,

            @Param("Set when a person must look or the page was not recognised.")
            Stop stopped) {}

    enum CartAction {
        VIEW,
        ADD,
        REMOVE
    }

    record CartInput(
            @Param("view (default), add or remove.") CartAction action,

            @Param(value = "add, remove: the product's ASIN.", pattern = "^[A-Z0-9]{10}$")
            String asin,

            @Param(value = "add: how many (default 1).", minimum = 1, maximum = 30)
            Integer quantity) {}

    record CartOutput(
            @Param("The cart as the store shows it.") ShopAdapter.Cart cart,

            @Param("Set when a person must look or the page was not recognised.")
            Stop stopped) {}

    enum CheckoutAction {
        QUOTE,
        PAY,
        STATUS
    }

    record CheckoutInput(
            @Param(
                    value = "quote: read the checkout page's total and quote it in USDT; pay: pay a quote (a person "
                            + "approves, then the order is placed); status: follow an order.",
                    required = true)
            CheckoutAction action,

            @Param(value = "pay, status: the order's handle (ord_...) from quote.", maxLength = 64)
            String order,

            @Param(value = "pay: your TON wallet to pay from; omit when you have one.", maxLength = 80)
            String from) {}

    record OrderView(
            @Param("The order's handle (ord_...).") String id,

            @Param(
                    "quoted, awaiting_approval, paying, placing, ordered, cancelled, payment_failed, refunding, refunded or "
                            + "refund_failed.")
            String state,

            @Param("What is in it.") List<ShopAdapter.CartLine> lines,

            @Param("Items, shipping, tax and total as the checkout page showed them, in its currency.")
            Map<String, BigDecimal> amounts,

            @Param("The checkout page's currency, e.g. USD.")
            String currency,

            @Param("Where it ships.") String shipTo,

            @Param("The price in USDT (whole units, decimal string).")
            String usdt,

            @Param(value = "When the quote expires; pay before then.", format = "date-time")
            String quoteExpiresAt,

            @Param("The store's order number, once placed.") String orderNumber,
            @Param("What happened, and what to do next.") String note) {}

    record CheckoutOutput(
            @Param("The order.") OrderView order,
            @Param("The USDT payment, once made.") PaymentView payment,

            @Param("The refund (paid back to your wallet by the shop operator), if placing the order failed.")
            PaymentView refund,

            @Param("Set when a person must look or the page was not recognised.")
            Stop stopped) {}

    record OrdersInput(
            @Param(value = "One order's handle (ord_...); omit for all of yours.", maxLength = 64)
            String order) {}

    record Tracked(
            @Param("The order.") OrderView order,

            @Param("The store's status, e.g. \"Arriving Tuesday\" or \"Delivered\".")
            String status,

            @Param("The carrier.") String carrier,
            @Param("The tracking number.") String tracking) {}

    record OrdersOutput(
            @Param("Your orders, newest first, with the store's status and tracking where placed.")
            List<Tracked> orders,

            @Param("Set when the store's order history could not be read.")
            Stop stopped) {}

    @Override
    public String name() {
        return "commerce";
    }

    /** {@code hal9 login amazon}: the person's own sign-in, made in a browser window of theirs. */
    @Override
    public List<Object> commands(Supplier<FamilyContext> context) {
        return List.of(new LoginCommand(context));
    }

    /**
     * The shop: an adapter per marketplace the operator named (the first is the default, and the cart, checkout and
     * orders are its), the order book, and where screenshots go.
     */
    private record Shop(
            FamilyContext context,
            CommerceSettings settings,
            Map<String, AmazonAdapter> adapters,
            OrderBook book,
            Path screens,
            long timeoutMillis) {

        /** The default marketplace's adapter: the cart, checkout and orders are there. */
        AmazonAdapter adapter() {
            return adapters.values().iterator().next();
        }

        AmazonAdapter adapter(String marketplace) {
            if (marketplace == null || marketplace.isBlank()) {
                return adapter();
            }
            AmazonAdapter adapter = adapters.get(marketplace.strip().toLowerCase(Locale.ROOT));
            if (adapter == null) {
                throw ToolException.badArgument(
                        "marketplace",
                        "'" + marketplace + "' is not one of this server's marketplaces ("
                                + String.join(", ", adapters.keySet()) + "); the operator adds one with "
                                + "families.commerce.amazon.marketplaces");
            }
            return adapter;
        }
    }

    /**
     * The marketplaces: {@code amazon.marketplaces} ("us,de,jp" or "us=https://...,de=https://..."), else the one at
     * {@code amazon.base-url}, else amazon.com.
     */
    static Map<String, AmazonAdapter> adapters(FamilyContext context) {
        return adapters(CommerceSettings.from(context).marketplaces());
    }

    private static Map<String, AmazonAdapter> adapters(String setting) {
        List<Marketplace> marketplaces;
        try {
            marketplaces = Marketplace.parse(setting);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("families.commerce.amazon.marketplaces: " + e.getMessage(), e);
        }
        Map<String, AmazonAdapter> adapters = new java.util.LinkedHashMap<>();
        for (Marketplace marketplace : marketplaces) {
            adapters.put(marketplace.code(), new AmazonAdapter(marketplace));
        }
        return java.util.Collections.unmodifiableMap(adapters);
    }

    private volatile Shop shop;

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        CommerceSettings settings = CommerceSettings.from(context);
        Shop s = new Shop(
                context,
                settings,
                adapters(settings.marketplaces()),
                new OrderBook(context.database(), context.state()),
                context.dataDirectory().resolve("screens"),
                settings.storeTimeout().toMillis());
        this.shop = s;
        List<Tool<?, ?>> tools = new ArrayList<>();
        tools.add(Tool.builder("amazon_search", SearchInput.class, SearchOutput.class)
                .title("Search Amazon")
                .description("Search one of the operator's Amazon marketplaces in a real browser and return structured "
                        + "products (ASIN, title, price and currency, rating, review count, Prime, sponsored, image "
                        + "and product URL), filtered by price, rating and Prime, with the page, whether there is more "
                        + "and the total shown. Prices are in the marketplace's currency; a field the page does not "
                        + "show is absent. Use amazon_product for one product's details and amazon_cart to add it. If "
                        + "Amazon shows a captcha, a bot challenge or a sign-in, the result says so with a screenshot; "
                        + "a person must act.")
                .kind(ToolKind.ACTION)
                .capability("commerce.browse")
                .handler((in, call) -> guarded(s, call, SearchOutput::stopped, page -> {
                    if (in.query().isBlank()) {
                        throw ToolException.badArgument("query", "is empty; say what to look for");
                    }
                    if (in.minPrice() != null
                            && in.maxPrice() != null
                            && in.minPrice().compareTo(in.maxPrice()) > 0) {
                        throw ToolException.badArgument("minPrice", "is above maxPrice");
                    }
                    return new SearchOutput(s.adapter(in.marketplace())
                            .search(
                                    page,
                                    new ShopAdapter.Query(
                                            in.query().strip(),
                                            in.minPrice(),
                                            in.maxPrice(),
                                            in.minRating(),
                                            Boolean.TRUE.equals(in.primeOnly()),
                                            in.sort() == null
                                                    ? null
                                                    : in.sort().name().toLowerCase(Locale.ROOT),
                                            in.page() == null ? 1 : in.page())));
                }))
                .view("ui://hal9/amazon/products")
                .render(CommerceFamily::render)
                .build());
        tools.add(Tool.builder("amazon_product", ProductInput.class, ProductOutput.class)
                .title("An Amazon product's details")
                .description("Read one product's page on a marketplace: title, price, rating, availability, delivery "
                        + "estimate, variants (dimension, value, ASIN) and the \"About this item\" bullets.")
                .kind(ToolKind.ACTION)
                .capability("commerce.browse")
                .handler((in, call) -> guarded(
                        s,
                        call,
                        stop -> new ProductOutput(null, stop),
                        page -> new ProductOutput(s.adapter(in.marketplace()).product(page, in.asin()), null)))
                .view("ui://hal9/amazon/product")
                .render(CommerceFamily::render)
                .build());
        tools.add(Tool.builder("amazon_cart", CartInput.class, CartOutput.class)
                .title("Your Amazon cart")
                .description("View your Amazon cart, add a product (by ASIN, with a quantity) or remove one. The cart "
                        + "is Amazon's own, in your signed-in browser profile, so it survives restarts. "
                        + "amazon_checkout quotes it.")
                .kind(ToolKind.ACTION)
                .capability("commerce.browse")
                .handler((in, call) -> guarded(s, call, stop -> new CartOutput(null, stop), page -> {
                    CartAction action = in.action() == null ? CartAction.VIEW : in.action();
                    return new CartOutput(
                            switch (action) {
                                case VIEW -> s.adapter().cart(page);
                                case ADD ->
                                    s.adapter()
                                            .addToCart(
                                                    page,
                                                    required(in.asin(), "asin", "add"),
                                                    in.quantity() == null ? 1 : in.quantity());
                                case REMOVE -> s.adapter().removeFromCart(page, required(in.asin(), "asin", "remove"));
                            },
                            null);
                }))
                .view("ui://hal9/amazon/cart")
                .render(CommerceFamily::render)
                .build());
        tools.add(Tool.builder("amazon_orders", OrdersInput.class, OrdersOutput.class)
                .title("Your orders and tracking")
                .description("Your orders through hal9, newest first, with the store's status and tracking number "
                        + "read from Amazon's order history for those placed.")
                .kind(ToolKind.READ_ONLY)
                .capability("commerce.browse")
                .handler((in, call) -> orders(s, in, call))
                .view("ui://hal9/amazon/orders")
                .render(CommerceFamily::render)
                .build());
        context.guard().ifPresent(guard -> guard.listen((payment, original) -> settled(s, guard, payment, original)));
        context.guard()
                .ifPresent(guard -> tools.add(Tool.builder("amazon_checkout", CheckoutInput.class, CheckoutOutput.class)
                        .title("Check out and pay in USDT")
                        .view(View.PAYMENT)
                        .description(
                                "Buy what is in your Amazon cart, paid in USDT on TON. action=quote reads the real total "
                                        + "(items, shipping, tax) from the checkout page and quotes it in USDT; the quote expires. "
                                        + "action=pay sends the USDT payment to the server's guard: a person approves it (you "
                                        + "cannot), and only then is the order placed; if placing fails after paying, the USDT is "
                                        + "refunded. The order is placed by itself once the payment arrives; action=status shows where it stands. "
                                        + "amazon_orders shows tracking.")
                        .kind(ToolKind.DESTRUCTIVE)
                        .capability("commerce.checkout")
                        .handler((in, call) -> checkout(s, guard, in, call))
                        .render(CommerceFamily::render)
                        .build()));
        return tools;
    }

    /**
     * The MCP Apps views of search, product, cart and orders: pages in this jar, fed the tools' structured output,
     * that call amazon_product and amazon_cart back through the host (details, add to cart, remove).
     */
    @Override
    public List<View> views(FamilyContext context) {
        return views(imageDomains(context.requiredSetting("image-domains")));
    }

    /** The views, letting pictures come from these origins. */
    static List<View> views(List<String> images) {
        return List.of(
                // amazon_checkout's payment, with the order it pays for
                View.payment(),
                View.of(
                        "ui://hal9/amazon/products",
                        "amazon_search_view",
                        "Amazon search results",
                        "A grid of the products amazon_search found, with prices, ratings, Prime and details on demand.",
                        CommerceFamily.class,
                        "views/products.html",
                        images),
                View.of(
                        "ui://hal9/amazon/product",
                        "amazon_product_view",
                        "Amazon product",
                        "One product's page from amazon_product: price, rating, availability, variants, its bullets and "
                                + "an Add to cart button.",
                        CommerceFamily.class,
                        "views/product.html",
                        images),
                View.of(
                        "ui://hal9/amazon/cart",
                        "amazon_cart_view",
                        "Your Amazon cart",
                        "The cart's lines and subtotal from amazon_cart, with a Remove button per line.",
                        CommerceFamily.class,
                        "views/cart.html",
                        images),
                View.of(
                        "ui://hal9/amazon/orders",
                        "amazon_orders_view",
                        "Your orders",
                        "An order tracker for amazon_orders: each order's progress from quote to ordered, its amounts, "
                                + "USDT price, store status and tracking.",
                        CommerceFamily.class,
                        "views/orders.html",
                        images));
    }
    /** families.commerce.image-domains: origins (scheme and host) the views may load pictures from. */
    static List<String> imageDomains(String value) {
        List<String> domains = new java.util.ArrayList<>();
        for (String part : value.split(",")) {
            String origin = part.strip();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.matches("https?://[A-Za-z0-9.-]+(:[0-9]+)?")) {
                throw new IllegalArgumentException("families.commerce.image-domains must be origins such as "
                        + "https://m.media-amazon.com, comma-separated, not '" + origin + "'");
            }
            domains.add(origin);
        }
        return List.copyOf(domains);
    }

    @Override
    public List<Resource> resources(FamilyContext context) {
        return List.of(new Resource(
                "hal9://commerce/screens/{file}",
                "commerce_screenshot",
                "Shop screenshot",
                "The page a shopping tool stopped on (a captcha, a sign-in wall, a layout it did not recognise).",
                "image/png",
                (uri, variables, call) -> {
                    String file = variables.get("file");
                    Shop s = shop;
                    if (!file.matches("[a-z0-9-]{1,64}\\.png")
                            || s.context()
                                    .state()
                                    .get(call.principal().id(), "screen/" + file)
                                    .isEmpty()) {
                        throw ToolException.notFound("screenshot", file, "the tool result that stopped names it");
                    }
                    return List.of(new Resource.Content(
                            uri,
                            "image/png",
                            null,
                            Files.readAllBytes(s.screens().resolve(file))));
                }));
    }

    // ---- checkout

    private CheckoutOutput checkout(Shop s, Guard guard, CheckoutInput in, ToolCall call) {
        String principal = call.principal().id();
        return switch (in.action()) {
            case QUOTE ->
                guarded(s, call, stop -> new CheckoutOutput(null, null, null, stop), page -> {
                    ShopAdapter.Cart cart = s.adapter().cart(page);
                    if (cart.lines().isEmpty()) {
                        throw new ToolException("your Amazon cart is empty; add something with amazon_cart action=add");
                    }
                    ShopAdapter.Checkout checkout = s.adapter().checkout(page);
                    if (!"USD".equals(checkout.currency())) {
                        throw new ToolException("the checkout total is in " + checkout.currency() + "; hal9 quotes USD "
                                + "totals in USDT only");
                    }
                    BigDecimal rate = s.settings().usdtPerUsd();
                    BigDecimal usdt = checkout.total().multiply(rate).setScale(2, RoundingMode.CEILING);
                    long seconds = s.settings().quoteLife().toSeconds();
                    String id = call.handles()
                            .mint(
                                    "ord",
                                    "order of " + cart.lines().size() + " item(s), " + usdt.toPlainString() + " USDT");
                    OrderBook.Order order = new OrderBook.Order(
                            id,
                            "quoted",
                            cart.lines(),
                            checkout.items(),
                            checkout.shipping(),
                            checkout.tax(),
                            checkout.total(),
                            checkout.currency(),
                            checkout.shipTo(),
                            usdt.toPlainString(),
                            token(s),
                            s.context().clock().instant().plusSeconds(seconds).toString(),
                            null,
                            null,
                            null,
                            null,
                            "Quoted from the checkout page; pay with amazon_checkout action=pay order=" + id
                                    + " before the " + "quote expires.",
                            s.context().clock().instant().toString(),
                            0);
                    s.book().create(principal, order);
                    return new CheckoutOutput(view(order), null, null, null);
                });
            case PAY -> {
                OrderBook.Order order = order(s, call, in.order());
                if (!order.state().equals("quoted")) {
                    yield report(s, guard, call, order); // paid already: the same order, never a second payment
                }
                if (s.context().clock().instant().isAfter(Instant.parse(order.quoteExpiresAt()))) {
                    s.book()
                            .move(
                                    principal,
                                    order,
                                    order.with(
                                            "cancelled",
                                            null,
                                            null,
                                            null,
                                            "The quote expired at " + order.quoteExpiresAt()
                                                    + " before it was paid; nothing was paid. Quote again (prices"
                                                    + " may have changed)."));
                    throw new ToolException("the quote for " + order.id() + " expired at " + order.quoteExpiresAt()
                            + "; nothing was paid. Get a new one with amazon_checkout action=quote");
                }
                Ton ton = ton(s);
                String wallet = ton.wallet(principal, in.from());
                Optional<OrderBook.Order> mine = s.book().move(principal, order, order.withWallet(wallet));
                if (mine.isEmpty()) {
                    // another call (here or on another instance) is paying this order: one payment, its report
                    yield report(s, guard, call, order);
                }
                order = mine.get();
                Guard.Intent intent = ton.prepare(
                        principal,
                        new Ton.Payment(
                                in.from(),
                                payTo(s, ton),
                                order.usdt(),
                                "hal9 " + order.id(),
                                order.token(),
                                "order-" + order.id()));
                // an auto-approved payment may settle within submit: the listener then moves the order on
                Guard.Payment payment = guard.submit(call, intent);
                OrderBook.Order now = s.book().find(principal, order.id()).orElseThrow();
                if (now.state().equals("quoted")) {
                    s.book()
                            .move(
                                    principal,
                                    now,
                                    now.with(
                                            "awaiting_approval",
                                            payment.id(),
                                            null,
                                            null,
                                            "Waiting for a person to approve the USDT payment; the order is placed"
                                                    + " as soon as the payment arrives."));
                }
                yield report(s, guard, call, order);
            }
            case STATUS -> report(s, guard, call, order(s, call, in.order()));
        };
    }

    /**
     * Where an order stands, from the order book and its payment. The order moves on when its payment ends (see
     * {@link #settled}), not when anyone asks: this only notes that an approved payment is on its way.
     */
    private CheckoutOutput report(Shop s, Guard guard, ToolCall call, OrderBook.Order start) {
        String principal = call.principal().id();
        OrderBook.Order order = s.book().find(principal, start.id()).orElse(start);
        if (order.paymentId() == null) {
            return new CheckoutOutput(view(order), null, null, null);
        }
        Guard.Payment payment = guard.find(call.principal(), order.paymentId()).orElseThrow();
        if (payment.state().terminal() && List.of("awaiting_approval", "paying").contains(order.state())) {
            // ended in another process (hal9 decline) a moment ago: what its listener will do, done now (once)
            settled(s, guard, payment, null);
            order = s.book().find(principal, order.id()).orElse(order);
        }
        if (order.state().equals("refunding") && order.refundPaymentId() != null) {
            // a refund that ended before the order was marked refunding was not heard by the listener
            Optional<Guard.Payment> refund = guard.find(call.principal(), order.refundPaymentId());
            if (refund.isPresent() && refund.get().state().terminal()) {
                refunded(s, principal, order, refund.get());
                order = s.book().find(principal, order.id()).orElse(order);
            }
        }
        if (order.state().equals("awaiting_approval")
                && (payment.state() == Guard.State.APPROVED || payment.state().inFlight())) {
            OrderBook.Order read = order;
            order = s.book()
                    .move(
                            principal,
                            read,
                            read.with(
                                    "paying",
                                    payment.id(),
                                    null,
                                    null,
                                    "Approved; the USDT payment is on its way, and the order is placed when it"
                                            + " arrives."))
                    .orElseGet(() -> s.book().find(principal, read.id()).orElse(read));
        }
        PaymentView refund = guard.refundOf(call.principal(), payment.id())
                .map(r -> guard.view(r))
                .orElse(null);
        return new CheckoutOutput(view(order), guard.view(payment), refund, null);
    }

    /**
     * A payment ended (the guard tells every family; this one listens for order payments and their refunds). A
     * delivered payment places the order, and if placing fails the guard refunds the payment; a declined, expired
     * or failed one cancels the order. Runs in whichever thread ended the payment, with no model involved.
     */
    private void settled(Shop s, Guard guard, Guard.Payment payment, Guard.Payment original) {
        Guard.Payment paid = original == null ? payment : original;
        if (!Ton.KIND.equals(paid.kind()) || !paid.idempotencyKey().startsWith("order-")) {
            return;
        }
        String principal = paid.principal();
        String id = paid.idempotencyKey().substring("order-".length());
        Optional<OrderBook.Order> found = s.book().find(principal, id);
        if (found.isEmpty()) {
            return;
        }
        OrderBook.Order order = found.get();
        if (original != null) {
            refunded(s, principal, order, payment);
            return;
        }
        if (!List.of("quoted", "awaiting_approval", "paying").contains(order.state())) {
            return; // moved on already (this end was heard before), or being placed
        }
        switch (payment.state()) {
            case CONFIRMED -> place(s, guard, principal, order, payment);
            case DECLINED, EXPIRED ->
                s.book()
                        .move(
                                principal,
                                order,
                                order.with(
                                        "cancelled",
                                        payment.id(),
                                        null,
                                        null,
                                        "The payment was "
                                                + payment.state().name().toLowerCase(Locale.ROOT)
                                                + ": nothing was paid and nothing was ordered."));
            case FAILED ->
                s.book()
                        .move(
                                principal,
                                order,
                                order.with(
                                        "payment_failed",
                                        payment.id(),
                                        null,
                                        null,
                                        "The USDT payment failed (" + payment.error() + "); nothing was ordered."));
            default -> {}
        }
    }

    private void refunded(Shop s, String principal, OrderBook.Order order, Guard.Payment refund) {
        if (!order.state().equals("refunding")) {
            return;
        }
        String wallet = order.wallet() == null ? "your wallet" : order.wallet();
        s.book()
                .move(
                        principal,
                        order,
                        refund.state() == Guard.State.CONFIRMED
                                ? order.with(
                                        "refunded",
                                        order.paymentId(),
                                        null,
                                        refund.id(),
                                        "The order could not be placed, and the " + order.usdt()
                                                + " USDT were refunded to " + wallet + ".")
                                : order.with(
                                        "refund_failed",
                                        order.paymentId(),
                                        null,
                                        refund.id(),
                                        "The order could not be placed, and its refund " + refund.id() + " was "
                                                + refund.state().name().toLowerCase(Locale.ROOT) + " ("
                                                + refund.error() + "); the shop's operator must pay the "
                                                + order.usdt() + " USDT back."));
    }

    /**
     * The payment arrived: place the order; if that fails, ask the guard to refund the payment. Only the caller
     * that moves the order to {@code placing} places it: another thread or instance that heard the same payment end
     * finds it moved and leaves it.
     */
    private void place(Shop s, Guard guard, String principal, OrderBook.Order order, Guard.Payment payment) {
        Optional<OrderBook.Order> claimed = s.book()
                .move(
                        principal,
                        order,
                        order.with("placing", payment.id(), null, null, "Paid; placing the order with" + " Amazon."));
        if (claimed.isEmpty()) {
            return;
        }
        OrderBook.Order placing = claimed.get();
        String failure;
        try {
            String number = browser(s, principal).withPage(principal, PROFILE, s.timeoutMillis(), page -> {
                ShopAdapter.Checkout checkout = s.adapter().checkout(page);
                if (checkout.total().compareTo(placing.total()) != 0) {
                    throw new ToolException("the checkout total changed from " + placing.total() + " to "
                            + checkout.total() + " " + checkout.currency() + " after the quote");
                }
                return s.adapter().placeOrder(page);
            });
            s.book()
                    .move(
                            principal,
                            placing,
                            placing.with(
                                    "ordered",
                                    payment.id(),
                                    number,
                                    null,
                                    "Paid " + placing.usdt() + " USDT and ordered: Amazon order " + number
                                            + ". amazon_orders shows its tracking."));
            return;
        } catch (ShopAdapter.Blocked e) {
            failure = e.getMessage();
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        // the refund first, then the order says which refund it waits for (a refund that ends before this move is
        // caught up by the next status: see report)
        Guard.Payment refund = guard.refund(payment.id(), "the order could not be placed");
        String wallet = placing.wallet() == null ? "your wallet" : placing.wallet();
        s.book()
                .move(
                        principal,
                        placing,
                        placing.with(
                                "refunding",
                                payment.id(),
                                null,
                                refund.id(),
                                "Paid, but the order could not be placed (" + failure + "). The " + placing.usdt()
                                        + " USDT are being refunded to " + wallet + " (refund " + refund.id()
                                        + ", which the shop's operator approves)."));
    }

    private OrdersOutput orders(Shop s, OrdersInput in, ToolCall call) {
        String principal = call.principal().id();
        List<OrderBook.Order> mine =
                in.order() == null ? s.book().list(principal, 50) : List.of(order(s, call, in.order()));
        boolean anyPlaced = mine.stream().anyMatch(o -> o.orderNumber() != null);
        List<ShopAdapter.Order> shopOrders = List.of();
        Stop stopped = null;
        if (anyPlaced) {
            try {
                shopOrders = browser(s, principal).withPage(principal, PROFILE, s.timeoutMillis(), page -> s.adapter()
                        .orders(page));
            } catch (ShopAdapter.Blocked e) {
                stopped = stop(s, call, e);
            }
        }
        List<Tracked> tracked = new ArrayList<>();
        for (OrderBook.Order order : mine) {
            Optional<ShopAdapter.Order> placed = shopOrders.stream()
                    .filter(o ->
                            order.orderNumber() != null && order.orderNumber().equals(o.number()))
                    .findFirst();
            tracked.add(new Tracked(
                    view(order),
                    placed.map(ShopAdapter.Order::status).orElse(null),
                    placed.map(ShopAdapter.Order::carrier).orElse(null),
                    placed.map(ShopAdapter.Order::tracking).orElse(null)));
        }
        return new OrdersOutput(tracked, stopped);
    }

    // ---- helpers

    /** Runs shop work in the caller's Amazon session; a page that needs a person becomes a result that says so. */
    private <O> O guarded(
            Shop s, ToolCall call, Function<Stop, O> stopped, Function<com.microsoft.playwright.Page, O> work) {
        try {
            return browser(s, call.principal().id()).withPage(call.principal().id(), PROFILE, s.timeoutMillis(), work);
        } catch (ShopAdapter.Blocked e) {
            return stopped.apply(stop(s, call, e));
        }
    }

    private Stop stop(Shop s, ToolCall call, ShopAdapter.Blocked blocked) {
        String uri = null;
        if (blocked.screenshot != null) {
            String file = UUID.randomUUID() + ".png";
            try {
                Files.createDirectories(s.screens());
                Files.write(s.screens().resolve(file), blocked.screenshot);
                s.context().state().put(call.principal().id(), "screen/" + file, blocked.url);
                uri = "hal9://commerce/screens/" + file;
                call.attachImage(blocked.screenshot, "image/png");
            } catch (IOException e) {
                uri = null;
            }
        }
        return new Stop(blocked.reason.name().toLowerCase(Locale.ROOT), blocked.getMessage(), blocked.url, uri);
    }

    /** The browser, once it has the sign-in 'hal9 login amazon' left for this principal, if there is one. */
    private static WebBrowser browser(Shop s, String principal) {
        WebBrowser browser = browser(s);
        dev.hal9.api.FamilyState state = s.context().state();
        state.get(principal, LoginCommand.PENDING).ifPresent(signIn -> {
            browser.adoptProfile(principal, PROFILE, signIn, s.timeoutMillis());
            state.delete(principal, LoginCommand.PENDING);
        });
        return browser;
    }

    private static WebBrowser browser(Shop s) {
        return s.context()
                .service(WebBrowser.class)
                .orElseThrow(() ->
                        new ToolException("shopping needs the browser family, which is not loaded in this server"));
    }

    private static Ton ton(Shop s) {
        return s.context()
                .service(Ton.class)
                .orElseThrow(() -> new ToolException(
                        "paying needs the chain family's TON payments, which are not available in this server"));
    }

    private static String token(Shop s) {
        return s.settings().token();
    }

    /** Where payments go: the configured address, else the shop operator's (merchant principal's) TON wallet. */
    private static String payTo(Shop s, Ton ton) {
        if (s.settings().payTo().isPresent()) {
            return s.settings().payTo().get();
        }
        String merchant = s.settings().merchant();
        try {
            return ton.wallet(merchant, null);
        } catch (ToolException e) {
            throw new ToolException("the shop is not set up to take payments: the operator must give the merchant "
                    + "principal '" + merchant + "' a TON wallet ('hal9 wallet create --chain ton --principal "
                    + merchant + "') or set families.commerce.pay-to");
        }
    }

    private static OrderBook.Order order(Shop s, ToolCall call, String id) {
        String handle = required(id, "order", "this action");
        return s.book()
                .find(call.principal().id(), handle)
                .orElseThrow(() -> ToolException.notFound(
                        "order", handle, "amazon_checkout action=quote makes one; amazon_orders lists yours"));
    }

    private static OrderView view(OrderBook.Order o) {
        Map<String, BigDecimal> amounts = new java.util.LinkedHashMap<>();
        if (o.items() != null) {
            amounts.put("items", o.items());
        }
        amounts.put("shipping", o.shipping());
        amounts.put("tax", o.tax());
        amounts.put("total", o.total());
        return new OrderView(
                o.id(),
                o.state(),
                o.lines(),
                amounts,
                o.currency(),
                o.shipTo(),
                o.usdt(),
                o.quoteExpiresAt(),
                o.orderNumber(),
                o.note());
    }

    private static String required(String value, String name, String what) {
        if (value == null || value.isBlank()) {
            throw ToolException.badArgument(name, "is needed for " + what);
        }
        return value;
    }

    private static String render(SearchOutput o) {
        if (o.stopped() != null) {
            return "stopped (" + o.stopped().reason() + "): " + o.stopped().message();
        }
        StringBuilder text = new StringBuilder(o.products().size() + " product(s) on " + o.domain() + ", page "
                + o.page() + (o.shown() == null ? "" : " (" + o.shown() + ")")
                + (o.more() ? "; more on page " + (o.page() + 1) : ""));
        o.products().forEach(p -> text.append("\n")
                .append(p.asin())
                .append("  ")
                .append(price(p.price(), p.currency()))
                .append("  ")
                .append(p.rating() == null ? "" : p.rating() + "★ ")
                .append(p.reviews() == null ? "" : "(" + p.reviews() + ") ")
                .append(p.prime() ? "Prime " : "")
                .append(p.sponsored() ? "Sponsored " : "")
                .append(p.title()));
        return text.toString();
    }

    private static String price(BigDecimal amount, String currency) {
        return amount == null ? "no price shown" : amount.toPlainString() + " " + (currency == null ? "" : currency);
    }

    private static String render(ProductOutput o) {
        if (o.stopped() != null) {
            return "stopped (" + o.stopped().reason() + "): " + o.stopped().message();
        }
        ShopAdapter.Product p = o.details().product();
        StringBuilder text = new StringBuilder(p.asin() + ": " + p.title() + "\n" + price(p.price(), p.currency())
                + (p.rating() == null ? "" : ", " + p.rating() + "★")
                + (p.reviews() == null ? "" : " (" + p.reviews() + " ratings)")
                + (p.prime() ? ", Prime" : ""));
        text.append("\n")
                .append(
                        o.details().availability() == null
                                ? "availability not shown"
                                : o.details().availability());
        if (o.details().delivery() != null) {
            text.append("; ").append(o.details().delivery());
        }
        if (!o.details().variants().isEmpty()) {
            text.append("\nvariants: ")
                    .append(o.details().variants().stream()
                            .map(v -> v.dimension() + " " + v.value() + " (" + v.asin()
                                    + (v.selected() ? ", this one" : "") + (v.available() ? "" : ", unavailable") + ")")
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        o.details().bullets().forEach(b -> text.append("\n- ").append(b));
        return text.toString();
    }

    private static String render(CartOutput o) {
        if (o.stopped() != null) {
            return "stopped (" + o.stopped().reason() + "): " + o.stopped().message();
        }
        StringBuilder text = new StringBuilder("cart: " + o.cart().lines().size() + " item(s), subtotal $"
                + o.cart().subtotal().toPlainString());
        o.cart().lines().forEach(l -> text.append("\n")
                .append(l.asin())
                .append(" x")
                .append(l.quantity())
                .append("  $")
                .append(l.price() == null ? "?" : l.price().toPlainString())
                .append("  ")
                .append(l.title()));
        return text.toString();
    }

    private static String render(OrdersOutput o) {
        StringBuilder text = new StringBuilder(o.orders().size() + " order(s)");
        o.orders().forEach(t -> text.append("\n")
                .append(t.order().id())
                .append(": ")
                .append(t.order().state())
                .append(
                        t.order().orderNumber() == null
                                ? ""
                                : ", Amazon order " + t.order().orderNumber())
                .append(t.status() == null ? "" : ", " + t.status())
                .append(t.tracking() == null ? "" : ", " + t.carrier() + " " + t.tracking()));
        if (o.stopped() != null) {
            text.append("\nstopped (")
                    .append(o.stopped().reason())
                    .append("): ")
                    .append(o.stopped().message());
        }
        return text.toString();
    }

    private static String render(CheckoutOutput o) {
        if (o.stopped() != null) {
            return "stopped (" + o.stopped().reason() + "): " + o.stopped().message();
        }
        OrderView v = o.order();
        StringBuilder text = new StringBuilder(v.id() + ": " + v.state() + " — " + v.usdt() + " USDT for $"
                + v.amounts().get("total") + " (items " + v.amounts().get("items") + ", shipping "
                + v.amounts().get("shipping") + ", tax " + v.amounts().get("tax") + ")");
        if (v.orderNumber() != null) {
            text.append("\nAmazon order ").append(v.orderNumber());
        }
        if (v.note() != null) {
            text.append("\n").append(v.note());
        }
        if (o.payment() != null) {
            text.append("\n").append(o.payment().render());
        }
        if (o.refund() != null) {
            text.append("\nrefund ").append(o.refund().render());
        }
        return text.toString();
    }
}
