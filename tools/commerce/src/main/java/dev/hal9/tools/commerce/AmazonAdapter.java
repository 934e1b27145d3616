package dev.hal9.tools.commerce;

import static dev.hal9.tools.commerce.AmazonMarkup.*;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.options.LoadState;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;

/** {@link ShopAdapter} for Amazon, reading the markup {@link AmazonMarkup} describes. Runs on the browser thread. */
final class AmazonAdapter implements ShopAdapter {

    private final String base;

    /** @param base the store's origin, e.g. https://www.amazon.com (no trailing slash) */
    AmazonAdapter(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    @Override
    public List<Product> search(Page page, Query query) {
        StringBuilder path = new StringBuilder(String.format(
                SEARCH, URLEncoder.encode(query.text(), StandardCharsets.UTF_8), Math.max(1, query.page())));
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
            String title = text(card, RESULT_TITLE);
            Money price = money(text(card, PRICE));
            String href = attribute(card, RESULT_LINK, "href");
            Product product = new Product(
                    asin,
                    title,
                    price == null ? null : price.amount(),
                    price == null ? null : price.currency(),
                    stars(text(card, RATING)),
                    count(attribute(card, REVIEWS, "aria-label"), text(card, REVIEWS)),
                    card.locator(PRIME).count() > 0,
                    attribute(card, IMAGE, "src"),
                    href == null ? base + String.format(PRODUCT, asin) : absolute(href));
            if (title == null) {
                continue;
            }
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
        return products;
    }

    @Override
    public Details product(Page page, String asin) {
        open(page, String.format(PRODUCT, asin));
        if (page.locator(TITLE).count() == 0 && notFound(page)) {
            throw new dev.hal9.api.ToolException(
                    "Amazon has no product " + asin + "; amazon_search finds products and " + "their ASINs");
        }
        expect(page, TITLE, "product");
        Money price = money(text(page.locator("body"), PRODUCT_PRICE));
        List<String> variants = new ArrayList<>();
        for (Locator variant : page.locator(VARIANTS).all()) {
            String title = variant.getAttribute("title");
            variants.add(variant.getAttribute("data-asin")
                    + (title == null ? "" : " " + title.replace("Click to select ", "")));
        }
        List<String> features = new ArrayList<>();
        for (Locator feature : page.locator(FEATURES).all()) {
            features.add(feature.textContent().strip());
        }
        Locator body = page.locator("body");
        Product product = new Product(
                asin,
                text(body, TITLE),
                price == null ? null : price.amount(),
                price == null ? null : price.currency(),
                stars(attribute(body, PRODUCT_RATING, "title")),
                count(null, text(body, PRODUCT_REVIEWS)),
                page.locator(PRIME).count() > 0,
                null,
                page.url());
        return new Details(product, text(body, AVAILABILITY), text(body, DELIVERY), variants, features);
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
            Money price = money(text(item, CART_ITEM_PRICE));
            String quantity = item.getAttribute("data-quantity");
            lines.add(new CartLine(
                    item.getAttribute("data-asin"),
                    text(item, CART_ITEM_TITLE),
                    quantity == null ? 1 : Integer.parseInt(quantity.strip()),
                    price == null ? null : price.amount()));
            currency = price == null ? currency : price.currency();
        }
        Money subtotal = money(text(page.locator("body"), CART_SUBTOTAL));
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
            Money value = money(cells.get(cells.size() - 1).textContent());
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
            Money total = money(text(card, ORDER_TOTAL));
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
            page.navigate(base + path);
        } catch (PlaywrightException e) {
            throw new dev.hal9.api.ToolException("Amazon (" + base + ") could not be reached: "
                    + e.getMessage().lines().findFirst().orElse("") + "; try again later");
        }
    }

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

    record Money(BigDecimal amount, String currency) {}

    static Money money(String text) {
        if (text == null) {
            return null;
        }
        Matcher matcher = MONEY.matcher(text.strip());
        if (!matcher.find()) {
            return null;
        }
        String symbol = matcher.group(1);
        String currency =
                switch (symbol) {
                    case "$", "US$" -> "USD";
                    case "£" -> "GBP";
                    case "€" -> "EUR";
                    case "" -> null;
                    default -> symbol;
                };
        return new Money(new BigDecimal(matcher.group(2).replace(",", "")), currency);
    }

    private static Double stars(String text) {
        if (text == null) {
            return null;
        }
        Matcher matcher = STARS.matcher(text);
        return matcher.find() ? Double.valueOf(matcher.group(1)) : null;
    }

    private static Integer count(String label, String text) {
        for (String candidate : new String[] {label, text}) {
            if (candidate != null) {
                String digits = candidate.replaceAll("[^0-9]", "");
                if (!digits.isEmpty()) {
                    return Integer.valueOf(digits);
                }
            }
        }
        return null;
    }
}
