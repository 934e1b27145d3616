package dev.hal9.tools.analysis;

import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Exact decimal arithmetic for money and on-chain amounts: {@code + - * / % ^}, parentheses, amounts with a unit
 * ({@code 1.5 ether}, {@code 30 gwei}, {@code 2 TON}, {@code 5e9 nanoton}), {@code units(raw, decimals)} and
 * {@code raw(amount, decimals)} for token units, prices the operator configured ({@code eth_usd}), and a final
 * {@code to <unit>} (or {@code in <unit>}). Every number is a {@link BigDecimal}; a division that does not end is
 * rounded to 40 significant digits and says so. Amounts of one asset are kept in its smallest unit, so adding
 * ether to gwei is exact and adding ether to TON is an error. The parser is a recursive descent over this grammar
 * and nothing else: no names, calls or code beyond it. One instance per expression.
 */
final class Calculator {

    /** The asset an amount is in, by its smallest unit. */
    enum Asset {
        NONE,
        EVM,
        TON
    }

    record Unit(String name, Asset asset, int exponent) {}

    private static final Map<String, Unit> UNITS = new LinkedHashMap<>();

    static {
        for (Unit unit : List.of(
                new Unit("wei", Asset.EVM, 0),
                new Unit("kwei", Asset.EVM, 3),
                new Unit("mwei", Asset.EVM, 6),
                new Unit("gwei", Asset.EVM, 9),
                new Unit("szabo", Asset.EVM, 12),
                new Unit("finney", Asset.EVM, 15),
                new Unit("ether", Asset.EVM, 18),
                new Unit("eth", Asset.EVM, 18),
                new Unit("nanoton", Asset.TON, 0),
                new Unit("ton", Asset.TON, 9))) {
            UNITS.put(unit.name(), unit);
        }
    }

    static final MathContext PRECISION = new MathContext(40, RoundingMode.HALF_EVEN);
    private static final int MAX_LENGTH = 1_000;
    private static final int MAX_EXPONENT = 1_000;
    private static final int MAX_DIGITS = 400;

    /** A value in its asset's smallest unit. */
    record Amount(BigDecimal value, Asset asset) {}

    /** The result: its value in the unit asked for (or the first unit written), and whether it is exact. */
    record Result(BigDecimal value, String unit, boolean exact, Map<String, String> inOtherUnits) {}

    private final String text;
    private final Map<String, BigDecimal> prices;
    private int at;
    private boolean exact = true;
    private Unit firstUnit;

    private Calculator(String text, Map<String, BigDecimal> prices) {
        this.text = text;
        this.prices = prices;
    }

    static Result evaluate(String expression, Map<String, BigDecimal> prices) {
        if (expression == null || expression.isBlank()) {
            throw ToolException.badArgument("expression", "is empty; write e.g. \"1.5 ether + 300000 gwei to gwei\"");
        }
        if (expression.length() > MAX_LENGTH) {
            throw ToolException.badArgument("expression", "is longer than " + MAX_LENGTH + " characters");
        }
        return new Calculator(expression, prices).run();
    }

    private Result run() {
        Amount amount = expression();
        skipSpaces();
        Unit target = null;
        if (word("to") || word("in")) {
            skipSpaces();
            String name = identifier();
            target = UNITS.get(name.toLowerCase(Locale.ROOT));
            if (target == null) {
                throw error("'" + name + "' is not a unit; the units are " + String.join(", ", UNITS.keySet()));
            }
            if (target.asset() != amount.asset()) {
                throw error(
                        "the result is " + describe(amount.asset()) + ", so it cannot be given in " + target.name());
            }
        }
        skipSpaces();
        if (at < text.length()) {
            throw error("unexpected '" + text.charAt(at) + "'");
        }
        Unit shown = target != null ? target : amount.asset() == Asset.NONE ? null : firstUnit;
        Map<String, String> others = new LinkedHashMap<>();
        if (amount.asset() != Asset.NONE) {
            for (Unit unit : UNITS.values()) {
                if (unit.asset() == amount.asset() && !unit.name().equals("eth")) {
                    others.put(unit.name(), plain(amount.value().movePointLeft(unit.exponent())));
                }
            }
        }
        BigDecimal value = shown == null ? amount.value() : amount.value().movePointLeft(shown.exponent());
        return new Result(value.stripTrailingZeros(), shown == null ? null : shown.name(), exact, others);
    }

