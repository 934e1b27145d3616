package dev.hal9.tools.commerce;

import static dev.hal9.tools.commerce.AmazonMarkup.*;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.options.LoadState;
import com.microsoft.playwright.options.WaitUntilState;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link ShopAdapter} for one Amazon marketplace, reading the markup {@link AmazonMarkup} describes and the numbers
 * as the marketplace writes them ({@link Marketplace}). Runs on the browser thread.
 */
final class AmazonAdapter implements ShopAdapter {

    private final Marketplace marketplace;
    private final String base;

    AmazonAdapter(Marketplace marketplace) {
        this.marketplace = marketplace;
        this.base = marketplace.origin();
    }

    @Override
    public Results search(Page page, Query query) {
        int number = Math.max(1, query.page());
        StringBuilder path = new StringBuilder(
                String.format(SEARCH, URLEncoder.encode(query.text(), StandardCharsets.UTF_8), number));
        path.append("&s=").append(sortKey(query.sort()));
        if (query.minPrice() != null) {
            path.append("&low-price=").append(query.minPrice().toPlainString());
        }
        if (query.maxPrice() != null) {
            path.append("&high-price=").append(query.maxPrice().toPlainString());
        }
        open(page, path.toString());
        expect(page, RESULTS, "search results");
        List<Product> products = new ArrayList<>();
        for (Locator card : page.locator(RESULT).all()) {
            String asin = card.getAttribute("data-asin");
            if (asin == null || asin.isBlank()) {
                continue; // Amazon's own widgets between results carry an empty data-asin
            }
            String title = first(card, RESULT_TITLE);
            if (title == null) {
                continue;
            }
            Marketplace.Money price = price(card.locator(PRICE));
            Product product = new Product(
                    asin,
                    title,
                    price == null ? null : price.amount(),
                    price == null ? null : price.currency(),
                    marketplace.code(),
                    marketplace.rating(first(card, RATING)),
                    reviews(card),
                    card.locator(PRIME).count() > 0,
                    card.locator(SPONSORED).count() > 0,
                    attribute(card, IMAGE, "src"),
                    base + String.format(PRODUCT, asin));
            if (query.minPrice() != null
                    && (product.price() == null || product.price().compareTo(query.minPrice()) < 0)) {
                continue;
            }
            if (query.maxPrice() != null
                    && (product.price() == null || product.price().compareTo(query.maxPrice()) > 0)) {
                continue;
            }
            if (query.minRating() != null && (product.rating() == null || product.rating() < query.minRating())) {
                continue;
            }
            if (query.primeOnly() && !product.prime()) {
                continue;
            }
            products.add(product);
        }
        String shown = null;
        for (Locator span : page.locator(RESULT_INFO).all()) {
            String said = span.textContent();
            if (said != null && said.matches("(?s).*[0-9].*")) {
                shown = said.strip().replaceAll("\\s+", " ");
                break;
            }
        }
        Marketplace.Total total = Marketplace.total(shown);
        String current = text(page.locator("body"), PAGE_CURRENT);
        int shownPage = current != null && current.matches("\\d+") ? Integer.parseInt(current) : number;
        return new Results(
                products,
                marketplace.code(),
                marketplace.domain(),
                shownPage,
                page.locator(PAGE_NEXT).count() > 0,
                total == null ? null : total.count(),
                total != null && total.atLeast(),
                shown);
    }

    private Integer reviews(Locator card) {
        for (String selector : REVIEWS_LABEL) {
            String label = attribute(card, selector, "aria-label");
            if (label != null && !marketplace.isRating(label)) {
                Integer count = marketplace.count(label);
                if (count != null) {
                    return count;
                }
            }
        }
        for (String selector : REVIEWS_TEXT) {
            String shown = text(card, selector);
            if (shown != null && !marketplace.isRating(shown)) {
                Integer count = marketplace.count(shown);
                if (count != null) {
                    return count;
                }
            }
        }
        return null;
    }

