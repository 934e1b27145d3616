package dev.hal9.bridge;

import dev.hal9.api.FamilyContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The Telegram family's settings ({@code families.telegram.*}), read once where the family or a command starts;
 * their defaults are in the family's {@code hal9/family-defaults.yaml} only.
 *
 * @param apiBase the Bot API's address
 * @param serverUrl the MCP endpoint of the hal9 server the bot's agent uses
 * @param poll how long one long-polling request waits for updates
 * @param ratePerMinute agent turns one chat may start per minute
 * @param openAccess whether anyone may /start the bot without a link code
 * @param subscriptionStars the price of a 30-day subscription in Telegram Stars; 0: none needed
 * @param agentJar the agent's jar the bot's model turns run in, when set (the launcher sets it)
 */
record TelegramSettings(
        String apiBase,
        URI serverUrl,
        Duration poll,
        int ratePerMinute,
        boolean openAccess,
        int subscriptionStars,
        Optional<Path> agentJar) {

    static TelegramSettings from(FamilyContext context) {
        return new TelegramSettings(
                context.requiredSetting("api-base"),
                URI.create(context.requiredSetting("server-url")),
                Duration.ofSeconds(Long.parseLong(context.requiredSetting("poll-seconds"))),
                Integer.parseInt(context.requiredSetting("rate-per-minute")),
                Boolean.parseBoolean(context.requiredSetting("open-access")),
                Integer.parseInt(context.requiredSetting("subscription.stars")),
                context.setting("agent-jar").filter(jar -> !jar.isBlank()).map(Path::of));
    }
}
