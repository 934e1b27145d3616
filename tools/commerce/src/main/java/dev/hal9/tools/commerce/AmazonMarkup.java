package dev.hal9.tools.commerce;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Everything hal9 knows about Amazon's markup, in one place: the URLs it opens, the selectors it reads and the
 * signs by which it recognises a page, for three generations of Amazon's pages (2020-22, 2023-24, 2025-26) where
 * they differ. When Amazon changes its layout, this file is the fix. How numbers are written is the marketplace's
 * ({@link Marketplace}). The test replica (conformance-tests' AmazonPages) writes each generation in eleven
 * marketplaces' formats.
 */
final class AmazonMarkup {

    private AmazonMarkup() {}

    // ---- URLs, relative to a marketplace's origin (https://www.amazon.com)
    static final String SEARCH = "/s?k=%s&page=%d";
    static final String PRODUCT = "/dp/%s";
    static final String CART = "/gp/cart/view.html";
    static final String CHECKOUT = "/gp/buy/spc/handlers/display.html";
    static final String ORDERS = "/gp/css/order-history";

    /** Amazon's sort keys (the "s" parameter). */
    static String sortKey(String sort) {
        return switch (sort == null ? "relevance" : sort) {
            case "price_asc" -> "price-asc-rank";
            case "price_desc" -> "price-desc-rank";
            case "rating" -> "review-rank";
            case "newest" -> "date-desc-rank";
            default -> "relevanceblender";
        };
    }

    // ---- pages that stop the adapter
    /** The robot check: a form posting to /errors/validateCaptcha (with an image, or only a "continue" button). */
    static final String CAPTCHA = "form[action*='validateCaptcha'], #captchacharacters";
    /**
     * The JavaScript bot challenge, which has no form: AWS WAF's challenge script and its {@code gokuProps}, run
     * before the real page loads.
     */
    static final String CHALLENGE = "script[src*='challenge.js'], script[src*='awswaf'], #challenge-container";

    /**
     * The challenge's globals, asked of the page itself: serializing the whole document (a megabyte on a real
     * page) on every read to search it for them would cost more than the read.
     */
    static final String CHALLENGE_GLOBALS =
            "() => 'gokuProps' in window || 'AwsWafIntegration' in window || 'awsWafCookieDomainList' in window";
    /**
     * The sign-in wall: the signIn form, its e-mail field (ap_email before 2024, ap_email_login after). Not any form
     * posting to /ap/signin: a product page shown to a signed-out visitor has an "add to wishlist" form that does.
     */
    static final String SIGN_IN = "form[name='signIn'], #ap_email, #ap_email_login";

    // ---- search results
    static final String RESULTS = "div.s-main-slot, [data-component-type='s-search-results']";
    static final String RESULT = "div[data-component-type='s-search-result'][data-asin]";
    /**
     * The title, in order of preference: {@code a > h2 > span} since 2024, where a brand's own {@code h2} (no link)
     * may come first; {@code h2 > a > span} before that; a bare {@code h2} last.
     */
    static final List<String> RESULT_TITLE = List.of("a h2", "h2 a span.a-text-normal", "h2 a span", "h2 span", "h2");
    /** The price to pay: the first a-price that is not a struck-through list price. */
    static final String PRICE = ".a-price:not([data-a-strike='true']):not(.a-text-price)";
    /** In a price: the screen-reader text ("$19.99"); when it is empty, the shown symbol, whole and fraction. */
    static final String PRICE_TEXT = ".a-offscreen";

    static final String PRICE_SHOWN = "[aria-hidden='true']";
    /** "4.5 out of 5 stars" in the page's language: a-icon-star-small (to 2024), a-icon-star-mini (2025-26). */
    static final List<String> RATING = List.of(
            "i[class*='a-icon-star'] .a-icon-alt",
            "span[class*='a-icon-star'] .a-icon-alt",
            "[data-cy='reviews-block'] " + ".a-icon-alt");
    /**
     * The count of ratings, in order of preference: the link's aria-label ("12,345 ratings") where the visible text is
     * abbreviated ("(12.3K)"); the aria-label of the span around it (to 2023, "12,345"); the visible text.
     */
    static final List<String> REVIEWS_LABEL = List.of(
            "a[href*='customerReviews'][aria-label]",
            "span[aria-label]:has(> a[href*='customerReviews'])",
            "[data-csa-c-content-id*='ratings-count'][aria-label]");

    static final List<String> REVIEWS_TEXT = List.of(
            "a[href*='customerReviews'] span.s-underline-text", "span.s-underline-text", "a[href*='customerReviews']");
    static final String PRIME = "i.a-icon-prime, i[class*='a-icon-prime'], [aria-label='Amazon Prime']";
    static final String IMAGE = "img.s-image";
    /** A sponsored card: its label, or a title link through /sspa/click. */
    static final String SPONSORED =
            ".puis-sponsored-label-text, .s-sponsored-label-text, .s-label-popover-default, a[href*='/sspa/click'], "
                    + "a[href*='/gp/slredirect/'], [data-component-type='sp-sponsored-result']";
    /**
     * The line above the results, the first of these spans that holds a number: "1-16 of over 1,000 results for"
     * (h1 to 2025), "検索結果 6,000 以上 のうち 1-24件" (h2 of .s-breadcrumb-header-text, 2026).
     */
    static final String RESULT_INFO =
            ".s-breadcrumb-header-text span, [data-component-type='s-result-info-bar'] h1 span, "
                    + "[data-component-type='s-result-info-bar'] h2 span";
    /** "over 1,000" in the languages Amazon writes: the total is at least that. */
    static final Pattern AT_LEAST =
            Pattern.compile("(?i)\\bover\\b|über|más de|plus de|mais de|oltre|meer dan|以上|ponad|fazla|أكثر|över");
    /** The page strip: the current page, and a Next that is a link unless it is the last page. */
    static final String PAGE_CURRENT = ".s-pagination-selected, ul.a-pagination li.a-selected";

    static final String PAGE_NEXT = "a.s-pagination-next, ul.a-pagination li.a-last a";

    // ---- product page
    /** A product page: its title, #productTitle (desktop), or h1#title (the mobile page has only that). */
    static final String TITLE = "#productTitle, h1#title";
    /** The title's text: the span (a page may also carry a hidden input of the same id), else the mobile h1. */
    static final List<String> TITLE_TEXT = List.of("span#productTitle", "#productTitle:not(input)", "h1#title");
    /** The boxes that hold a product's own price (2023+ desktop, 2021-22, the mobile page, the apex and old box). */
    private static final List<String> PRICE_BOXES = List.of(
            "#corePriceDisplay_desktop_feature_div",
            "#corePrice_feature_div",
            "#corePrice_desktop",
            "#corePriceDisplay_mobile_feature_div",
            "#apex_desktop",
            "#price");
    /** Where the price to pay is: the price boxes, newest first, then the priceblock ids of 2019-21. */
    static final List<String> PRODUCT_PRICE = Stream.concat(
                    PRICE_BOXES.stream().map(box -> box + " " + PRICE),
                    Stream.of(
                            "#priceblock_dealprice",
                            "#priceblock_ourprice",
                            "#priceblock_saleprice",
                            "#price_inside_buybox"))
            .toList();
    /**
     * A product's own Prime badge: in its price boxes and buy box, not anywhere on the page (a 2026 amazon.com product
     * page carries a Prime icon only in a "value pick" widget for another product).
     */
    static final String PRODUCT_PRIME = Stream.concat(
                    PRICE_BOXES.stream(),
                    Stream.of(
                            "#priceBadging_feature_div",
                            "#buybox",
                            "#desktop_buybox",
                            "#deliveryBlockMessage",
                            "#mir-layout-DELIVERY_BLOCK"))
            .map(box -> box + " i[class*='a-icon-prime']")
            .collect(Collectors.joining(", "));

    static final String AVAILABILITY = "#availability";
    static final List<String> DELIVERY = List.of(
            "#mir-layout-DELIVERY_BLOCK-slot-PRIMARY_DELIVERY_MESSAGE_LARGE",
            "#deliveryBlockMessage",
            "#mir-layout-DELIVERY_BLOCK",
            "#delivery-message");
    static final List<String> PRODUCT_RATING = List.of(
            "#acrPopover",
            "#acrPopover .a-icon-alt",
            "#averageCustomerReviews .a-icon-alt",
            "#acrCustomerReviewLink .a-icon-alt");
    /** "12,345 ratings" (desktop); the mobile page's link says "(393)" with an aria-label "393 Análises". */
    static final String PRODUCT_REVIEWS = "#acrCustomerReviewText";

    static final String PRODUCT_REVIEWS_LABEL = "#acrCustomerReviewLink span[aria-label]";
    /**
     * The variant rows: {@code #twister-plus-inline-twister} (2023+, rows {@code inline-twister-row-<dimension>}),
     * {@code #twister} (rows {@code variation_<dimension>}). In a row, each choice is an {@code li} carrying its
     * ASIN ({@code data-asin}, or {@code data-defaultasin} on older pages, or a {@code /dp/} URL), and a dropdown's
     * choices are options whose value ends in the ASIN.
     */
    static final String VARIANT_ROWS =
            "#twister-plus-inline-twister [id^='inline-twister-row-'], #twister [id^='variation_']";

    static final String VARIANT_CHOICE = "li[data-asin], li[data-defaultasin], li[data-dp-url], option[value*=',']";
    /** A text swatch's own name (2024+), apart from the price and availability the swatch also shows. */
    static final String VARIANT_TEXT_SWATCH = ".swatch-title-text-display, .swatch-title-text, .twisterTextDiv p";

    static final String VARIANT_LABEL = ".inline-twister-dim-title, label.a-form-label, .a-form-label";
    static final String VARIANT_SELECTED =
            "[data-initiallyselected='true'], .swatchSelect, .a-button-selected, [selected]";
    static final String VARIANT_UNAVAILABLE =
            ".swatchUnavailable, .dropdownUnavailable, [data-initiallyunavailable='true'], .a-button-unavailable, "
                    + "[data-csa-c-content-id$='swatchUnavailable']";
    /** "Click to select Black" and its translations before the value, in an older choice's title. */
    static final Pattern CLICK_TO_SELECT = Pattern.compile(
            "^(?i)(click to select|klicke?n? (um|zum)|cliquez pour sélectionner|haz clic para seleccionar|"
                    + "clicca per selezionare|clique para selecionar|klik om te selecteren|選択するにはクリック)\\s*");
    /** "About this item": {@code #feature-bullets} (to 2024), {@code #productFactsDesktopExpander} (some 2024-26). */
    static final String BULLETS = "#feature-bullets li:not(.aok-hidden) span.a-list-item, "
            + "#productFactsDesktopExpander li:not(.aok-hidden) span.a-list-item, #feature-bullets li:not(.aok-hidden) > span";

    static final String QUANTITY = "select#quantity";
    static final String ADD_TO_CART = "#add-to-cart-button";
    static final String ADDED =
            "#sw-atc-confirmation, #NATC_SMART_WAGON_CONF_MSG_SUCCESS, #huc-v2-order-row-confirm-text";

    // ---- cart
    static final String CART_FORM = "form#activeCartViewForm";
    static final String CART_ITEM = "div.sc-list-item[data-asin]";
    static final String CART_ITEM_TITLE = ".sc-product-title";
    static final String CART_ITEM_PRICE = ".sc-product-price";
    static final String CART_DELETE = "input[value='Delete']";
    static final String CART_SUBTOTAL = "#sc-subtotal-amount-activecart .sc-price";

    // ---- checkout
    static final String CHECKOUT_PAGE = "#subtotals-marketplace-table";
    static final String CHECKOUT_ROW = "#subtotals-marketplace-table tr";
    static final String SHIP_TO = "#shipaddress";
    static final String PLACE_ORDER = "input[name='placeYourOrder1'], #placeYourOrder";
    static final String THANK_YOU = "#widget-purchaseConfirmationStatus, .a-alert-success";
    /** An Amazon order number: 3-7-7 digits. */
    static final Pattern ORDER_NUMBER = Pattern.compile("\\b(\\d{3}-\\d{7}-\\d{7})\\b");

    // ---- order history
    static final String ORDER_CARD = ".order-card, .js-order-card";
    static final String ORDER_ID = ".yohtmlc-order-id span[dir='ltr'], .yohtmlc-order-id bdi";
    static final String ORDER_DATE = ".yohtmlc-order-date, .order-date";
    static final String ORDER_TOTAL = ".yohtmlc-order-total .a-color-secondary.value, .yohtmlc-order-total span";
    static final String ORDER_STATUS = ".yohtmlc-shipment-status-primaryText, .delivery-box__primary-text";
    static final String TRACKING = ".pt-delivery-card-trackingId, [data-tracking-id]";
    static final String CARRIER = ".carrierRelatedInfo-mfn-providerTitle, [data-carrier]";

    /** Labels of the checkout summary rows (lower case, without the colon). */
    static final String ROW_ITEMS = "items";

    static final String ROW_SHIPPING = "shipping & handling";
    static final String ROW_TAX = "estimated tax to be collected";
    static final String ROW_TOTAL = "order total";
}