    static String plain(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    }

    // expression := term (('+' | '-') term)*
    private Amount expression() {
        Amount left = term();
        while (true) {
            skipSpaces();
            if (take('+')) {
                left = add(left, term(), false);
            } else if (take('-')) {
                left = add(left, term(), true);
            } else {
                return left;
            }
        }
    }

    // term := unary (('*' | '/' | '%') unary)*
    private Amount term() {
        Amount left = unary();
        while (true) {
            skipSpaces();
            if (take('*')) {
                Amount right = unary();
                if (left.asset() != Asset.NONE && right.asset() != Asset.NONE) {
                    throw error("two amounts cannot be multiplied (" + describe(left.asset()) + " times "
                            + describe(right.asset()) + ")");
                }
                Asset asset = left.asset() == Asset.NONE ? right.asset() : left.asset();
                left = new Amount(check(left.value().multiply(right.value())), asset);
            } else if (take('/')) {
                Amount right = unary();
                if (right.value().signum() == 0) {
                    throw error("division by zero");
                }
                Asset asset;
                if (right.asset() == Asset.NONE) {
                    asset = left.asset();
                } else if (right.asset() == left.asset()) {
                    asset = Asset.NONE;
                } else {
                    throw error("a number cannot be divided by an amount of " + describe(right.asset()));
                }
                left = new Amount(divide(left.value(), right.value()), asset);
            } else if (take('%')) {
                Amount right = unary();
                if (right.value().signum() == 0) {
                    throw error("remainder of a division by zero");
                }
                if (right.asset() != Asset.NONE && right.asset() != left.asset()) {
                    throw error("a remainder needs both sides in the same asset");
                }
                left = new Amount(left.value().remainder(right.value()), left.asset());
            } else {
                return left;
            }
        }
    }

    // unary := '-' unary | '+' unary | power
    private Amount unary() {
        skipSpaces();
        if (take('-')) {
            Amount inner = unary();
            return new Amount(inner.value().negate(), inner.asset());
        }
        if (take('+')) {
            return unary();
        }
        return power();
    }

    // power := primary ('^' unary)?, a whole exponent
    private Amount power() {
        Amount base = primary();
        skipSpaces();
        if (take('^')) {
            Amount exponent = unary();
            if (exponent.asset() != Asset.NONE || base.asset() != Asset.NONE) {
                throw error("only plain numbers can be raised to a power");
            }
            BigDecimal e = exponent.value();
            if (e.signum() < 0
                    || e.stripTrailingZeros().scale() > 0
                    || e.compareTo(BigDecimal.valueOf(MAX_EXPONENT)) > 0) {
                throw error("an exponent must be a whole number from 0 to " + MAX_EXPONENT);
            }
            return new Amount(check(base.value().pow(e.intValue())), Asset.NONE);
        }
        return base;
    }

    // primary := number [unit] | '(' expression ')' [unit] | function '(' expression ',' expression ')' | price
    private Amount primary() {
        skipSpaces();
        Amount value;
        if (take('(')) {
            value = expression();
            expect(')');
        } else if (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
            value = new Amount(number(), Asset.NONE);
        } else if (at < text.length() && Character.isLetter(text.charAt(at))) {
            int start = at;
            String name = identifier().toLowerCase(Locale.ROOT);
            if (name.equals("units") || name.equals("raw")) {
                expect('(');
                Amount amount = expression();
                expect(',');
                Amount decimals = expression();
                expect(')');
                int places = places(decimals);
                if (amount.asset() != Asset.NONE) {
                    throw error(name + "() takes a plain number, not an amount of " + describe(amount.asset()));
                }
                return new Amount(
                        name.equals("units")
                                ? amount.value().movePointLeft(places)
                                : amount.value().movePointRight(places),
                        Asset.NONE);
            }
            BigDecimal price = prices.get(name);
            if (price == null) {
                at = start;
                throw error("'" + name + "' is not a number, unit, function (units, raw) or configured price"
                        + (prices.isEmpty() ? "" : " (" + String.join(", ", prices.keySet()) + ")"));
            }
            return new Amount(price, Asset.NONE);
        } else {
            throw error(at < text.length() ? "unexpected '" + text.charAt(at) + "'" : "the expression ends too early");
        }
        return withUnit(value);
    }

