package dev.hal9.tools.commerce;

import java.util.regex.Pattern;

/**
 * Everything hal9 knows about Amazon's markup, in one place: the URLs it opens, the selectors it reads and the
 * signs by which it recognises a page. When Amazon changes its layout, this file is the fix. The test replica
 * (conformance-tests' AmazonReplica) serves exactly these structures.
 */
final class AmazonMarkup {

    private AmazonMarkup() {}

    // ---- URLs, relative to the configured base (https://www.amazon.com)
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
    /** The robot check: a form posting to /errors/validateCaptcha. */
    static final String CAPTCHA = "form[action*='validateCaptcha'], #captchacharacters";
    /** The sign-in wall: the signIn form or its e-mail field. */
    static final String SIGN_IN = "form[name='signIn'], #ap_email";

    // ---- search results
    static final String RESULTS = "div.s-main-slot, [data-component-type='s-search-results']";
    static final String RESULT = "div[data-component-type='s-search-result'][data-asin]";
    static final String RESULT_TITLE = "h2 span";
    static final String RESULT_LINK = "h2 a, a.a-link-normal[href*='/dp/']";
    /** The screen-reader price: "$19.99". */
    static final String PRICE = ".a-price .a-offscreen";
    /** "4.5 out of 5 stars". */
    static final String RATING = "i.a-icon-star-small .a-icon-alt, i.a-icon-star .a-icon-alt";

    static final String REVIEWS = "[aria-label$='ratings'], span.s-underline-text";
    static final String PRIME = "i.a-icon-prime";
    static final String IMAGE = "img.s-image";

    // ---- product page
    static final String TITLE = "#productTitle";
    static final String PRODUCT_PRICE = "#corePrice_feature_div .a-offscreen, #price .a-offscreen";
    static final String AVAILABILITY = "#availability span";
    static final String DELIVERY = "#deliveryBlockMessage, #mir-layout-DELIVERY_BLOCK";
    static final String PRODUCT_RATING = "#acrPopover";
    static final String PRODUCT_REVIEWS = "#acrCustomerReviewText";
    static final String VARIANTS = "#twister li[data-asin]";
    static final String FEATURES = "#feature-bullets li span";
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

    /** "4.5 out of 5 stars" → 4.5. */
    static final Pattern STARS = Pattern.compile("([0-9.]+) out of 5");
    /** "$1,234.56" → 1234.56 (the currency symbol is read apart). */
    static final Pattern MONEY = Pattern.compile("([^0-9\\s]*)\\s*([0-9][0-9,]*(?:\\.[0-9]{1,2})?)");
}
