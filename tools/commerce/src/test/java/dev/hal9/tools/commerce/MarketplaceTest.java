package dev.hal9.tools.commerce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * Numbers as Amazon's marketplaces write them. The texts are the forms issue 16 measured on saved pages of real
 * marketplaces ("17,04 €" once read as 1704, "€1.599,00" as 1.59, "R$303,05" as 30305, "(7,3 mil)" as 73).
 */
class MarketplaceTest {

    private static final Marketplace US = Marketplace.byCode("us");
    private static final Marketplace DE = Marketplace.byCode("de");
    private static final Marketplace ES = Marketplace.byCode("es");
    private static final Marketplace FR = Marketplace.byCode("fr");
    private static final Marketplace NL = Marketplace.byCode("nl");
    private static final Marketplace BR = Marketplace.byCode("br");
    private static final Marketplace MX = Marketplace.byCode("mx");
    private static final Marketplace JP = Marketplace.byCode("jp");
    private static final Marketplace IN = Marketplace.byCode("in");
    private static final Marketplace SA = Marketplace.byCode("sa");

    @Test
    void pricesAreReadWithTheMarketplacesDecimalSeparatorAndCurrency() {
        assertThat(US.money("$1,234.56")).isEqualTo(money("1234.56", "USD"));
        assertThat(ES.money("17,04 €")).isEqualTo(money("17.04", "EUR"));
        assertThat(ES.money("17,04\u00a0€")).isEqualTo(money("17.04", "EUR"));
        assertThat(NL.money("€1.599,00")).isEqualTo(money("1599.00", "EUR"));
        assertThat(NL.money("€ 1.599,00")).isEqualTo(money("1599.00", "EUR"));
        assertThat(FR.money("1\u202f599,00\u00a0€")).isEqualTo(money("1599.00", "EUR"));
        assertThat(BR.money("R$303,05")).isEqualTo(money("303.05", "BRL"));
        assertThat(BR.money("R$ 1.303,05")).isEqualTo(money("1303.05", "BRL"));
        assertThat(MX.money("$299.00"))
                .as("a dollar sign on amazon.com.mx is pesos")
                .isEqualTo(money("299.00", "MXN"));
        assertThat(MX.money("US$12.99")).isEqualTo(money("12.99", "USD"));
        assertThat(JP.money("￥1,980")).isEqualTo(money("1980", "JPY"));
        assertThat(IN.money("₹1,29,900.00")).isEqualTo(money("129900.00", "INR"));
        assertThat(SA.money("SAR 45.00")).isEqualTo(money("45.00", "SAR"));
        assertThat(DE.money("12,99 €")).isEqualTo(money("12.99", "EUR"));
        assertThat(DE.money("1.599 €")).isEqualTo(money("1599", "EUR"));
        assertThat(DE.money("$12.99")).as("a foreign price on amazon.de").isEqualTo(money("12.99", "USD"));
        assertThat(US.money("£15.99")).isEqualTo(money("15.99", "GBP"));
        assertThat(US.money("no price")).isNull();
        assertThat(US.money(null)).isNull();
    }

    @Test
    void ratingsAreReadInEveryLanguage() {
        assertThat(US.rating("4.5 out of 5 stars")).isEqualTo(4.5);
        assertThat(ES.rating("4,3 de 5 estrellas")).isEqualTo(4.3);
        assertThat(FR.rating("4,3 sur 5 étoiles")).isEqualTo(4.3);
        assertThat(JP.rating("5つ星のうち4.3")).isEqualTo(4.3);
        assertThat(JP.rating("5つ星のうち5.0")).isEqualTo(5.0);
        assertThat(BR.rating("4,3 de 5 estrelas")).isEqualTo(4.3);
        assertThat(DE.rating("4,6 von 5 Sternen")).isEqualTo(4.6);
        assertThat(NL.rating("4,6 van 5 sterren")).isEqualTo(4.6);
        assertThat(Marketplace.byCode("tr").rating("5 yıldız üzerinden 4,3")).isEqualTo(4.3);
        assertThat(US.rating("5.0 out of 5 stars")).isEqualTo(5.0);
        assertThat(US.rating("no rating")).isNull();
        assertThat(US.rating("9 out of 10")).isNull();
    }

