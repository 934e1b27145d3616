package dev.hal9.tools.commerce;

import com.microsoft.playwright.Page;
import java.math.BigDecimal;
import java.util.List;

/**
 * What a shop looks like to the commerce tools: search, product details, cart, checkout and orders, each done on
 * a browser page the caller's session owns. A shop's markup knowledge lives in its adapter (and, for Amazon, in
 * {@link AmazonMarkup}); the tools, the payment and the order book do not depend on it. Every method first checks
 * that the page is what it expects and throws {@link Blocked} when it is a captcha, a sign-in wall or a layout it
 * does not recognise: it never guesses.
 */
interface ShopAdapter {

    /** A search. Prices in the shop's currency; null means "no limit". */
    record Query(
            String text,
            BigDecimal minPrice,
            BigDecimal maxPrice,
            Double minRating,
            boolean primeOnly,
            String sort,
            int page) {}

    record Product(
            String asin,
            String title,
            BigDecimal price,
            String currency,
            String marketplace,
            Double rating,
            Integer reviews,
            boolean prime,
            boolean sponsored,
            String image,
            String url) {}

    /** One page of results, and where it stands among all of them as the page says. */
    record Results(
            List<Product> products,
            String marketplace,
            String domain,
            int page,
            boolean more,
            Long total,
            boolean totalAtLeast,
            String shown) {}

    /** One choice of a variant dimension ("Color", "Black", its ASIN). */
    record Variant(String dimension, String value, String asin, boolean selected, boolean available) {}

    record Details(
            Product product, String availability, String delivery, List<Variant> variants, List<String> bullets) {}

    record CartLine(String asin, String title, int quantity, BigDecimal price) {}

    record Cart(List<CartLine> lines, BigDecimal subtotal, String currency) {}

    /** The checkout page's own numbers: what the shop will charge. */
    record Checkout(
            List<CartLine> lines,
            BigDecimal items,
            BigDecimal shipping,
            BigDecimal tax,
            BigDecimal total,
            String currency,
            String shipTo) {}

    record Order(String number, String placed, String status, String carrier, String tracking, BigDecimal total) {}

    Results search(Page page, Query query);

    Details product(Page page, String asin);

    Cart addToCart(Page page, String asin, int quantity);

    Cart removeFromCart(Page page, String asin);

    Cart cart(Page page);

    Checkout checkout(Page page);

    /** Places the order on the checkout page; returns the shop's order number. */
    String placeOrder(Page page);

    /** The account's orders, newest first, with tracking where the shop shows it. */
    List<Order> orders(Page page);

    /** The page is not one the adapter may act on: a person must look, or the adapter must be updated. */
    final class Blocked extends RuntimeException {
        private static final long serialVersionUID = 1L;

        enum Reason {
            CAPTCHA,
            SIGN_IN,
            LAYOUT_NOT_RECOGNISED
        }

        final Reason reason;
        final String url;
        final transient byte[] screenshot;

        Blocked(Reason reason, String message, String url, byte[] screenshot) {
            super(message);
            this.reason = reason;
            this.url = url;
            this.screenshot = screenshot;
        }
    }
}