    /** The first of the prices: its screen-reader text, or when that is empty what it shows. */
    private Marketplace.Money price(Locator prices) {
        for (Locator price : prices.all()) {
            String text = text(price, PRICE_TEXT);
            if (text == null) {
                text = text(price, PRICE_SHOWN);
            }
            if (text == null && price.locator(PRICE_TEXT).count() == 0) {
                text = price.textContent(); // an old priceblock span holds the price itself
            }
            Marketplace.Money money = marketplace.money(text);
            if (money != null) {
                return money;
            }
        }
        return null;
    }

    @Override
    public Details product(Page page, String asin) {
        open(page, String.format(PRODUCT, asin));
        if (page.locator(TITLE).count() == 0 && notFound(page)) {
            throw new dev.hal9.api.ToolException(
                    "Amazon has no product " + asin + "; amazon_search finds products and " + "their ASINs");
        }
        expect(page, TITLE, "product");
        Locator body = page.locator("body");
        Marketplace.Money price = null;
        for (String selector : PRODUCT_PRICE) {
            price = price(page.locator(selector));
            if (price != null) {
                break;
            }
        }
        String ratingText = attribute(body, PRODUCT_RATING.get(0), "title");
        if (marketplace.rating(ratingText) == null) {
            ratingText = first(body, PRODUCT_RATING.subList(1, PRODUCT_RATING.size()));
        }
        Product product = new Product(
                asin,
                first(body, TITLE_TEXT),
                price == null ? null : price.amount(),
                price == null ? null : price.currency(),
                marketplace.code(),
                marketplace.rating(ratingText),
                reviewsOf(body),
                page.locator(PRODUCT_PRIME).count() > 0,
                false,
                null,
                base + String.format(PRODUCT, asin));
        return new Details(
                product, shown(page, List.of(AVAILABILITY)), shown(page, DELIVERY), variants(page), bullets(page));
    }

    private Integer reviewsOf(Locator body) {
        Integer count = marketplace.count(text(body, PRODUCT_REVIEWS));
        return count != null ? count : marketplace.count(attribute(body, PRODUCT_REVIEWS_LABEL, "aria-label"));
    }

    private List<Variant> variants(Page page) {
        List<Variant> variants = new ArrayList<>();
        for (Locator row : page.locator(VARIANT_ROWS).all()) {
            String id = row.getAttribute("id");
            String dimension = dimension(row, id);
            for (Locator choice : row.locator(VARIANT_CHOICE).all()) {
                String choiceAsin = choiceAsin(choice);
                if (choiceAsin == null) {
                    continue;
                }
                String value = choiceValue(choice);
                if (value == null) {
                    continue;
                }
                variants.add(new Variant(
                        dimension,
                        value,
                        choiceAsin,
                        matches(choice, VARIANT_SELECTED),
                        !matches(choice, VARIANT_UNAVAILABLE)));
            }
        }
        return variants;
    }

    /** "Color" from the row's label ("Color:"), else from its id (inline-twister-row-color_name, variation_color_name). */
    private static String dimension(Locator row, String id) {
        String label = text(row, VARIANT_LABEL);
        if (label != null) {
            int colon = label.replace('：', ':').indexOf(':');
            String name = (colon >= 0 ? label.substring(0, colon) : label).strip();
            if (!name.isEmpty()) {
                return name;
            }
        }
        String key = id == null ? "variant" : id.replaceFirst("^(inline-twister-row-|variation_)", "");
        key = key.replaceFirst("_name$", "").replace('_', ' ');
        return key.isEmpty() ? "variant" : Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }

    private static final Pattern ASIN_IN_URL = Pattern.compile("/dp/([A-Z0-9]{10})");
    private static final Pattern ASIN_AT_END_OF_VALUE = Pattern.compile("(?:^|[#:.])([A-Z0-9]{10})$");
    /** A dropdown option's value: "2,B0CASE1001". */
    private static final Pattern ASIN_AT_END = Pattern.compile(",([A-Z0-9]{10})$");

