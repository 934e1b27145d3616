package dev.hal9.server.guard;

import dev.hal9.api.Guard.Effect;
import dev.hal9.api.Guard.Intent;
import dev.hal9.api.Guard.Payment;
import dev.hal9.api.PaymentView;
import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The operator's rules for moving value, from the {@code guard.*} settings: how long a person has to approve,
 * whether a client's elicitation answer counts, the network and recipient allow-lists, the spenders an unlimited
 * approval may go to, and limits per asset under {@code guard.limits.<network>.<asset>.(per-call|daily|auto-approve)}
 * in the asset's whole units. An asset without a daily limit cannot be spent at all. Immutable and thread-safe; limits
 * are looked up when a payment is priced.
 *
 * @param setting reads one setting by its full key ({@code guard.limits.ton.usdt.daily}); blank when unset
 */
public record Policy(
        Duration approvalTimeout,
        boolean elicitation,
        Duration confirmWait,
        Duration workerInterval,
        Set<String> networks,
        Set<String> recipients,
        Set<String> unlimitedSpenders,
        Function<String, String> setting) {

    /** The policy the settings describe. */
    public static Policy from(Function<String, String> setting) {
        return new Policy(
                Duration.ofSeconds(Long.parseLong(orElse(setting, "guard.approval-timeout-seconds", "600"))),
                orElse(setting, "guard.elicitation", "false").equalsIgnoreCase("true"),
                Duration.ofSeconds(Long.parseLong(orElse(setting, "guard.confirm-wait-seconds", "30"))),
                Duration.ofMillis(Long.parseLong(orElse(setting, "guard.worker-interval-ms", "1000"))),
                list(setting.apply("guard.networks")),
                list(setting.apply("guard.recipients")),
                list(setting.apply("guard.unlimited-approvals")),
                setting);
    }

    private static String orElse(Function<String, String> setting, String key, String fallback) {
        String value = setting.apply(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static Set<String> list(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .map(v -> v.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** One asset's limits, in its smallest unit; {@code autoApprove} is -1 when every payment asks a person. */
    record Limits(String key, BigInteger perCall, BigInteger daily, BigInteger autoApprove) {}

    /**
     * What an intent reserves per asset key ({@code network:ASSET}), each asset's daily limit, and whether policy
     * approves it without a person.
     */
    record Priced(SortedMap<String, BigInteger> amounts, Map<String, BigInteger> daily, boolean autoApprove) {}

    /**
     * Prices an intent by its effects and checks every rule: the networks and recipients allowed, unlimited
     * approvals, and each asset's per-call limit. The daily limits are checked when the amounts are reserved.
     *
     * @throws ToolException naming the rule that refuses it and what to do
     */
    Priced price(Intent intent) {
        String network = intent.network().toLowerCase(Locale.ROOT);
        if (!networks.isEmpty() && !networks.contains(network)) {
            throw new ToolException("policy refuses it: value may not move on " + intent.network() + "; the operator "
                    + "allows " + String.join(", ", networks) + " (guard.networks)");
        }
        if (!recipients.isEmpty()) {
            for (String to : counterparties(intent)) {
                if (!recipients.contains(to.toLowerCase(Locale.ROOT))) {
                    throw new ToolException("policy refuses it: " + to + " is not on the operator's list of allowed "
                            + "recipients (guard.recipients); ask the operator to add it");
                }
            }
        }
        boolean auto = intent.determined();
        SortedMap<String, BigInteger> amounts = new TreeMap<>();
        Map<String, Integer> decimals = new HashMap<>();
        Map<String, String> symbols = new HashMap<>();
        for (Effect effect : intent.effects()) {
            String key = assetKey(intent.network(), effect.asset());
            if (effect.unlimited()) {
                String spender =
                        network + ":" + String.valueOf(effect.counterparty()).toLowerCase(Locale.ROOT);
                if (!unlimitedSpenders.contains(spender)) {
                    throw new ToolException("policy refuses it: it would let " + effect.counterparty() + " take all of "
                            + "your " + effect.asset() + " (an unlimited approval). Approve the exact amount needed "
                            + "instead, or ask the operator to allow this spender in guard.unlimited-approvals ("
                            + spender + ")");
                }
                auto = false; // allowed for this spender, but a person always looks at it
                amounts.putIfAbsent(key, BigInteger.ZERO);
            } else {
                amounts.merge(key, effect.amount(), BigInteger::add);
            }
            Integer known = decimals.putIfAbsent(key, effect.decimals());
            if (known != null && known != effect.decimals()) {
                throw new IllegalStateException(
                        "two effects on " + key + " disagree on its decimals: " + known + " and " + effect.decimals());
            }
            symbols.putIfAbsent(key, effect.asset());
        }
        Map<String, BigInteger> daily = new HashMap<>();
        for (Map.Entry<String, BigInteger> entry : amounts.entrySet()) {
            String asset = symbols.get(entry.getKey());
            int places = decimals.get(entry.getKey());
            Limits limits = limits(intent.network(), asset, places, intent);
            if (entry.getValue().compareTo(limits.perCall()) > 0) {
                throw new ToolException("policy refuses it: " + whole(entry.getValue(), places) + " " + asset
                        + " is over the per-call limit of " + whole(limits.perCall(), places) + " " + asset + " on "
                        + intent.network() + " (it moves " + moves(intent, asset) + "); send less, or ask the "
                        + "operator to raise " + limits.key() + ".per-call");
            }
            if (entry.getValue().compareTo(limits.autoApprove()) > 0) {
                auto = false;
            }
            daily.put(entry.getKey(), limits.daily());
        }
        return new Priced(amounts, daily, auto);
    }

    private static List<String> counterparties(Intent intent) {
        List<String> all = new java.util.ArrayList<>(List.of(intent.recipient()));
        intent.effects().stream()
                .filter(e -> e.kind() != Effect.Kind.FEE && e.counterparty() != null)
                .forEach(e -> all.add(e.counterparty()));
        return all.stream().distinct().toList();
    }

    private static String moves(Intent intent, String asset) {
        return intent.effects().stream()
                .filter(e -> e.asset().equals(asset))
                .map(PaymentView::describe)
                .collect(Collectors.joining(", "));
    }

    /** What a recorded payment holds reserved per asset key (allowed unlimited approvals reserve nothing). */
    static SortedMap<String, BigInteger> reservations(Payment payment) {
        SortedMap<String, BigInteger> amounts = new TreeMap<>();
        for (Effect effect : payment.effects()) {
            amounts.merge(
                    assetKey(payment.network(), effect.asset()),
                    effect.unlimited() ? BigInteger.ZERO : effect.amount(),
                    BigInteger::add);
        }
        return amounts;
    }

    Limits limits(String network, String asset, int decimals, Intent intent) {
        String key = "guard.limits." + network.toLowerCase(Locale.ROOT) + "." + asset.toLowerCase(Locale.ROOT);
        String daily = value(key + ".daily");
        if (daily.isBlank()) {
            boolean feeOnly = intent.effects().stream()
                    .filter(e -> e.asset().equals(asset))
                    .allMatch(e -> e.kind() == Effect.Kind.FEE);
            throw new ToolException("policy refuses it: the operator has set no daily limit for " + asset + " on "
                    + network + (feeOnly ? " (the payment's network fee is paid in " + asset + ")" : "")
                    + ", so it cannot be spent; ask them to set " + key + ".daily (and .per-call, .auto-approve) in "
                    + "hal9.yaml");
        }
        BigInteger dailyLimit = units(key + ".daily", daily, decimals);
        String perCall = value(key + ".per-call");
        String auto = value(key + ".auto-approve");
        return new Limits(
                key,
                perCall.isBlank() ? dailyLimit : units(key + ".per-call", perCall, decimals),
                dailyLimit,
                auto.isBlank() ? BigInteger.valueOf(-1) : units(key + ".auto-approve", auto, decimals));
    }

    /** An asset's limits, or empty when the operator set no daily limit for it. */
    java.util.Optional<Limits> limitsIfSet(String network, String asset, int decimals) {
        String key = "guard.limits." + network.toLowerCase(Locale.ROOT) + "." + asset.toLowerCase(Locale.ROOT);
        return value(key + ".daily").isBlank()
                ? java.util.Optional.empty()
                : java.util.Optional.of(limits(network, asset, decimals, null));
    }

    private String value(String key) {
        String value = setting.apply(key);
        return value == null ? "" : value.trim();
    }

    private static BigInteger units(String key, String value, int decimals) {
        try {
            return new BigDecimal(value.trim())
                    .movePointRight(decimals)
                    .setScale(0, RoundingMode.DOWN)
                    .toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalStateException("setting " + key + " must be a decimal amount, not '" + value + "'");
        }
    }

    static String whole(BigInteger amount, int decimals) {
        return new BigDecimal(amount)
                .movePointLeft(decimals)
                .stripTrailingZeros()
                .toPlainString();
    }

    static String assetKey(String network, String asset) {
        return network.toLowerCase(Locale.ROOT) + ":" + asset.toUpperCase(Locale.ROOT);
    }
}
