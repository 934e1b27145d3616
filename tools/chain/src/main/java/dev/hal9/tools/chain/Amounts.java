package dev.hal9.tools.chain;

import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;

/** Decimal amounts as people write them, to and from an asset's smallest unit, with errors that say what to fix. */
final class Amounts {

    static final BigInteger UINT256_MAX = BigInteger.TWO.pow(256).subtract(BigInteger.ONE);

    private Amounts() {}

    /**
     * Parses a decimal amount ("1.5") into the smallest unit of an asset with the given decimals.
     *
     * @throws ToolException if it is not a plain positive decimal, has more decimals than the asset, or overflows
     */
    static BigInteger parse(String text, int decimals, String symbol, BigInteger max) {
        String amount = text == null ? "" : text.trim();
        if (!amount.matches("[0-9]+(\\.[0-9]+)?") || amount.length() > 100) {
            throw ToolException.badArgument(
                    "amount", "must be a plain decimal number such as 1.5 or 0.001, not '" + text + "'");
        }
        BigDecimal value = new BigDecimal(amount);
        if (value.signum() == 0) {
            throw ToolException.badArgument("amount", "must be more than zero");
        }
        if (value.stripTrailingZeros().scale() > decimals) {
            throw ToolException.badArgument(
                    "amount",
                    "has " + value.stripTrailingZeros().scale() + " decimals but " + symbol + " has only " + decimals
                            + "; round it to at most " + decimals);
        }
        BigInteger units = value.movePointRight(decimals).toBigIntegerExact();
        if (units.compareTo(max) > 0) {
            throw ToolException.badArgument("amount", "is larger than any " + symbol + " amount can be");
        }
        return units;
    }

    /** The smallest units as a plain decimal in whole units ("1.5"). */
    static String format(BigInteger units, int decimals) {
        return new BigDecimal(units)
                .movePointLeft(decimals)
                .stripTrailingZeros()
                .toPlainString();
    }
}
