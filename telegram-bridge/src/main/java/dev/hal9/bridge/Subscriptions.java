package dev.hal9.bridge;

import dev.hal9.api.FamilyState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Paid access in Telegram Stars (XTR): a subscription invoice link, the pre-checkout check (answered at once, well
 * inside Telegram's 10 s), access granted only on {@code successful_payment}, and refunds by the operator. Off
 * when the price is 0. Kept per principal in the store.
 */
public final class Subscriptions {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Telegram's only subscription period: 30 days. */
    static final int PERIOD_SECONDS = 2_592_000;

    /** What is stored: until when, and what a refund needs. */
    public record Subscription(String until, String chargeId, long userId) {}

    private final FamilyState state;
    private final int stars;

    /** @param stars the price of 30 days in Stars; 0 means no subscription is needed */
    public Subscriptions(FamilyState state, int stars) {
        this.state = state;
        this.stars = stars;
    }

    public boolean required() {
        return stars > 0;
    }

    public Optional<Subscription> of(String principal) {
        return state.get(principal, "subscription").map(json -> JSON.readValue(json, Subscription.class));
    }

    /** Whether the principal may use the agent now. */
    public boolean active(String principal) {
        return !required()
                || of(principal)
                        .map(s -> Instant.parse(s.until()).isAfter(Instant.now()))
                        .orElse(false);
    }

    /** A 30-day subscription invoice link for a principal. */
    public String invoiceLink(BotApi api, String principal) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("title", "hal9, 30 days");
        parameters.put("description", "Your hal9 agent for 30 days: browsing, shopping, wallets and contracts.");
        parameters.put("payload", "sub:" + principal + ":" + UUID.randomUUID());
        parameters.put("currency", "XTR");
        parameters.put("prices", List.of(Map.of("label", "30 days", "amount", stars)));
        parameters.put("subscription_period", PERIOD_SECONDS);
        return api.call("createInvoiceLink", parameters, Duration.ZERO).asString();
    }

    /**
     * Checks a pre-checkout query against the principal its chat belongs to; returns null to accept, else the
     * reason shown to the user.
     */
    public String check(JsonNode query, Optional<String> principal) {
        if (principal.isEmpty()) {
            return "This Telegram account is not linked to hal9; send /start CODE first.";
        }
        String payload = query.path("invoice_payload").asString("");
        if (!payload.startsWith("sub:" + principal.get() + ":")) {
            return "This invoice is not for your account; use /subscribe for a fresh one.";
        }
        if (!"XTR".equals(query.path("currency").asString())
                || query.path("total_amount").asInt() != stars) {
            return "The price has changed; use /subscribe for a fresh invoice.";
        }
        return null;
    }

    /** Records a successful payment; returns until when access runs. */
    public Instant paid(String principal, JsonNode payment, long userId) {
        long expires = payment.path("subscription_expiration_date").asLong(0);
        Instant until = expires > 0
                ? Instant.ofEpochSecond(expires)
                : of(principal)
                        .map(s -> Instant.parse(s.until()))
                        .filter(u -> u.isAfter(Instant.now()))
                        .orElse(Instant.now())
                        .plusSeconds(PERIOD_SECONDS);
        state.put(
                principal,
                "subscription",
                JSON.writeValueAsString(new Subscription(
                        until.toString(),
                        payment.path("telegram_payment_charge_id").asString(),
                        userId)));
        return until;
    }

    /** Refunds the principal's last payment and ends the subscription; returns the refunded charge id. */
    public String refund(BotApi api, String principal) {
        Subscription subscription = of(principal)
                .orElseThrow(() -> new IllegalArgumentException(principal + " has no subscription to refund"));
        api.call(
                "refundStarPayment",
                Map.of("user_id", subscription.userId(), "telegram_payment_charge_id", subscription.chargeId()),
                Duration.ZERO);
        state.put(
                principal,
                "subscription",
                JSON.writeValueAsString(
                        new Subscription(Instant.now().toString(), subscription.chargeId(), subscription.userId())));
        return subscription.chargeId();
    }
}
