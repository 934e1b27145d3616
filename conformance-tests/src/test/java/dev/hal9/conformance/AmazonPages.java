package dev.hal9.conformance;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The search and product pages {@link AmazonReplica} serves, written here for the test in three layouts and in the
 * languages, number formats and currencies of eleven marketplaces. Each layout stands for markup seen on real saved
 * Amazon pages (issue 16's survey lists which repository and file shows each):
 *
 * <ul>
 *   <li>{@link Layout#Y2021}: 2020-22 cards, {@code h2 > a > span} titles, {@code a-icon-star-small},
 *       {@code span[aria-label="12,345"]} around the count link, the {@code ul.a-pagination} strip,
 *       {@code /gp/slredirect/} sponsored links; product pages with {@code #priceblock_ourprice},
 *       {@code #acrPopover[title]}, {@code #twister #variation_color_name} rows of {@code li[data-defaultasin]} whose
 *       titles say "Click to select ...", {@code #feature-bullets} with a hidden {@code li.aok-hidden}.
 *   <li>{@link Layout#Y2023}: 2023-24 cards, {@code h2 > a > span} titles, the {@code s-pagination-strip},
 *       {@code /sspa/click} sponsored links with a {@code puis-sponsored-label-text}; product pages with
 *       {@code #corePrice_feature_div}, a {@code #twister} size dropdown whose option values end in the ASIN, the
 *       {@code mir-layout-DELIVERY_BLOCK} delivery slot.
 *   <li>{@link Layout#Y2026}: 2025-26 cards, a brand's own {@code h2} before the {@code a > h2 > span} title,
 *       {@code a-icon-star-mini}, an abbreviated count ("(12.3K)", "(12,3 mil)") with or without the link's full
 *       aria-label, struck-through list prices; product pages with {@code #corePriceDisplay_desktop_feature_div}
 *       whose {@code .a-offscreen} is empty, {@code #acrPopover} without a title, {@code #twister-plus-inline-twister}
 *       rows of {@code li[data-asin]}, bullets in {@code #productFactsDesktopExpander}, and an {@code #availability}
 *       whose first span is empty.
 * </ul>
 */
final class AmazonPages {

    private AmazonPages() {}

    enum Layout {
        Y2021,
        Y2023,
        Y2026
    }

    /** One catalogue entry; prices in US dollars, converted for each marketplace. */
    record Item(
            String asin,
            String brand,
            String title,
            BigDecimal price,
            BigDecimal listPrice,
            double rating,
            int reviews,
            boolean prime,
            boolean available,
            boolean sponsored,
            List<Choice> colours) {}

    /** A colour choice on a product page. */
    record Choice(String value, String asin, boolean available) {}

    /**
     * How one marketplace writes: its path on the replica, number marks, money, ratings, counts, its words. The
     * formats are written out here by hand (not with the JDK's locale data, which hal9 reads with), each as the
     * marketplace's real pages show them.
     */
    record Market(
            String code,
            String currency,
            BigDecimal rate,
            int scale,
            char decimal,
            String group,
            boolean indian,
            String before,
            String after,
            String ratingFormat,
            boolean scaleFirst,
            String countLabel,
            boolean abbreviatesWithoutLabel,
            String thousand,
            String shownFormat,
            String dimension,
            String inStock,
            String unavailable,
            String delivery,
            String clickToSelect,
            String sponsored,
            String primeClass,
            String domain) {

        /** The size dimension's name. */
        String sizeWord() {
            return switch (code) {
                case "de" -> "Größe";
                case "fr" -> "Taille";
                case "es", "mx" -> "Tamaño";
                case "nl" -> "Maat";
                case "jp" -> "サイズ";
                case "br" -> "Tamanho";
                default -> "Size";
            };
        }

        String path() {
            return code.equals("us") ? "" : "/" + code;
        }

        /** The price of a US-dollar amount here, as a number. */
        BigDecimal convert(BigDecimal usd) {
            return usd.multiply(rate).setScale(scale, RoundingMode.HALF_UP);
        }

        String number(BigDecimal amount) {
            String plain = amount.setScale(scale, RoundingMode.HALF_UP).toPlainString();
            String whole = plain.contains(".") ? plain.substring(0, plain.indexOf('.')) : plain;
            String fraction = plain.contains(".") ? plain.substring(plain.indexOf('.') + 1) : "";
            return grouped(whole) + (fraction.isEmpty() ? "" : decimal + fraction);
        }

        String grouped(String digits) {
            StringBuilder out = new StringBuilder();
            int n = digits.length();
            for (int i = 0; i < n; i++) {
                int left = n - i;
                out.append(digits.charAt(i));
                boolean mark = indian
                        ? left > 1 && (left == 4 || (left > 4 && (left - 4) % 2 == 0))
                        : left > 1 && (left - 1) % 3 == 0;
                if (mark) {
                    out.append(group);
                }
            }
            return out.toString();
        }

        String money(BigDecimal usd) {
            return before + number(convert(usd)) + after;
        }

        String rating(double stars) {
            String value = String.format(Locale.ROOT, "%.1f", stars).replace('.', decimal == ',' ? ',' : '.');
            return String.format(ratingFormat, value);
        }

        String count(int reviews) {
            return grouped(Integer.toString(reviews));
        }

        /** "(12.3K)", "(12,3 mil)": one decimal of thousands, as the newest cards show it. */
        String abbreviated(int reviews) {
            if (reviews < 1000) {
                return "(" + reviews + ")";
            }
            BigDecimal k = BigDecimal.valueOf(reviews).divide(BigDecimal.valueOf(1000), 1, RoundingMode.HALF_UP);
            return "(" + k.toPlainString().replace('.', decimal) + thousand + ")";
        }

        /** The count a card of the newest layout shows when it has no full label: what the abbreviation says. */
        int abbreviatedValue(int reviews) {
            if (reviews < 1000) {
                return reviews;
            }
            return BigDecimal.valueOf(reviews)
                    .divide(BigDecimal.valueOf(1000), 1, RoundingMode.HALF_UP)
                    .multiply(BigDecimal.valueOf(1000))
                    .intValue();
        }
    }

    static final List<Market> MARKETS = List.of(
            new Market(
                    "us",
                    "USD",
                    BigDecimal.ONE,
                    2,
                    '.',
                    ",",
                    false,
                    "$",
                    "",
                    "%s out of 5 stars",
                    false,
                    "%s ratings",
                    false,
                    "K",
                    "%s-%s of %s results for",
                    "Color",
                    "In Stock",
                    "Currently unavailable.",
                    "FREE delivery Tuesday, December 8",
                    "Click to select ",
                    "Sponsored",
                    "a-icon-prime",
                    "amazon.com"),
            new Market(
                    "uk",
                    "GBP",
                    new BigDecimal("0.79"),
                    2,
                    '.',
                    ",",
                    false,
                    "£",
                    "",
                    "%s out of 5 stars",
                    false,
                    "%s ratings",
                    false,
                    "K",
                    "%s-%s of %s results for",
                    "Colour",
                    "In stock",
                    "Currently unavailable.",
                    "FREE delivery Tuesday, 8 December",
                    "Click to select ",
                    "Sponsored",
                    "a-icon-prime",
                    "amazon.co.uk"),
            new Market(
                    "de",
                    "EUR",
                    new BigDecimal("0.92"),
                    2,
                    ',',
                    ".",
                    false,
                    "",
                    "\u00a0€",
                    "%s von 5 Sternen",
                    false,
                    "%s Sternebewertungen",
                    false,
                    " Tsd.",
                    "%s-%s von %s Ergebnissen oder Vorschlägen für",
                    "Farbe",
                    "Auf Lager",
                    "Derzeit nicht verfügbar.",
                    "KOSTENLOSE Lieferung Dienstag, 8. Dezember",
                    "Klicke, um ",
                    "Gesponsert",
                    "a-icon-prime",
                    "amazon.de"),
            new Market(
                    "fr",
                    "EUR",
                    new BigDecimal("0.92"),
                    2,
                    ',',
                    "\u202f",
                    false,
                    "",
                    "\u00a0€",
                    "%s sur 5 étoiles",
                    false,
                    "%s évaluations",
                    false,
                    "\u00a0k",
                    "%s-%s sur %s résultats pour",
                    "Couleur",
                    "En stock",
                    "Actuellement indisponible.",
                    "Livraison GRATUITE mardi 8 décembre",
                    "Cliquez pour sélectionner ",
                    "Sponsorisé",
                    "a-icon-prime",
                    "amazon.fr"),
            new Market(
                    "es",
                    "EUR",
                    new BigDecimal("0.92"),
                    2,
                    ',',
                    ".",
                    false,
                    "",
                    "\u00a0€",
                    "%s de 5 estrellas",
                    false,
                    "%s valoraciones",
                    true,
                    " mil",
                    "%s-%s de %s resultados para",
                    "Color",
                    "En stock",
                    "No disponible.",
                    "Entrega GRATIS el martes, 8 de diciembre",
                    "Haz clic para seleccionar ",
                    "Patrocinado",
                    "a-icon-prime",
                    "amazon.es"),
            new Market(
                    "nl",
                    "EUR",
                    new BigDecimal("0.92"),
                    2,
                    ',',
                    ".",
                    false,
                    "€\u00a0",
                    "",
                    "%s van 5 sterren",
                    false,
                    "%s beoordelingen",
                    false,
                    "\u00a0k",
                    "%s-%s van %s resultaten voor",
                    "Kleur",
                    "Op voorraad",
                    "Momenteel niet verkrijgbaar.",
                    "GRATIS bezorging dinsdag 8 december",
                    "Klik om te selecteren ",
                    "Gesponsord",
                    "a-icon-prime",
                    "amazon.nl"),
            new Market(
                    "jp",
                    "JPY",
                    new BigDecimal("150"),
                    0,
                    '.',
                    ",",
                    false,
                    "￥",
                    "",
                    "5つ星のうち%s",
                    true,
                    "%s レーティング",
                    false,
                    "千",
                    "検索結果 %3$s のうち %1$s-%2$s件",
                    "色",
                    "在庫あり。",
                    "現在在庫切れです。",
                    "12月8日 火曜日 にお届け",
                    "",
                    "スポンサー",
                    "a-icon-prime-jp",
                    "amazon.co.jp"),
            new Market(
                    "in",
                    "INR",
                    new BigDecimal("83"),
                    2,
                    '.',
                    ",",
                    true,
                    "₹",
                    "",
                    "%s out of 5 stars",
                    false,
                    "%s ratings",
                    false,
                    "K",
                    "%s-%s of %s results for",
                    "Colour",
                    "In stock",
                    "Currently unavailable.",
                    "FREE delivery Tuesday, 8 December",
                    "Click to select ",
                    "Sponsored",
                    "a-icon-prime",
                    "amazon.in"),
            new Market(
                    "mx",
                    "MXN",
                    new BigDecimal("17"),
                    2,
                    '.',
                    ",",
                    false,
                    "$",
                    "",
                    "%s de 5 estrellas",
                    false,
                    "%s calificaciones",
                    false,
                    " mil",
                    "%s-%s de %s resultados para",
                    "Color",
                    "Disponible.",
                    "No disponible por el momento.",
                    "Entrega GRATIS el martes, 8 de diciembre",
                    "Haz clic para seleccionar ",
                    "Patrocinado",
                    "a-icon-prime",
                    "amazon.com.mx"),
            new Market(
                    "br",
                    "BRL",
                    new BigDecimal("5"),
                    2,
                    ',',
                    ".",
                    false,
                    "R$\u00a0",
                    "",
                    "%s de 5 estrelas",
                    false,
                    "%s avaliações",
                    true,
                    " mil",
                    "%s-%s de %s resultados para",
                    "Cor",
                    "Em estoque",
                    "Não disponível.",
                    "Entrega GRÁTIS: terça-feira, 8 de dezembro",
                    "Clique para selecionar ",
                    "Patrocinado",
                    "a-icon-prime",
                    "amazon.com.br"),
            new Market(
                    "sa",
                    "SAR",
                    new BigDecimal("3.75"),
                    2,
                    '.',
                    ",",
                    false,
                    "SAR\u00a0",
                    "",
                    "%s out of 5 stars",
                    false,
                    "%s ratings",
                    false,
                    "K",
                    "%s-%s of %s results for",
                    "Colour",
                    "In Stock",
                    "Currently unavailable.",
                    "FREE delivery Tuesday, 8 December",
                    "Click to select ",
                    "Sponsored",
                    "a-icon-prime",
                    "amazon.sa"));

    static Market market(String code) {
        return MARKETS.stream().filter(m -> m.code().equals(code)).findFirst().orElseThrow();
    }

    // ---- search

    /** One card of a results page. */
    static String card(Market m, Layout layout, Item item, String query, int position) {
        String asin = item.asin();
        String slug = item.brand() + "-" + item.title().replaceAll("[^A-Za-z0-9]+", "-");
        String dp = "/" + slug + "/dp/" + asin + "/ref=sr_1_" + position + "?keywords="
                + URLEncoder.encode(query, StandardCharsets.UTF_8);
        String link = !item.sponsored()
                ? dp
                : layout == Layout.Y2021
                        ? "/gp/slredirect/picassoRedirect.html/ref=pa_sp_atf_aps_sr_pg1_1?ie=UTF8&adId=A0&url="
                                + URLEncoder.encode(dp, StandardCharsets.UTF_8)
                        : "/sspa/click?ie=UTF8&spc=MTo0&url=" + URLEncoder.encode(dp, StandardCharsets.UTF_8);
        StringBuilder card = new StringBuilder("<div data-component-type=\"s-search-result\" data-asin=\"")
                .append(asin)
                .append("\" data-index=\"")
                .append(position)
                .append("\" class=\"s-result-item s-asin sg-col\"><div class=\"s-product-image-container\">"
                        + "<img class=\"s-image\" src=\"https://m.media-amazon.example/images/I/")
                .append(asin)
                .append(".jpg\" alt=\"")
                .append(item.title())
                .append("\"></div>");
        if (item.sponsored()) {
            card.append(
                    layout == Layout.Y2021
                            ? "<div class=\"a-row a-spacing-micro\"><span class=\"s-label-popover-default\"><span "
                                    + "class=\"a-size-mini a-color-secondary\">" + m.sponsored()
                                    + "</span></span></div>"
                            : "<div class=\"a-row a-spacing-micro\"><span class=\"puis-sponsored-label-text\">"
                                    + m.sponsored() + "</span></div>");
        }
        String title = item.brand() + " " + item.title();
        switch (layout) {
            case Y2021, Y2023 ->
                card.append("<h2 class=\"a-size-mini a-spacing-none a-color-base s-line-clamp-2\"><a class=\""
                                + "a-link-normal s-underline-text a-text-normal\" href=\"")
                        .append(link)
                        .append("\"><span class=\"a-size-medium a-color-base a-text-normal\">")
                        .append(title)
                        .append("</span></a></h2>");
            case Y2026 ->
                card.append("<div data-cy=\"title-recipe\" class=\"a-section a-spacing-none\"><div class=\"a-row "
                                + "a-color-secondary\"><h2 class=\"a-size-mini s-line-clamp-1\"><span class=\""
                                + "a-size-base-plus a-color-base\">")
                        .append(item.brand())
                        .append(
                                "</span></h2></div><a class=\"a-link-normal s-line-clamp-2 s-link-style a-text-normal\" href=\"")
                        .append(link)
                        .append("\"><h2 aria-label=\"")
                        .append(item.sponsored() ? m.sponsored() + " – " : "")
                        .append(title)
                        .append("\" class=\"a-size-base-plus a-spacing-none a-color-base a-text-normal\"><span>")
                        .append(title)
                        .append("</span></h2></a></div>");
        }
        String stars = m.rating(item.rating());
        String reviews = "/" + slug + "/dp/" + asin + "#customerReviews";
        switch (layout) {
            case Y2021 ->
                card.append("<div class=\"a-row a-size-small\"><span aria-label=\"")
                        .append(stars)
                        .append(
                                "\"><i class=\"a-icon a-icon-star-small a-star-small-4-5 aok-align-bottom\"><span class=\""
                                        + "a-icon-alt\">")
                        .append(stars)
                        .append("</span></i></span><span aria-label=\"")
                        .append(m.count(item.reviews()))
                        .append("\"><a class=\"a-link-normal\" href=\"")
                        .append(reviews)
                        .append("\"><span class=\"a-size-base\">")
                        .append(m.count(item.reviews()))
                        .append("</span></a></span></div>");
            case Y2023 ->
                card.append("<div class=\"a-row a-size-small\"><span aria-label=\"")
                        .append(stars)
                        .append("\"><a class=\"a-popover-trigger\" href=\"javascript:void(0)\"><i class=\"a-icon "
                                + "a-icon-star-small a-star-small-4-5\"><span class=\"a-icon-alt\">")
                        .append(stars)
                        .append("</span></i></a></span><span aria-label=\"")
                        .append(m.count(item.reviews()))
                        .append("\"><a class=\"a-link-normal s-underline-text s-underline-link-text\" href=\"")
                        .append(reviews)
                        .append("\"><span class=\"a-size-base s-underline-text\">")
                        .append(m.count(item.reviews()))
                        .append("</span></a></span></div>");
            case Y2026 -> {
                card.append("<div data-cy=\"reviews-block\" class=\"a-section a-spacing-none a-spacing-top-micro\">"
                                + "<span class=\"a-declarative\"><a aria-label=\"")
                        .append(stars)
                        .append(", rating details\" href=\"javascript:void(0)\" role=\"button\"><i data-cy=\"reviews-"
                                + "ratings-slot\" class=\"a-icon a-icon-star-mini a-star-mini-4-5\"><span class=\""
                                + "a-icon-alt\">")
                        .append(stars)
                        .append("</span></i></a></span><a ");
                if (!m.abbreviatesWithoutLabel()) {
                    card.append("aria-label=\"")
                            .append(String.format(m.countLabel(), m.count(item.reviews())))
                            .append("\" ");
                }
                card.append("class=\"a-link-normal s-underline-text s-link-style\" href=\"")
                        .append(reviews)
                        .append("\"><span aria-hidden=\"true\" class=\"a-size-mini puis-normal-weight-text "
                                + "s-underline-text\">")
                        .append(m.abbreviated(item.reviews()))
                        .append("</span></a></div>");
            }
        }
        card.append("<div class=\"a-row a-size-base\"><a class=\"a-link-normal s-no-hover\" href=\"")
                .append(link)
                .append("\">")
                .append(price(m, item.price(), false));
        if (item.listPrice() != null) {
            card.append(
                            layout == Layout.Y2026
                                    ? "<div class=\"a-section aok-inline-block\"><span class=\"a-color-"
                                            + "secondary\">List: </span>"
                                    : "")
                    .append(price(m, item.listPrice(), true))
                    .append(layout == Layout.Y2026 ? "</div>" : "");
        }
        card.append("</a></div>");
        if (item.prime()) {
            card.append("<div class=\"a-row\"><i class=\"a-icon ")
                    .append(m.primeClass())
                    .append(" a-icon-medium\" role=\"img\" aria-label=\"Amazon Prime\"></i></div>");
        }
        return card.append("</div>").toString();
    }

    /** An a-price: the screen-reader text and the shown symbol, whole and fraction. */
    static String price(Market m, BigDecimal usd, boolean struck) {
        String number = m.number(m.convert(usd));
        int dot = number.lastIndexOf(m.decimal());
        String whole = m.scale() == 0 || dot < 0 ? number : number.substring(0, dot);
        String fraction = m.scale() == 0 || dot < 0 ? "" : number.substring(dot + 1);
        String symbol = (m.before() + m.after()).strip();
        String shown = struck
                ? "<span aria-hidden=\"true\">" + m.money(usd) + "</span>"
                : "<span aria-hidden=\"true\">"
                        + (m.before().isEmpty() ? "" : "<span class=\"a-price-symbol\">" + symbol + "</span>")
                        + "<span class=\"a-price-whole\">" + whole
                        + (fraction.isEmpty() ? "" : "<span class=\"a-price-decimal\">" + m.decimal() + "</span>")
                        + "</span>"
                        + (fraction.isEmpty() ? "" : "<span class=\"a-price-fraction\">" + fraction + "</span>")
                        + (m.after().isEmpty() ? "" : "<span class=\"a-price-symbol\">" + symbol + "</span>")
                        + "</span>";
        return "<span class=\"a-price"
                + (struck
                        ? " a-text-price\" data-a-strike=\"true\" data-a-color=\"secondary\""
                        : "\" data-a-size=\"xl\" data-a-color=\"base\"")
                + "><span class=\"a-offscreen\">" + m.money(usd)
                + "</span>" + shown + "</span>";
    }

    /** The line above the results and the page strip. */
    static String frame(Market m, Layout layout, String query, int first, int last, int total) {
        String shown = String.format(m.shownFormat(), first, last, m.count(total));
        if (layout == Layout.Y2026) {
            // 2026: the count is an h2 of .s-breadcrumb-header-text, after the filters button's empty spans
            return "<span data-component-type=\"s-result-info-bar\" class=\"rush-component\"><h1 class=\"a-size-base "
                    + "s-desktop-toolbar a-text-normal\"><div class=\"s-breadcrumb\"><span class=\"a-declarative\"><span "
                    + "id=\"s-all-filters\" class=\"a-button\"><span class=\"a-button-inner\"> </span></span></span><div "
                    + "class=\"a-section a-spacing-none s-breadcrumb-header-text\"><h2 class=\"a-size-base a-text-normal\">"
                    + "<span>" + shown + "</span><span> </span><span class=\"a-color-state a-text-bold\">\"" + query
                    + "\"</span></h2></div></div></h1></span>";
        }
        StringBuilder top = new StringBuilder(
                        "<div data-component-type=\"s-result-info-bar\" class=\"s-result-info-bar\"><h1 class=\""
                                + "a-size-base s-desktop-toolbar a-text-normal\"><div class=\"s-breadcrumb\"><div class=\""
                                + "a-section a-spacing-small a-spacing-top-small\"><span>")
                .append(shown)
                .append("</span><span> </span><span class=\"a-color-state a-text-bold\">\"")
                .append(query)
                .append("\"</span></div></div></h1></div>");
        return top.toString();
    }

    static String pagination(Layout layout, String query, int page, int pages) {
        String href = "/s?k=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&page=";
        StringBuilder strip = new StringBuilder();
        if (layout == Layout.Y2021) {
            strip.append("<ul class=\"a-pagination\">");
            for (int p = 1; p <= pages; p++) {
                strip.append(
                        p == page
                                ? "<li class=\"a-selected\"><a href=\"" + href + p + "\">" + p + "</a></li>"
                                : "<li class=\"a-normal\"><a href=\"" + href + p + "\">" + p + "</a></li>");
            }
            strip.append(
                    page < pages
                            ? "<li class=\"a-last\"><a href=\"" + href + (page + 1) + "\">Next</a></li>"
                            : "<li class=\"a-disabled a-last\">Next</li>");
            return strip.append("</ul>").toString();
        }
        strip.append("<span class=\"s-pagination-strip\">");
        for (int p = 1; p <= pages; p++) {
            strip.append(
                    p == page
                            ? "<span class=\"s-pagination-item s-pagination-selected\" aria-current=\"page\">" + p
                                    + "</span>"
                            : "<a class=\"s-pagination-item s-pagination-button\" href=\"" + href + p + "\">" + p
                                    + "</a>");
        }
        strip.append(
                page < pages
                        ? "<a class=\"s-pagination-item s-pagination-next s-pagination-button\" href=\"" + href
                                + (page + 1) + "\">Next</a>"
                        : "<span class=\"s-pagination-item s-pagination-next s-pagination-disabled\">Next</span>");
        return strip.append("</span>").toString();
    }

    // ---- product

    static String product(Market m, Layout layout, Item item) {
        String asin = item.asin();
        String title = item.brand() + " " + item.title();
        String stars = m.rating(item.rating());
        StringBuilder body = new StringBuilder("<div id=\"dp\"><div id=\"centerCol\"><div id=\"title_feature_div\">"
                        + "<h1 id=\"title\"><span id=\"productTitle\" class=\"a-size-large\">      ")
                .append(title)
                .append("      </span></h1></div><div id=\"averageCustomerReviews\"><span id=\"acrPopover\" ")
                .append(layout == Layout.Y2026 ? "" : "title=\"" + stars + "\" ")
                .append("class=\"reviewCountTextLinkedHistogram\"><a href=\"javascript:void(0)\"><i class=\"a-icon "
                        + "a-icon-star a-star-4-5\"><span class=\"a-icon-alt\">")
                .append(stars)
                .append("</span></i></a></span><a id=\"acrCustomerReviewLink\" href=\"#customerReviews\"><span "
                        + "id=\"acrCustomerReviewText\" class=\"a-size-base\">")
                .append(String.format(m.countLabel(), m.count(item.reviews())))
                .append("</span></a></div>");
        if (item.available()) {
            switch (layout) {
                case Y2021 ->
                    body.append("<div id=\"price\"><table class=\"a-lineitem\"><tr><td class=\"a-color-secondary\">"
                                    + "Price:</td><td><span id=\"priceblock_ourprice\" class=\"a-size-medium "
                                    + "a-color-price\">")
                            .append(m.money(item.price()))
                            .append("</span></td></tr></table></div>");
                case Y2023 ->
                    body.append("<div id=\"corePrice_feature_div\"><div class=\"a-section a-spacing-micro\">")
                            .append(price(m, item.price(), false))
                            .append("</div></div>");
                case Y2026 -> {
                    // the struck list price comes first, and the price to pay's screen-reader text is empty
                    body.append("<div id=\"corePriceDisplay_desktop_feature_div\"><div class=\"a-section\">");
                    if (item.listPrice() != null) {
                        body.append("<span class=\"basisPrice\">List Price: ")
                                .append(price(m, item.listPrice(), true))
                                .append("</span>");
                    }
                    body.append(price(m, item.price(), false)
                                    .replaceFirst(
                                            "<span class=\"a-offscreen\">[^<]*</span>",
                                            "<span class=\"a-offscreen\"> </span>")
                                    .replace("class=\"a-price\"", "class=\"a-price priceToPay\""))
                            .append("<span class=\"aok-offscreen\">")
                            .append(m.money(item.price()))
                            .append("</span></div></div>");
                }
            }
        }
        if (item.prime() && item.available()) {
            body.append("<div id=\"priceBadging_feature_div\"><i class=\"a-icon ")
                    .append(m.primeClass())
                    .append("\"></i></div>");
        }
        body.append(variants(m, layout, item));
        // a widget for another product, with its own Prime icon (as on a 2026 amazon.com product page)
        body.append(
                "<div id=\"value-pick-title-row\"><span>Amazon's pick</span><i aria-label=\"Amazon Prime\" class=\""
                        + "a-icon a-icon-prime a-icon-small\" id=\"value-pick-prime-badge-lazy-loading\" role=\"img\"></i></div>");
        body.append(bullets(layout));
        // a signed-out visitor's "add to wishlist" posts to the sign-in page (amazon.com.br, 2026): no sign-in wall
        body.append("<form id=\"addToWishlist\" method=\"post\" action=\"/ap/signin?openid.return_to=%2Fdp%2F")
                .append(asin)
                .append("\"><input type=\"submit\" value=\"Add to List\"></form>");
        body.append("</div><div id=\"rightCol\"><div id=\"availability\" class=\"a-section a-spacing-base\">");
        if (layout == Layout.Y2026) {
            body.append("<span class=\"a-declarative\"></span>");
        }
        body.append(
                item.available()
                        ? "<span class=\"a-size-medium a-color-success\">  " + m.inStock() + "  </span>"
                        : "<span class=\"a-size-medium a-color-price\">  " + m.unavailable() + "  </span>");
        body.append("</div>");
        if (item.available()) {
            body.append(
                    switch (layout) {
                        case Y2021 ->
                            "<div id=\"deliveryBlockMessage\"><div class=\"a-section\">" + m.delivery()
                                    + "</div></div>";
                        case Y2023, Y2026 ->
                            "<div id=\"mir-layout-DELIVERY_BLOCK\"><div id=\"mir-layout-DELIVERY_BLOCK-"
                                    + "slot-PRIMARY_DELIVERY_MESSAGE_LARGE\"><span>" + m.delivery()
                                    + "</span></div></div>";
                    });
            body.append("<form method=\"post\" action=\"" + m.path()
                            + "/cart/add-to-cart.html\"><input type=\"hidden\" " + "name=\"ASIN\" value=\"")
                    .append(asin)
                    .append("\"><select id=\"quantity\" name=\"quantity\"><option>1</option><option>2</option>"
                            + "<option>3</option></select><input id=\"add-to-cart-button\" type=\"submit\" "
                            + "value=\"Add to Cart\"></form>");
        }
        return body.append("</div></div>").toString();
    }

    private static String variants(Market m, Layout layout, Item item) {
        if (item.colours().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        switch (layout) {
            case Y2021 -> {
                out.append("<div id=\"twister\"><div id=\"variation_color_name\" class=\"a-section\"><div class=\""
                                + "a-row\"><label class=\"a-form-label\">")
                        .append(m.dimension())
                        .append(": </label><span class=\"selection\">")
                        .append(item.colours().get(0).value())
                        .append("</span></div><ul>");
                for (Choice c : item.colours()) {
                    out.append("<li id=\"color_name_")
                            .append(c.asin())
                            .append("\" data-defaultasin=\"")
                            .append(c.asin())
                            .append("\" data-dp-url=\"/dp/")
                            .append(c.asin())
                            .append("/ref=twister_")
                            .append(item.asin())
                            .append("\" title=\"")
                            .append(m.clickToSelect())
                            .append(c.value())
                            .append("\" class=\"")
                            .append(
                                    c.asin().equals(item.asin())
                                            ? "swatchSelect"
                                            : c.available() ? "swatchAvailable" : "swatchUnavailable")
                            .append("\"><img alt=\"")
                            .append(c.value())
                            .append("\" src=\"https://m.media-amazon.example/images/I/")
                            .append(c.asin())
                            .append("._SS36_.jpg\"></li>");
                }
                out.append("</ul></div></div>");
            }
            case Y2023 -> {
                out.append("<div id=\"twister\"><div id=\"variation_color_name\" class=\"a-section\"><label class=\""
                                + "a-form-label\">")
                        .append(m.dimension())
                        .append(":</label><select name=\"dropdown_selected_color_name\" id=\"native_dropdown_"
                                + "selected_color_name\">");
                int i = 0;
                for (Choice c : item.colours()) {
                    out.append("<option value=\"")
                            .append(i++)
                            .append(",")
                            .append(c.asin())
                            .append(
                                    c.available()
                                            ? "\" class=\"dropdownAvailable\""
                                            : "\" class=\"dropdownUnavailable\"")
                            .append(c.asin().equals(item.asin()) ? " selected" : "")
                            .append(">")
                            .append(c.value())
                            .append("</option>");
                }
                out.append("</select></div></div>");
            }
            case Y2026 -> {
                out.append("<div id=\"twister-plus-inline-twister\"><div id=\"inline-twister-row-color_name\" class=\""
                                + "inline-twister-row\"><div class=\"inline-twister-dim-title\"><span class=\""
                                + "a-color-secondary\">")
                        .append(m.dimension())
                        .append(": </span><span class=\"a-text-bold inline-twister-dim-title-value\">")
                        .append(item.colours().get(0).value())
                        .append("</span></div><ul class=\"dimension-values-list\">");
                for (Choice c : item.colours()) {
                    out.append("<li data-asin=\"")
                            .append(c.asin())
                            .append("\" data-initiallyselected=\"")
                            .append(c.asin().equals(item.asin()))
                            .append("\" data-initiallyunavailable=\"")
                            .append(!c.available())
                            .append("\" class=\"inline-twister-swatch\"><span class=\"a-button-text\"><img alt=\"")
                            .append(c.value())
                            .append("\" src=\"https://m.media-amazon.example/images/I/")
                            .append(c.asin())
                            .append("._SS64_.jpg\"></span></li>");
                }
                out.append("</ul></div>");
                // a second row of text swatches, each also showing its price and availability
                out.append("<div id=\"inline-twister-row-size_name\" class=\"inline-twister-row\"><div class=\""
                                + "inline-twister-dim-title\"><span class=\"a-color-secondary\">")
                        .append(m.sizeWord())
                        .append(": </span><span class=\"a-text-bold\">iPhone 15</span></div><ul>");
                for (Choice c : SIZES) {
                    out.append("<li data-asin=\"")
                            .append(c.asin())
                            .append("\" data-initiallyselected=\"")
                            .append(c.asin().equals(item.asin()))
                            .append(
                                    "\" data-initiallyunavailable=\"false\"><span class=\"a-button-text\"><span class=\""
                                            + "swatch-title-text-display\">")
                            .append(c.value())
                            .append("</span><span class=\"a-price\"><span class=\"a-offscreen\">")
                            .append(m.money(item.price()))
                            .append("</span></span><span class=\"a-size-mini\">")
                            .append(m.inStock())
                            .append("</span></span></li>");
                }
                out.append("</ul></div></div>");
            }
        }
        return out.toString();
    }

    /** The sizes the newest layout offers beside the colours, as text swatches. */
    static final List<Choice> SIZES =
            List.of(new Choice("iPhone 15", "B0CASE0001", true), new Choice("iPhone 15 Plus", "B0CASE3001", true));

    static final List<String> BULLETS =
            List.of("Military-grade drop protection, tested to 6 feet", "Wireless charging compatible");

    private static String bullets(Layout layout) {
        String items = "<li id=\"replacementPartsFitmentBullet\" class=\"aok-hidden\"><span class=\"a-list-item\">"
                + "Make sure this fits by entering your model number.</span></li>"
                + BULLETS.stream()
                        .map(b -> "<li><span class=\"a-list-item\"> " + b + " </span></li>")
                        .reduce("", String::concat);
        return layout == Layout.Y2026
                ? "<div id=\"productFactsDesktopExpander\"><h3 class=\"product-facts-title\">About this item</h3>"
                        + "<ul class=\"a-unordered-list a-vertical\">" + items + "</ul></div>"
                : "<div id=\"feature-bullets\" class=\"a-section\"><h1 class=\"a-size-base-plus\">About this item</h1>"
                        + "<ul class=\"a-unordered-list a-vertical a-spacing-mini\">" + items + "</ul></div>";
    }

    /** Amazon's JavaScript bot challenge (AWS WAF): a script and its settings, and no form. */
    static String challenge() {
        return "<div id=\"challenge-container\"></div><script>window.gokuProps = {\"key\":\"AQIDAHjcYu\",\"iv\":\"A6x\","
                + "\"context\":\"test\"};</script><script src=\"/waf/challenge.js\"></script><noscript>JavaScript "
                + "is disabled. Enable JavaScript to continue.</noscript>";
    }
}