    private static String choiceAsin(Locator choice) {
        for (String name : List.of("data-asin", "data-defaultasin", "data-csa-c-item-id")) {
            String value = choice.getAttribute(name);
            // "B0752XJYNL", or prefixed as "MC_Assembly_1#B0752XJYNL" on some older pages
            Matcher asin = value == null ? null : ASIN_AT_END_OF_VALUE.matcher(value.strip());
            if (asin != null && asin.find()) {
                return asin.group(1);
            }
        }
        for (String name : List.of("data-dp-url", "value")) {
            String value = choice.getAttribute(name);
            if (value != null) {
                Matcher url = ASIN_IN_URL.matcher(value);
                if (url.find()) {
                    return url.group(1);
                }
                Matcher tail = ASIN_AT_END.matcher(value.strip());
                if (tail.find()) {
                    return tail.group(1);
                }
            }
        }
        return null;
    }

    /**
     * What a choice is called: its swatch's alt text, a text swatch's title (the choice also holds its price and
     * availability), its title minus "Click to select", or its text.
     */
    private static String choiceValue(Locator choice) {
        String alt = attribute(choice, "img[alt]", "alt");
        if (alt != null && !alt.isBlank()) {
            return alt.strip();
        }
        String swatch = text(choice, VARIANT_TEXT_SWATCH);
        if (swatch != null) {
            return swatch;
        }
        String title = choice.getAttribute("title");
        if (title != null && !title.isBlank()) {
            return CLICK_TO_SELECT.matcher(title.strip()).replaceFirst("").strip();
        }
        String text = choice.textContent();
        if (text == null || text.isBlank()) {
            return null;
        }
        return text.strip().replaceAll("\\s+", " ");
    }

    private static boolean matches(Locator element, String selector) {
        return (Boolean) element.evaluate("(e, s) => e.matches(s) || e.querySelector(s) !== null", selector);
    }

    private static List<String> bullets(Page page) {
        List<String> bullets = new ArrayList<>();
        for (Locator bullet : page.locator(BULLETS).all()) {
            String text = bullet.textContent();
            if (text == null || text.isBlank()) {
                continue;
            }
            String clean = text.strip().replaceAll("\\s+", " ");
            if (!bullets.contains(clean)) {
                bullets.add(clean);
            }
        }
        return bullets;
    }

    /** The first of the selectors present on the page, as a person sees it (hidden parts left out), on one line. */
    private static String shown(Page page, List<String> selectors) {
        for (String selector : selectors) {
            Locator found = page.locator(selector);
            if (found.count() > 0) {
                String text = found.first().innerText();
                if (text != null && !text.isBlank()) {
                    return text.strip().replaceAll("\\s+", " ");
                }
            }
        }
        return null;
    }

