package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalculatorTest {

    private static final Map<String, BigDecimal> PRICES =
            Map.of("eth_usd", new BigDecimal("3120.55"), "ton_usd", new BigDecimal("5.2"));

    private static Calculator.Result eval(String expression) {
        return Calculator.evaluate(expression, PRICES);
    }

    private static String value(String expression) {
        return Calculator.plain(eval(expression).value());
    }

    @Test
    void decimalsAreExactWhereFloatingPointIsNot() {
        assertThat(value("0.1 + 0.2")).isEqualTo("0.3");
        assertThat(value("1.1 * 1.1")).isEqualTo("1.21");
        assertThat(value("(10 - 3) / 4")).isEqualTo("1.75");
        assertThat(value("2 ^ 256"))
                .isEqualTo(new java.math.BigInteger("2").pow(256).toString());
        assertThat(value("-3 + 5 * 2")).isEqualTo("7");
        assertThat(value("17 % 5")).isEqualTo("2");
        assertThat(value("1_000_000 * 3")).isEqualTo("3000000");
        assertThat(value("1.5e3 + 2E-2")).isEqualTo("1500.02");
        assertThat(eval("1 / 4").exact()).isTrue();
    }

    @Test
    void aDivisionThatDoesNotEndIsRoundedAndSaysSo() {
        Calculator.Result third = eval("1 / 3");
        assertThat(third.exact()).isFalse();
        assertThat(Calculator.plain(third.value())).isEqualTo("0." + "3".repeat(40));
    }

    @Test
    void unitsConvertExactly() {
        Calculator.Result fee = eval("21000 * 30 gwei to ether");
        assertThat(Calculator.plain(fee.value())).isEqualTo("0.00063");
        assertThat(fee.unit()).isEqualTo("ether");
        assertThat(fee.inOtherUnits()).containsEntry("wei", "630000000000000").containsEntry("gwei", "630000");

        Calculator.Result sum = eval("1.5 ether + 300000 gwei");
        assertThat(sum.unit()).isEqualTo("ether"); // the first unit written
        assertThat(Calculator.plain(sum.value())).isEqualTo("1.5003");

        assertThat(value("2 TON + 500000000 nanoton to TON")).isEqualTo("2.5");
        assertThat(value("1 ether / 1 gwei")).isEqualTo("1000000000");
        assertThat(eval("1 ether / 1 gwei").unit()).isNull();
    }

    @Test
    void tokenUnitsAndPrices() {
        assertThat(value("units(1234500, 6)")).isEqualTo("1.2345");
        assertThat(value("raw(1.5, 18)")).isEqualTo("1500000000000000000");
        assertThat(value("units(1234500, 6) * eth_usd")).isEqualTo("3852.318975");
        assertThat(value("2 * ton_usd")).isEqualTo("10.4");
    }

    @Test
    void badExpressionsSayWhatAndWhere() {
        assertError("1 ether + 1 TON", "cannot add an amount of TON to an amount of ether");
        assertError("1 ether * 2 ether", "two amounts cannot be multiplied");
        assertError("5 / 0", "division by zero");
        assertError("2 +", "the expression ends too early");
        assertError("(1 + 2", "')' expected");
        assertError("3 apples", "unexpected 'a'");
        assertError("foo + 1", "'foo' is not a number, unit, function (units, raw) or configured price");
        assertError("1 ether to ton", "cannot be given in ton");
        assertError("2 ^ 1.5", "an exponent must be a whole number");
        assertError("10 ^ 10 ^ 10", "an exponent must be a whole number from 0 to 1000");
        assertError("units(1, 99)", "decimals must be a whole number from 0 to 77");
        assertError("", "is empty");
        assertError("1 to parsec", "'parsec' is not a unit");
        assertThatThrownBy(() -> eval("1.2.3"))
                .isInstanceOf(ToolException.class)
                .hasMessageContaining("1.2.3");
    }

    @Test
    void pricesMustBeNamesAndNumbers() {
        assertThat(AnalysisSettings.prices("ETH_usd=3000, ton_usd = 5"))
                .containsEntry("eth_usd", new BigDecimal("3000"));
        assertThatThrownBy(() -> AnalysisSettings.prices("eth_usd:3000"))
                .hasMessageContaining("name=price pairs such as eth_usd=3120.55, not 'eth_usd:3000'");
        assertThatThrownBy(() -> AnalysisSettings.prices("eth_usd=lots"))
                .hasMessageContaining("'lots' is not a decimal");
    }

    private static void assertError(String expression, String message) {
        assertThatThrownBy(() -> eval(expression))
                .as(expression)
                .isInstanceOf(ToolException.class)
                .hasMessageContaining(message);
    }
}