    @Test
    void reviewCountsAreWholeNumbersAndAbbreviationsAreMultipliedOut() {
        assertThat(US.count("12,345 ratings")).isEqualTo(12345);
        assertThat(DE.count("12.345 Sternebewertungen")).isEqualTo(12345);
        assertThat(FR.count("12\u202f345 évaluations")).isEqualTo(12345);
        assertThat(US.count("(12.3K)")).isEqualTo(12300);
        assertThat(ES.count("(7,3 mil)")).isEqualTo(7300);
        assertThat(BR.count("(7,3 mil)")).isEqualTo(7300);
        assertThat(FR.count("(1,2 k)")).isEqualTo(1200);
        assertThat(JP.count("1.2万")).isEqualTo(12000);
        assertThat(DE.count("12.345 Meinungen"))
                .as("an M that starts a word is no million")
                .isEqualTo(12345);
        assertThat(US.count("(230)")).isEqualTo(230);
        assertThat(US.count("none")).isNull();
    }

    @Test
    void marketplacesAreNamedByCodeOrByOrigin() {
        assertThat(Marketplace.parse("us=http://127.0.0.1:9/us, de=http://127.0.0.1:9/de"))
                .extracting(Marketplace::code, Marketplace::origin, Marketplace::currency)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("us", "http://127.0.0.1:9/us", "USD"),
                        org.assertj.core.groups.Tuple.tuple("de", "http://127.0.0.1:9/de", "EUR"));
        assertThat(Marketplace.parse("jp").get(0).origin()).isEqualTo("https://www.amazon.co.jp");
        assertThat(Marketplace.parse("https://www.amazon.co.uk/").get(0).code()).isEqualTo("uk");
        assertThat(Marketplace.parse("https://www.amazon.com.mx").get(0).code()).isEqualTo("mx");
        assertThat(Marketplace.parse("http://127.0.0.1:8080").get(0).code()).isEqualTo("us");
        assertThat(Marketplace.byCode("de").at("http://127.0.0.1:9/de").domain())
                .isEqualTo("amazon.de");
        assertThatThrownBy(() -> Marketplace.parse("us,xx"))
                .hasMessageContaining("no Amazon marketplace 'xx'")
                .hasMessageContaining("us, ca, mx");
        assertThatThrownBy(() -> Marketplace.parse("us,us")).hasMessageContaining("named twice");
    }

    @Test
    void theTotalOfASearchIsTheNumberBesideTheRange() {
        assertThat(Marketplace.total("1-16 of over 1,000 results for")).isEqualTo(new Marketplace.Total(1000, true));
        assertThat(Marketplace.total("1-16 of 243 results for")).isEqualTo(new Marketplace.Total(243, false));
        assertThat(Marketplace.total("1-16 von über 1.000 Ergebnissen oder Vorschlägen für"))
                .isEqualTo(new Marketplace.Total(1000, true));
        assertThat(Marketplace.total("1-16 de más de 2.000 resultados para"))
                .isEqualTo(new Marketplace.Total(2000, true));
        assertThat(Marketplace.total("1-16 sur plus de 1\u202f000 résultats pour"))
                .isEqualTo(new Marketplace.Total(1000, true));
        assertThat(Marketplace.total("1,000以上のうち1-16件の結果")).isEqualTo(new Marketplace.Total(1000, true));
        assertThat(Marketplace.total("243件中1-16件の結果")).isEqualTo(new Marketplace.Total(243, false));
        assertThat(Marketplace.total("1-16 de mais de 1.000 resultados para"))
                .isEqualTo(new Marketplace.Total(1000, true));
        assertThat(Marketplace.total("Results")).isNull();
        assertThat(Marketplace.total(null)).isNull();
    }

    private static Marketplace.Money money(String amount, String currency) {
        return new Marketplace.Money(new BigDecimal(amount), currency);
    }
}