    @Override
    public Cart addToCart(Page page, String asin, int quantity) {
        product(page, asin);
        if (page.locator(ADD_TO_CART).count() == 0) {
            throw new dev.hal9.api.ToolException("product " + asin + " cannot be added to the cart now (no Add to Cart "
                    + "button: it may be unavailable, or need a variant chosen; amazon_product shows its variants)");
        }
        if (quantity > 1 && page.locator(QUANTITY).count() > 0) {
            page.locator(QUANTITY).first().selectOption(String.valueOf(quantity));
        }
        page.locator(ADD_TO_CART).first().click();
        page.waitForLoadState(LoadState.DOMCONTENTLOADED);
        stopIfBlocked(page);
        if (page.locator(ADDED).count() == 0 && page.locator(CART_FORM).count() == 0) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.LAYOUT_NOT_RECOGNISED,
                    "after Add to Cart, Amazon showed a page hal9 does not recognise");
        }
        return cart(page);
    }

    @Override
    public Cart removeFromCart(Page page, String asin) {
        cart(page);
        Locator item = page.locator(CART_ITEM + "[data-asin='" + asin + "']");
        if (item.count() == 0) {
            throw new dev.hal9.api.ToolException(asin + " is not in your cart; amazon_cart action=view shows it");
        }
        item.first().locator(CART_DELETE).first().click();
        page.waitForLoadState(LoadState.DOMCONTENTLOADED);
        return cart(page);
    }

    @Override
    public Cart cart(Page page) {
        open(page, CART);
        expect(page, CART_FORM, "cart");
        List<CartLine> lines = new ArrayList<>();
        String currency = null;
        for (Locator item : page.locator(CART_ITEM).all()) {
            Marketplace.Money price = marketplace.money(text(item, CART_ITEM_PRICE));
            String quantity = item.getAttribute("data-quantity");
            lines.add(new CartLine(
                    item.getAttribute("data-asin"),
                    text(item, CART_ITEM_TITLE),
                    quantity == null ? 1 : Integer.parseInt(quantity.strip()),
                    price == null ? null : price.amount()));
            currency = price == null ? currency : price.currency();
        }
        Marketplace.Money subtotal = marketplace.money(text(page.locator("body"), CART_SUBTOTAL));
        return new Cart(
                lines,
                subtotal == null ? BigDecimal.ZERO : subtotal.amount(),
                subtotal == null ? currency : subtotal.currency());
    }

    @Override
    public Checkout checkout(Page page) {
        open(page, CHECKOUT);
        return readCheckout(page);
    }

    private Checkout readCheckout(Page page) {
        expect(page, CHECKOUT_PAGE, "checkout");
        BigDecimal items = null;
        BigDecimal shipping = BigDecimal.ZERO;
        BigDecimal tax = BigDecimal.ZERO;
        BigDecimal total = null;
        String currency = null;
        for (Locator row : page.locator(CHECKOUT_ROW).all()) {
            List<Locator> cells = row.locator("td").all();
            if (cells.size() < 2) {
                continue;
            }
            String label = cells.get(0)
                    .textContent()
                    .strip()
                    .toLowerCase(Locale.ROOT)
                    .replaceAll(":$", "")
                    .strip();
            Marketplace.Money value =
                    marketplace.money(cells.get(cells.size() - 1).textContent());
            if (value == null) {
                continue;
            }
            currency = value.currency();
            if (label.startsWith(ROW_ITEMS)) {
                items = value.amount();
            } else if (label.startsWith(ROW_SHIPPING)) {
                shipping = value.amount();
            } else if (label.startsWith(ROW_TAX)) {
                tax = value.amount();
            } else if (label.startsWith(ROW_TOTAL)) {
                total = value.amount();
            }
        }
        if (total == null) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.LAYOUT_NOT_RECOGNISED,
                    "the checkout page shows no order total hal9 can read");
        }
        return new Checkout(List.of(), items, shipping, tax, total, currency, text(page.locator("body"), SHIP_TO));
    }

    @Override
    public String placeOrder(Page page) {
        open(page, CHECKOUT);
        readCheckout(page);
        page.locator(PLACE_ORDER).first().click();
        page.waitForLoadState(LoadState.DOMCONTENTLOADED);
        stopIfBlocked(page);
        if (page.locator(THANK_YOU).count() == 0) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.LAYOUT_NOT_RECOGNISED,
                    "after Place your order, Amazon did not show its confirmation");
        }
        Matcher number = ORDER_NUMBER.matcher(page.locator("body").textContent());
        if (!number.find()) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.LAYOUT_NOT_RECOGNISED,
                    "the order confirmation shows no order number");
        }
        return number.group(1);
    }

    @Override
    public List<Order> orders(Page page) {
        open(page, ORDERS);
        stopIfBlocked(page);
        List<Order> orders = new ArrayList<>();
        for (Locator card : page.locator(ORDER_CARD).all()) {
            Marketplace.Money total = marketplace.money(text(card, ORDER_TOTAL));
            orders.add(new Order(
                    text(card, ORDER_ID),
                    text(card, ORDER_DATE),
                    text(card, ORDER_STATUS),
                    text(card, CARRIER),
                    trackingId(card),
                    total == null ? null : total.amount()));
        }
        if (orders.isEmpty() && !page.content().contains("ordersContainer")) {
            expect(page, ORDER_CARD, "order history");
        }
        return orders;
    }

    // ---- reading

    private void open(Page page, String path) {
        try {
            // the document is what is read; Amazon's ads and trackers need not finish loading first (a saved
            // amazon.com.br page never reached "load" in 30 s)
            page.navigate(base + path, new Page.NavigateOptions().setWaitUntil(WaitUntilState.DOMCONTENTLOADED));
        } catch (PlaywrightException e) {
            throw new dev.hal9.api.ToolException(
                    "Amazon (" + base + ") could not be reached: " + playwrightMessage(e) + "; try again later");
        }
    }

    /**
     * What went wrong, from Playwright's message: its {@code message='...'} line when it has one (the first line of
     * such a message is only "Error {"), else its first line.
     */
    static String playwrightMessage(PlaywrightException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        Matcher said = PLAYWRIGHT_SAID.matcher(message);
        if (said.find()) {
            return said.group(1).strip();
        }
        return message.lines()
                .filter(l -> !l.isBlank())
                .findFirst()
                .orElse("no reason given")
                .strip();
    }

    private static final Pattern PLAYWRIGHT_SAID = Pattern.compile("message='([^\\n']*)");

    private void expect(Page page, String selector, String what) {
        stopIfBlocked(page);
        if (page.locator(selector).count() == 0) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.LAYOUT_NOT_RECOGNISED,
                    "the " + what + " page at " + page.url() + " does not look like the Amazon page hal9 knows ("
                            + selector + " is missing); Amazon may have changed its layout");
        }
    }

    private void stopIfBlocked(Page page) {
        if (page.locator(CHALLENGE).count() > 0 || Boolean.TRUE.equals(page.evaluate(CHALLENGE_GLOBALS))) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.CAPTCHA,
                    "Amazon shows a JavaScript bot challenge instead of the page; a person must open it in a browser "
                            + "and pass it. hal9 does not solve captchas or challenges.");
        }
        if (page.locator(CAPTCHA).count() > 0) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.CAPTCHA,
                    "Amazon asks for a captcha (a robot check); a person must solve it in a browser. hal9 does not "
                            + "solve captchas.");
        }
        if (page.locator(SIGN_IN).count() > 0) {
            throw blocked(
                    page,
                    ShopAdapter.Blocked.Reason.SIGN_IN,
                    "Amazon wants a sign-in; the user signs in once with 'hal9 login amazon' on the server's machine "
                            + "(hal9 never sees the password)");
        }
    }

    private static boolean notFound(Page page) {
        String title = page.title();
        return title != null && (title.contains("Page Not Found") || title.contains("Sorry! Something went wrong"));
    }

    private static ShopAdapter.Blocked blocked(Page page, ShopAdapter.Blocked.Reason reason, String message) {
        byte[] screenshot = null;
        try {
            screenshot = page.screenshot(new Page.ScreenshotOptions().setTimeout(10_000));
        } catch (PlaywrightException e) {
            // the message says enough without it
        }
        return new ShopAdapter.Blocked(reason, message, page.url(), screenshot);
    }

    private static String text(Locator scope, String selector) {
        Locator found = scope.locator(selector);
        if (found.count() == 0) {
            return null;
        }
        String text = found.first().textContent();
        return text == null || text.isBlank() ? null : text.strip().replaceAll("\\s+", " ");
    }

    private static String attribute(Locator scope, String selector, String name) {
        Locator found = scope.locator(selector);
        return found.count() == 0 ? null : found.first().getAttribute(name);
    }

    private static String trackingId(Locator card) {
        String id = attribute(card, TRACKING, "data-tracking-id");
        if (id != null) {
            return id;
        }
        String text = text(card, TRACKING);
        return text == null ? null : text.replaceFirst("(?i)^tracking id:?\\s*", "");
    }

    private String absolute(String href) {
        return href.startsWith("http") ? href : base + (href.startsWith("/") ? "" : "/") + href;
    }

    /** The text of the first selector that finds something, in the order given. */
    private static String first(Locator scope, List<String> selectors) {
        for (String selector : selectors) {
            String found = text(scope, selector);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
