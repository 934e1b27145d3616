package dev.hal9.tools.commerce;

import dev.hal9.api.FamilyContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * The commerce family's settings ({@code families.commerce.*}), read once when the family starts. Their defaults are
 * in the family's {@code hal9/family-defaults.yaml} and nowhere else: the runtime, and the test kit, answer with them
 * for a key nobody set.
 *
 * @param marketplaces {@code amazon.marketplaces}, or {@code amazon.base-url} when that is empty
 * @param storeTimeout how long one store page may take
 * @param usdtPerUsd USDT per US dollar of a USD total
 * @param quoteLife how long a quote can be paid
 * @param token the jetton payments are made in
 * @param payTo where payments go, when set; else the merchant's TON wallet
 * @param merchant the principal whose TON wallet takes payments and pays refunds
 */
record CommerceSettings(
        String marketplaces,
        Duration storeTimeout,
        BigDecimal usdtPerUsd,
        Duration quoteLife,
        String token,
        Optional<String> payTo,
        String merchant) {

    static CommerceSettings from(FamilyContext context) {
        String marketplaces = context.setting("amazon.marketplaces")
                .filter(value -> !value.isBlank())
                .orElseGet(() -> context.requiredSetting("amazon.base-url"));
        return new CommerceSettings(
                marketplaces,
                Duration.ofSeconds(Long.parseLong(context.requiredSetting("timeout-seconds"))),
                new BigDecimal(context.requiredSetting("usdt-per-usd")),
                Duration.ofSeconds(Long.parseLong(context.requiredSetting("quote-seconds"))),
                context.requiredSetting("token"),
                context.setting("pay-to").map(String::strip).filter(value -> !value.isEmpty()),
                context.requiredSetting("merchant"));
    }
}
