package dev.hal9.bridge;

import dev.hal9.api.FamilyState;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.UUID;
import org.telegram.telegrambots.meta.api.methods.invoices.CreateInvoiceLink;
import org.telegram.telegrambots.meta.api.methods.payments.RefundStarPayment;
import org.telegram.telegrambots.meta.api.objects.payments.LabeledPrice;
import org.telegram.telegrambots.meta.api.objects.payments.PreCheckoutQuery;
import org.telegram.telegrambots.meta.api.objects.payments.SuccessfulPayment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Paid access in Telegram Stars (XTR): a subscription invoice link, the pre-checkout check (answered at once, well
 * inside Telegram's 10 s), access granted only on {@code successful_payment}, and refunds by the operator. Off
 * when the price is 0. Kept per principal in the store; the time comes from the clock it is given. Thread-safe.
 */
public final class Subscriptions {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Telegram's only subscription period: 30 days. */
    static final int PERIOD_SECONDS = 2_592_000;

    /** What is stored: until when, and what a refund needs. */
    public record Subscription(String until, String chargeId, long userId) {}

    private final FamilyState state;
    private final int stars;
    private final InstantSource clock;

    /**
     * @param stars the price of 30 days in Stars; 0 means no subscription is needed
     * @param clock what "now" is for a subscription's end (the server's clock; one a test moves)
     */
    public Subscriptions(FamilyState state, int stars, InstantSource clock) {
        this.state = state;
        this.stars = stars;
        this.clock = clock;
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
                        .map(s -> Instant.parse(s.until()).isAfter(clock.instant()))
                        .orElse(false);
    }

    /** A 30-day subscription invoice link for a principal. */
    public String invoiceLink(BotApi api, String principal) {
        return api.execute(CreateInvoiceLink.builder()
                .title("hal9, 30 days")
                .description("Your hal9 agent for 30 days: browsing, shopping, wallets and contracts.")
                .payload("sub:" + principal + ":" + UUID.randomUUID())
                .currency("XTR")
                .price(new LabeledPrice("30 days", stars))
                .subscriptionPeriod(PERIOD_SECONDS)
                .build());
    }

    /**
     * Checks a pre-checkout query against the principal its chat belongs to; returns null to accept, else the
     * reason shown to the user.
     */
    public String check(PreCheckoutQuery query, Optional<String> principal) {
        if (principal.isEmpty()) {
            return "This Telegram account is not linked to hal9; send /start CODE first.";
        }
        String payload = query.getInvoicePayload() == null ? "" : query.getInvoicePayload();
        if (!payload.startsWith("sub:" + principal.get() + ":")) {
            return "This invoice is not for your account; use /subscribe for a fresh one.";
        }
        if (!"XTR".equals(query.getCurrency()) || query.getTotalAmount() == null || query.getTotalAmount() != stars) {
            return "The price has changed; use /subscribe for a fresh invoice.";
        }
        return null;
    }

    /** Records a successful payment; returns until when access runs. */
    public Instant paid(String principal, SuccessfulPayment payment, long userId) {
        Integer expires = payment.getSubscriptionExpirationDate();
        Instant now = clock.instant();
        Instant until = expires != null && expires > 0
                ? Instant.ofEpochSecond(expires)
                : of(principal)
                        .map(s -> Instant.parse(s.until()))
                        .filter(u -> u.isAfter(now))
                        .orElse(now)
                        .plusSeconds(PERIOD_SECONDS);
        state.put(
                principal,
                "subscription",
                JSON.writeValueAsString(
                        new Subscription(until.toString(), payment.getTelegramPaymentChargeId(), userId)));
        return until;
    }

    /** Refunds the principal's last payment and ends the subscription; returns the refunded charge id. */
    public String refund(BotApi api, String principal) {
        Subscription subscription = of(principal)
                .orElseThrow(() -> new IllegalArgumentException(principal + " has no subscription to refund"));
        api.execute(RefundStarPayment.builder()
                .userId(subscription.userId())
                .telegramPaymentChargeId(subscription.chargeId())
                .build());
        state.put(
                principal,
                "subscription",
                JSON.writeValueAsString(
                        new Subscription(clock.instant().toString(), subscription.chargeId(), subscription.userId())));
        return subscription.chargeId();
    }
}
