package dev.hal9.bridge;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The bot side of the bridge ('hal9 bridge'): long-polls Telegram for updates and answers the commands that need
 * no model: {@code /start CODE} links the chat to a principal, {@code /help}, {@code /status}. A malformed
 * update or a failed reply is logged and skipped; the loop goes on. Not thread-safe: one loop per bot.
 */
public final class TelegramBot implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TelegramBot.class);

    static final String HELP = "I am hal9's bot. Commands:\n"
            + "/start CODE: link this chat to your hal9 account (the operator gives you the code)\n"
            + "/status: which account this chat is linked to\n"
            + "/help: this text\n"
            + "Once linked, hal9's tools can message you here (telegram_send).";

    private final BotApi api;
    private final Links links;
    private final int pollSeconds;
    private volatile boolean running = true;
    private long offset;

    public TelegramBot(BotApi api, Links links, int pollSeconds) {
        this.api = api;
        this.links = links;
        this.pollSeconds = pollSeconds;
    }

    /** Polls and answers until {@link #close}. */
    public void run() {
        try {
            api.call("deleteWebhook", java.util.Map.of("drop_pending_updates", false), Duration.ZERO);
        } catch (BotApi.TelegramException e) {
            LOG.warn("deleteWebhook: {}", e.getMessage());
        }
        long backoff = 1000;
        while (running) {
            List<JsonNode> updates;
            try {
                updates = api.getUpdates(offset, pollSeconds);
                backoff = 1000;
            } catch (BotApi.TelegramException e) {
                if (!running) {
                    return;
                }
                LOG.warn("getUpdates failed, retrying in {} ms: {}", backoff, e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
                continue;
            }
            for (JsonNode update : updates) {
                offset = Math.max(offset, update.path("update_id").asLong(offset - 1) + 1);
                try {
                    handle(update);
                } catch (RuntimeException e) {
                    LOG.warn("update {} skipped: {}", update.path("update_id").asLong(-1), e.getMessage());
                }
            }
        }
    }

    void handle(JsonNode update) {
        JsonNode message = update.path("message");
        if (!message.isObject() || !message.path("chat").path("id").canConvertToLong()) {
            return; // not a message we answer (edited messages, channel posts, malformed updates)
        }
        long chat = message.path("chat").path("id").asLong();
        String text = message.path("text").asString("").strip();
        if (text.isEmpty()) {
            return;
        }
        String command = text.split("\\s+", 2)[0].replaceFirst("@.*$", "").toLowerCase(java.util.Locale.ROOT);
        String argument =
                text.contains(" ") ? text.substring(text.indexOf(' ') + 1).strip() : "";
        String reply =
                switch (command) {
                    case "/start" -> start(chat, argument);
                    case "/help" -> HELP;
                    case "/status" ->
                        links.principalOf(chat)
                                .map(p -> "This chat is linked to " + p + ".")
                                .orElse("This chat is not linked yet; send /start CODE with a code from the operator.");
                    default ->
                        links.principalOf(chat).isPresent()
                                ? "hal9's chat agent is not enabled on this bridge yet; for now hal9's tools can message you "
                                        + "here. /help lists what I can do."
                                : "This chat is not linked yet; send /start CODE with a code from the operator.";
                };
        api.sendMessage(chat, reply);
    }

    private String start(long chat, String code) {
        if (code.isEmpty()) {
            return links.principalOf(chat)
                    .map(p -> "Welcome back; this chat is linked to " + p + ".")
                    .orElse("Welcome. To link this chat to your hal9 account, ask the operator for a code "
                            + "('hal9 telegram link --principal you') and send /start CODE.");
        }
        Optional<String> principal = links.redeem(code, chat);
        return principal
                .map(p -> "Linked: this chat now belongs to " + p + ". hal9's tools can message you here.")
                .orElse("That code is not valid or has expired; ask the operator for a new one.");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