    private Amount withUnit(Amount value) {
        skipSpaces();
        int start = at;
        if (at < text.length() && Character.isLetter(text.charAt(at))) {
            String name = identifier().toLowerCase(Locale.ROOT);
            Unit unit = UNITS.get(name);
            if (unit == null || name.equals("to") || name.equals("in")) {
                at = start;
                return value;
            }
            if (value.asset() != Asset.NONE) {
                throw error("'" + name + "' follows an amount that already has a unit");
            }
            if (firstUnit == null) {
                firstUnit = unit;
            }
            return new Amount(value.value().movePointRight(unit.exponent()), unit.asset());
        }
        return value;
    }

    private int places(Amount decimals) {
        BigDecimal d = decimals.value();
        if (decimals.asset() != Asset.NONE
                || d.signum() < 0
                || d.stripTrailingZeros().scale() > 0
                || d.compareTo(BigDecimal.valueOf(77)) > 0) {
            throw error("decimals must be a whole number from 0 to 77");
        }
        return d.intValue();
    }

    private Amount add(Amount left, Amount right, boolean subtract) {
        if (left.asset() != right.asset()) {
            throw error("cannot " + (subtract ? "subtract " : "add ") + describe(right.asset())
                    + (subtract ? " from " : " to ") + describe(left.asset()));
        }
        return new Amount(
                subtract ? left.value().subtract(right.value()) : left.value().add(right.value()), left.asset());
    }

    private BigDecimal divide(BigDecimal a, BigDecimal b) {
        try {
            return a.divide(b);
        } catch (ArithmeticException e) {
            exact = false;
            return a.divide(b, PRECISION);
        }
    }

    private BigDecimal check(BigDecimal value) {
        if (value.precision() - value.scale() > MAX_DIGITS) {
            throw error("the result would have more than " + MAX_DIGITS + " digits");
        }
        return value;
    }

    private BigDecimal number() {
        int start = at;
        while (at < text.length()
                && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.' || text.charAt(at) == '_')) {
            at++;
        }
        if (at < text.length()
                && (text.charAt(at) == 'e' || text.charAt(at) == 'E')
                && at + 1 < text.length()
                && (Character.isDigit(text.charAt(at + 1))
                        || (text.charAt(at + 1) == '-' || text.charAt(at + 1) == '+')
                                && at + 2 < text.length()
                                && Character.isDigit(text.charAt(at + 2)))) {
            at += 2;
            while (at < text.length() && Character.isDigit(text.charAt(at))) {
                at++;
            }
        }
        String literal = text.substring(start, at).replace("_", "");
        try {
            BigDecimal value = new BigDecimal(literal);
            if (Math.abs(value.scale()) > MAX_DIGITS) {
                throw error("'" + literal + "' is too large or too small");
            }
            return value;
        } catch (NumberFormatException e) {
            at = start;
            throw error("'" + literal + "' is not a number");
        }
    }

    private String identifier() {
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
            at++;
        }
        if (start == at) {
            throw error("a unit's name belongs here");
        }
        return text.substring(start, at);
    }

    private boolean word(String word) {
        int end = at + word.length();
        if (end <= text.length()
                && text.substring(at, end).equalsIgnoreCase(word)
                && (end == text.length() || Character.isWhitespace(text.charAt(end)))) {
            at = end;
            return true;
        }
        return false;
    }

    private void skipSpaces() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private boolean take(char c) {
        skipSpaces();
        if (at < text.length() && text.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!take(c)) {
            throw error("'" + c + "' expected");
        }
    }

    private ToolException error(String what) {
        return ToolException.badArgument("expression", what + " at character " + (at + 1) + " of \"" + text + "\"");
    }

    private static String describe(Asset asset) {
        return switch (asset) {
            case NONE -> "a plain number";
            case EVM -> "an amount of ether";
            case TON -> "an amount of TON";
        };
    }
}
