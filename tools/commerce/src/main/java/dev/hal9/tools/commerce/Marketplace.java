package dev.hal9.tools.commerce;

import java.math.BigDecimal;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Amazon marketplace: its code (us, de, jp...), the origin hal9 opens, and how its pages write numbers and money.
 * A page of amazon.de says "1.599,00 €" and one of amazon.com.mx says "$299.00" and means pesos; the numbers are
 * read with the marketplace's decimal separator (the JDK's locale data), the currency from the sign the page shows
 * where it names one, else the marketplace's own.
 *
 * @param code the operator's name for it, e.g. {@code de}
 * @param origin where hal9 opens it, e.g. {@code https://www.amazon.de} (no trailing slash)
 * @param locale the language and country its pages are written in
 * @param currency its currency, ISO 4217
 */
record Marketplace(String code, String origin, Locale locale, String currency) {

    /** The marketplaces hal9 knows by code: domain, page language and currency. */
    static final Map<String, Marketplace> KNOWN = known();

    private static Map<String, Marketplace> known() {
        Map<String, Marketplace> known = new LinkedHashMap<>();
        for (String[] m : new String[][] {
            {"us", "amazon.com", "en-US", "USD"},
            {"ca", "amazon.ca", "en-CA", "CAD"},
            {"mx", "amazon.com.mx", "es-MX", "MXN"},
            {"br", "amazon.com.br", "pt-BR", "BRL"},
            {"uk", "amazon.co.uk", "en-GB", "GBP"},
            {"de", "amazon.de", "de-DE", "EUR"},
            {"fr", "amazon.fr", "fr-FR", "EUR"},
            {"es", "amazon.es", "es-ES", "EUR"},
            {"it", "amazon.it", "it-IT", "EUR"},
            {"nl", "amazon.nl", "nl-NL", "EUR"},
            {"be", "amazon.com.be", "fr-BE", "EUR"},
            {"ie", "amazon.ie", "en-IE", "EUR"},
            {"se", "amazon.se", "sv-SE", "SEK"},
            {"pl", "amazon.pl", "pl-PL", "PLN"},
            {"tr", "amazon.com.tr", "tr-TR", "TRY"},
            {"ae", "amazon.ae", "en-AE", "AED"},
            {"sa", "amazon.sa", "en-SA", "SAR"},
            {"eg", "amazon.eg", "en-EG", "EGP"},
            {"in", "amazon.in", "en-IN", "INR"},
            {"jp", "amazon.co.jp", "ja-JP", "JPY"},
            {"au", "amazon.com.au", "en-AU", "AUD"},
            {"sg", "amazon.sg", "en-SG", "SGD"},
        }) {
            known.put(m[0], new Marketplace(m[0], "https://www." + m[1], Locale.forLanguageTag(m[2]), m[3]));
        }
        return java.util.Collections.unmodifiableMap(known);
    }

    Marketplace {
        origin = origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
    }

    /** A known marketplace at another origin (a proxy, a test replica), keeping its language and currency. */
    Marketplace at(String otherOrigin) {
        return new Marketplace(code, otherOrigin, locale, currency);
    }

    /**
     * The marketplaces an operator configured: {@code us=https://www.amazon.com,de=https://www.amazon.de}, or just
     * {@code us,de,jp} for their own domains; a bare origin is the marketplace whose domain it is (us when none is).
     * The first is the default.
     */
    static List<Marketplace> parse(String setting) {
        List<Marketplace> list = new ArrayList<>();
        for (String entry : setting.split(",")) {
            String item = entry.strip();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            Marketplace found;
            if (eq > 0) {
                found = byCode(item.substring(0, eq).strip())
                        .at(item.substring(eq + 1).strip());
            } else if (item.contains("://")) {
                found = byOrigin(item);
            } else {
                found = byCode(item);
            }
            if (list.stream().anyMatch(m -> m.code().equals(found.code()))) {
                throw new IllegalArgumentException(
                        "the marketplace '" + found.code() + "' is named twice in '" + setting + "'; name each once");
            }
            list.add(found);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no marketplace in '" + setting + "'; say e.g. us or "
                    + "us=https://www.amazon.com,de=https://www.amazon.de");
        }
        return List.copyOf(list);
    }

    static Marketplace byCode(String code) {
        Marketplace known = KNOWN.get(code.toLowerCase(Locale.ROOT));
        if (known == null) {
            throw new IllegalArgumentException(
                    "no Amazon marketplace '" + code + "'; hal9 knows " + String.join(", ", KNOWN.keySet()));
        }
        return known;
    }

    /** The marketplace an origin belongs to by its domain (www.amazon.co.uk is uk); us when none matches. */
    static Marketplace byOrigin(String origin) {
        String host = java.net.URI.create(origin).getHost();
        Optional<Marketplace> match = KNOWN.values().stream()
                .filter(m -> host != null && host.endsWith(m.origin().substring("https://www.".length())))
                .max(java.util.Comparator.comparingInt(m -> m.origin().length()));
        return match.orElse(KNOWN.get("us")).at(origin);
    }

    /** The domain it stands for, e.g. amazon.de, whatever origin it is reached at. */
    String domain() {
        return KNOWN.get(code).origin().substring("https://www.".length());
    }

    char decimalSeparator() {
        return DecimalFormatSymbols.getInstance(locale).getMonetaryDecimalSeparator();
    }

    // ---- reading numbers as this marketplace writes them

    record Money(BigDecimal amount, String currency) {}

    private static final Pattern NUMBER = Pattern.compile("[0-9](?:[0-9.,'\\u00a0\\u202f\\u2009 ]*[0-9])?");

    /**
     * A price as the page shows it: "$1,234.56", "17,04 €", "€1.599,00", "R$ 303,05", "￥1,980", "₹1,29,900.00",
     * "SAR 45.00". Null when the text holds no number.
     */
    Money money(String text) {
        if (text == null) {
            return null;
        }
        Matcher number = NUMBER.matcher(text);
        if (!number.find()) {
            return null;
        }
        BigDecimal amount = decimal(number.group());
        String around = (text.substring(0, number.start()) + " " + text.substring(number.end())).strip();
        return new Money(amount, currencyOf(around));
    }

    /** Signs that name one currency wherever they are shown, the longer before the shorter they contain. */
    private static final List<Map.Entry<Pattern, String>> SIGNS = List.of(
            sign("US\\$|USD\\$", "USD"),
            sign("C\\$|CA\\$|CDN\\$", "CAD"),
            sign("A\\$|AU\\$", "AUD"),
            sign("MX\\$", "MXN"),
            sign("S\\$", "SGD"),
            sign("R\\$", "BRL"),
            sign("€", "EUR"),
            sign("£", "GBP"),
            sign("[¥￥円]", "JPY"),
            sign("₹|\\bRs\\.?(?![A-Za-z])", "INR"),
            sign("zł", "PLN"),
            sign("\\bkr\\b", "SEK"),
            sign("\\bTL\\b|₺", "TRY"),
            sign("ر\\.س|ريال", "SAR"),
            sign("د\\.إ|درهم", "AED"),
            sign("ج\\.م|جنيه", "EGP"));

    private static Map.Entry<Pattern, String> sign(String regex, String currency) {
        return Map.entry(Pattern.compile(regex), currency);
    }

    private static final Pattern ISO = Pattern.compile("(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])");

    /** The currency a price's sign names; the marketplace's own where the sign is its (or there is none). */
    private String currencyOf(String around) {
        Matcher iso = ISO.matcher(around);
        while (iso.find()) {
            if (isCurrency(iso.group(1))) {
                return iso.group(1);
            }
        }
        for (Map.Entry<Pattern, String> sign : SIGNS) {
            if (sign.getKey().matcher(around).find()) {
                return sign.getValue();
            }
        }
        // a bare dollar sign is the marketplace's dollar (pesos on amazon.com.mx), else the US dollar
        if (around.contains("$")) {
            return dollar() ? currency : "USD";
        }
        return currency;
    }

    private boolean dollar() {
        return Currency.getInstance(currency).getSymbol(locale).contains("$")
                || List.of("USD", "CAD", "MXN", "AUD", "SGD").contains(currency);
    }

    private static boolean isCurrency(String code) {
        try {
            Currency.getInstance(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A decimal number as this marketplace writes it: its decimal separator is the decimal point, the other marks are
     * grouping. A lone other mark followed by one or two digits ("12.99" on amazon.de) is a decimal point all the same:
     * no marketplace groups by one or two digits at the end.
     */
    BigDecimal decimal(String written) {
        String s = written.replaceAll("['\\u00a0\\u202f\\u2009 ]", "");
        char decimal = decimalSeparator();
        char other = decimal == ',' ? '.' : ',';
        int lastDecimal = s.lastIndexOf(decimal);
        if (lastDecimal < 0) {
            int lastOther = s.lastIndexOf(other);
            if (lastOther >= 0 && s.indexOf(other) == lastOther) {
                int tail = s.length() - lastOther - 1;
                if (tail >= 1 && tail <= 2) {
                    lastDecimal = lastOther;
                    decimal = other;
                    other = decimal == ',' ? '.' : ',';
                }
            }
        }
        String whole = lastDecimal < 0 ? s : s.substring(0, lastDecimal);
        String fraction = lastDecimal < 0 ? "" : s.substring(lastDecimal + 1);
        whole = whole.replace(String.valueOf(other), "").replace(String.valueOf(decimal), "");
        return new BigDecimal(fraction.isEmpty() ? whole : whole + "." + fraction);
    }

    private static final Pattern RATING_NUMBER = Pattern.compile("[0-9]+(?:[.,][0-9]+)?");

    /**
     * A star rating in any language: "4.5 out of 5 stars", "4,3 de 5 estrellas", "4,3 sur 5 étoiles",
     * "5つ星のうち4.3", "4,3 von 5 Sternen". Of the two numbers, one is the scale (5) and the other the rating.
     */
    Double rating(String text) {
        if (text == null) {
            return null;
        }
        List<Double> numbers = numbers(text);
        if (numbers.size() == 1) {
            double only = numbers.get(0);
            return only >= 0 && only <= 5 ? only : null;
        }
        if (numbers.size() != 2) {
            return null;
        }
        double first = numbers.get(0);
        double second = numbers.get(1);
        double rating = isScaleFirst(text) ? second : second == 5.0 ? first : first == 5.0 ? second : -1;
        return rating >= 0 && rating <= 5 ? rating : null;
    }

    /**
     * Whether a text is a star rating ("4.6 out of 5 stars, rating details") rather than a count ("12,345 ratings",
     * "(1.2K)"): a rating names the scale, 5, beside a number no higher.
     */
    boolean isRating(String text) {
        List<Double> numbers = numbers(text);
        return numbers.size() == 2 && numbers.contains(5.0) && numbers.stream().allMatch(n -> n >= 0 && n <= 5);
    }

    /** The numbers of a short text, a decimal comma read as a point ("4,3 de 5" is 4.3 and 5). */
    private static List<Double> numbers(String text) {
        List<Double> numbers = new ArrayList<>();
        Matcher m = RATING_NUMBER.matcher(text);
        while (m.find()) {
            numbers.add(Double.valueOf(m.group().replace(',', '.')));
        }
        return numbers;
    }

    /** Japanese and Turkish write the scale first: "5つ星のうち4.3", "5 yıldız üzerinden 4,3". */
    private static boolean isScaleFirst(String text) {
        return text.contains("つ星のうち") || text.contains("üzerinden");
    }

    private static final Pattern COUNT = Pattern.compile("([0-9](?:[0-9.,\\u00a0\\u202f\\u2009 ]*[0-9])?)"
            + "(?:[\\s\\u00a0]*(k|K|mil|mille|Tsd\\.?|M|Mio\\.?|千|万)(?![A-Za-z\\u00c0-\\u024f]))?");

    /**
     * A count of ratings: "12,345", "12.345 Sternebewertungen", "12 345 évaluations", "(12.3K)", "(7,3 mil)",
     * "1,2 万". Abbreviations are multiplied out; the count is as exact as the page shows it.
     */
    Integer count(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = COUNT.matcher(text);
        if (!m.find()) {
            return null;
        }
        String digits = m.group(1);
        String suffix = m.group(2);
        if (suffix == null) {
            String plain = digits.replaceAll("[^0-9]", "");
            return plain.length() > 9 ? null : Integer.valueOf(plain);
        }
        BigDecimal mantissa = new BigDecimal(digits.replaceAll("[\\u00a0\\u202f\\u2009 ]", "")
                .replace(',', '.')
                .replaceAll("\\.(?=.*\\.)", ""));
        BigDecimal factor =
                switch (suffix) {
                    case "M", "Mio", "Mio." -> BigDecimal.valueOf(1_000_000);
                    case "万" -> BigDecimal.valueOf(10_000);
                    default -> BigDecimal.valueOf(1_000);
                };
        return mantissa.multiply(factor).intValue();
    }

    /** How many results a search has in all, and whether the page said "over" that many. */
    record Total(long count, boolean atLeast) {}

    private static final Pattern WHOLE = Pattern.compile("[0-9](?:[0-9.,\\u00a0\\u202f]*[0-9])?");
    private static final Pattern RANGE =
            Pattern.compile("[0-9][0-9.,\\u00a0\\u202f]*\\s*[-–]\\s*[0-9][0-9.,\\u00a0\\u202f]*");

    /**
     * The total of the line above the results, in any language: "1-16 of over 1,000 results for", "1-16 von 243
     * Ergebnissen", "1,000以上のうち1-16件の結果". The number that is not the range's is the total; none when the line
     * names none.
     */
    static Total total(String shown) {
        if (shown == null) {
            return null;
        }
        Matcher rest = WHOLE.matcher(RANGE.matcher(shown).replaceAll(" "));
        if (!rest.find()) {
            return null;
        }
        String digits = rest.group().replaceAll("[^0-9]", "");
        if (digits.length() > 12) {
            return null;
        }
        return new Total(
                Long.parseLong(digits), AmazonMarkup.AT_LEAST.matcher(shown).find());
    }
}
