package dev.hal9.tools.commerce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.View;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The commerce views as the family hands them to the runtime: each page loads from the jar with the bridge inlined,
 * asks for nothing but images from Amazon's image hosts, builds its DOM without HTML from data, and stays small (the
 * bridge adds some 6 KB). How they render and call tools is for a host page to check.
 */
class CommerceViewsTest {

    private static final List<String> IMAGES =
            List.of("https://m.media-amazon.com", "https://images-na.ssl-images-amazon.com");

    /** The views with the default families.commerce.image-domains, as the family's defaults file sets it. */
    private final Map<String, View> views = CommerceFamily.views(
                    CommerceFamily.imageDomains(dev.hal9.api.internal.FamilyDefaults.of("commerce", "image-domains")
                            .orElseThrow()))
            .stream()
            .collect(Collectors.toMap(View::uri, v -> v));

    @Test
    void imageDomainsAreOriginsAndNothingElse() {
        assertThat(CommerceFamily.imageDomains(" https://a.example , http://b.example:8080,"))
                .containsExactly("https://a.example", "http://b.example:8080");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CommerceFamily.imageDomains("https://a.example/x"))
                .hasMessageContaining("families.commerce.image-domains must be origins");
    }

    @Test
    void searchProductCartAndOrdersEachHaveAView() {
        assertThat(views)
                .containsOnlyKeys(
                        "ui://hal9/payment",
                        "ui://hal9/amazon/products",
                        "ui://hal9/amazon/product",
                        "ui://hal9/amazon/cart",
                        "ui://hal9/amazon/orders");
        views.values().stream()
                .filter(v -> v.uri().startsWith("ui://hal9/amazon/"))
                .forEach(v -> assertThat(v.imageDomains()).isEqualTo(IMAGES));
    }

    @Test
    void everyPageHasTheBridgeAndNoRequestsOrHtmlFromData() {
        for (View v : views.values()) {
            String html = v.html();
            assertThat(html).as(v.uri()).contains("window.hal9 =").doesNotContain(View.BRIDGE_MARK);
            assertThat(html)
                    .as(v.uri())
                    .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
                    .doesNotContain("fetch(", "XMLHttpRequest", "WebSocket", "<link", "<script src", "@import")
                    .contains("Waiting for the ", "data-theme=dark", ":focus-visible");
        }
    }

    @Test
    void everyPageIsSmall() throws IOException {
        for (String page : List.of("products", "product", "cart", "orders")) {
            try (InputStream in = CommerceFamily.class.getResourceAsStream("views/" + page + ".html")) {
                assertThat(in).as(page).isNotNull();
                assertThat(in.readAllBytes().length)
                        .as(page + ".html, before the bridge")
                        .isLessThan(15_000);
            }
        }
    }

    @Test
    void thePagesMarkWhatATestOrAHostLooksFor() {
        assertThat(views.get("ui://hal9/amazon/products").html())
                .contains("\"product\"", "\"data-asin\"", "\"price", "\"title\"", "\"Details\"", "amazon_product");
        assertThat(views.get("ui://hal9/amazon/product").html()).contains("\"Add to cart\"", "action: \"add\"");
        assertThat(views.get("ui://hal9/amazon/cart").html())
                .contains("\"line\"", "\"data-asin\"", "action: \"remove\"");
        assertThat(views.get("ui://hal9/amazon/orders").html()).contains("\"order\"", "\"data-order\"");
    }
}
