package dev.hal9.bridge;

import dev.hal9.orchestrator.Orchestrator;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The bot side of the bridge ('hal9 bridge'): long-polls Telegram and answers. {@code /start CODE} links the chat
 * to a principal; {@code /help}, {@code /status} and {@code /new} need no model; any other text from a linked
 * chat is a turn with the orchestrator ({@link Agent}), and payments it leaves waiting come with Approve /
 * Decline buttons whose taps go to the guard, never to the model. Updates are handled on virtual threads, one at
 * a time per chat. A malformed update or a failed reply is logged and skipped; the loop goes on.
 */
public final class TelegramBot implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TelegramBot.class);

    static final String HELP = "I am hal9's bot. Commands:\n"
            + "/start CODE: link this chat to your hal9 account (the operator gives you the code)\n"
            + "/status: which account this chat is linked to\n"
            + "/new: start a fresh conversation\n"
            + "/wallet: your wallets; /orders: your orders; /pending: your recent payments\n"
            + "/subscribe: 30 days of hal9, paid in Telegram Stars (when the operator charges)\n"
            + "/help: this text\n"
            + "Anything else you write goes to your hal9 agent. Payments wait for your Approve tap.";

    private static final String NOT_LINKED =
            "This chat is not linked yet; send /start CODE with a code from the operator.";

    private final BotApi api;
    private final Links links;
    private final int pollSeconds;
    private final Agent agent;
    private final Subscriptions subscriptions;
    private final int perMinute;
    private final Map<Long, java.util.ArrayDeque<Long>> recent = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    /** One lane per chat with a turn running or waiting, dropped when its last turn ends: the map stays small. */
    private final ConcurrentHashMap<Long, Lane> lanes = new ConcurrentHashMap<>();

    private static final class Lane {
        // a ReentrantLock, not synchronized: a turn blocks on the model and the server, and on JDK 21 a virtual
        // thread blocked inside synchronized pins its carrier
        final ReentrantLock lock = new ReentrantLock();
        int users; // changed only inside lanes.compute for this chat
    }

    private volatile boolean running = true;
    private long offset;

    /**
     * How the bot behaves.
     *
     * @param pollSeconds the long-polling timeout
     * @param perMinute how many messages one chat may send a minute; more are answered with a request to slow down
     * @param openAccess whether anyone may /start without a code (as principal tg-USERID; a subscription, when
     *     priced, still gates the agent); off: only operator-issued codes link chats
     */
    public record Options(int pollSeconds, int perMinute, boolean openAccess) {}

    private final boolean openAccess;
    private final Prompts prompts;

    /**
     * @param agent the orchestrator and the guard for linked users, or null for a bot that only links chats
     * @param subscriptions paid access in Stars (its price may be 0: free)
     */
    public TelegramBot(
            BotApi api, Links links, Agent agent, Subscriptions subscriptions, Prompts prompts, Options options) {
        this.api = api;
        this.links = links;
        this.pollSeconds = options.pollSeconds();
        this.agent = agent;
        this.subscriptions = subscriptions;
        this.perMinute = options.perMinute();
        this.openAccess = options.openAccess();
        this.prompts = prompts;
    }

    /** Whether a chat is within its rate; records this message. Called under the chat's lock. */
    private boolean withinRate(long chat) {
        long now = System.currentTimeMillis();
        java.util.ArrayDeque<Long> times = recent.computeIfAbsent(chat, c -> new java.util.ArrayDeque<>());
        while (!times.isEmpty() && now - times.peekFirst() > 60_000) {
            times.pollFirst();
        }
        if (times.size() >= perMinute) {
            return false;
        }
        times.addLast(now);
        return true;
    }

    /** Polls and answers until {@link #close}. */
    public void run() {
        try {
            api.call("deleteWebhook", Map.of("drop_pending_updates", false), Duration.ZERO);
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
                accept(update);
            }
        }
    }

    /** Handles an update (from long polling or a webhook) on a worker, one at a time per chat. */
    public void accept(JsonNode update) {
        if (update.path("callback_query").path("data").asString("").startsWith("el:")) {
            // an answer to a question something is waiting on, maybe this very chat's turn: never queue it
            workers.execute(() -> {
                try {
                    prompt(update.path("callback_query"));
                } catch (RuntimeException e) {
                    LOG.warn("prompt answer skipped: {}", e.getMessage());
                }
            });
            return;
        }
        long chat = chatOf(update);
        workers.execute(() -> {
            Lane lane = lanes.compute(chat, (c, l) -> {
                Lane joined = l == null ? new Lane() : l;
                joined.users++;
                return joined;
            });
            lane.lock.lock();
            try {
                handle(update);
            } catch (RuntimeException e) {
                LOG.warn("update {} skipped: {}", update.path("update_id").asLong(-1), e.getMessage());
            } finally {
                lane.lock.unlock();
                lanes.computeIfPresent(chat, (c, l) -> --l.users == 0 ? null : l);
            }
        });
    }

    private static long chatOf(JsonNode update) {
        if (update.path("pre_checkout_query").isObject()) {
            return update.path("pre_checkout_query").path("from").path("id").asLong(0);
        }
        JsonNode chat = update.path("message").path("chat").path("id");
        if (!chat.canConvertToLong()) {
            chat = update.path("callback_query").path("message").path("chat").path("id");
        }
        return chat.canConvertToLong() ? chat.asLong() : 0;
    }

    void handle(JsonNode update) {
        if (update.path("callback_query").isObject()) {
            decide(update.path("callback_query"));
            return;
        }
        if (update.path("pre_checkout_query").isObject()) {
            JsonNode query = update.path("pre_checkout_query");
            // in a private chat the chat id is the user id
            String refusal = subscriptions.check(
                    query, links.principalOf(query.path("from").path("id").asLong()));
            Map<String, Object> answer = new java.util.LinkedHashMap<>();
            answer.put("pre_checkout_query_id", query.path("id").asString());
            answer.put("ok", refusal == null);
            if (refusal != null) {
                answer.put("error_message", refusal);
            }
            api.call("answerPreCheckoutQuery", answer, Duration.ZERO);
            return;
        }
        JsonNode message = update.path("message");
        if (!message.isObject() || !message.path("chat").path("id").canConvertToLong()) {
            return; // not a message we answer (edited messages, channel posts, malformed updates)
        }
        long chat = message.path("chat").path("id").asLong();
        if (message.path("successful_payment").isObject()) {
            Optional<String> payer = links.principalOf(chat);
            if (payer.isPresent()) {
                java.time.Instant until = subscriptions.paid(
                        payer.get(),
                        message.path("successful_payment"),
                        message.path("from").path("id").asLong(chat));
                api.sendMessage(chat, "Thank you! Your hal9 subscription runs until " + until + ".");
            }
            return;
        }
        String text = message.path("text").asString("").strip();
        if (text.isEmpty()) {
            return;
        }
        if (!withinRate(chat)) {
            api.sendMessage(
                    chat,
                    "You are writing faster than I can work (" + perMinute + " messages a minute); "
                            + "wait a moment and try again.");
            return;
        }
        String command = text.split("\\s+", 2)[0].replaceFirst("@.*$", "").toLowerCase(Locale.ROOT);
        String argument =
                text.contains(" ") ? text.substring(text.indexOf(' ') + 1).strip() : "";
        Optional<String> principal = links.principalOf(chat);
        String reply;
        switch (command) {
            case "/start" -> reply = start(chat, argument);
            case "/help" -> reply = HELP;
            case "/wallet", "/orders", "/pending" -> {
                if (principal.isEmpty()) {
                    reply = NOT_LINKED;
                } else if (agent == null) {
                    reply = "This bridge has no hal9 agent configured.";
                } else {
                    reply = switch (command) {
                        case "/wallet" ->
                            agent.tool(principal.get(), "evm_wallet", Map.of("action", "list")) + "\n"
                                    + agent.tool(principal.get(), "ton_wallet", Map.of("action", "list"));
                        case "/orders" -> agent.tool(principal.get(), "amazon_orders", Map.of());
                        default -> agent.tool(principal.get(), "payment_status", Map.of());
                    };
                }
            }
            case "/subscribe" -> {
                if (principal.isEmpty()) {
                    reply = NOT_LINKED;
                } else if (!subscriptions.required()) {
                    reply = "This bot is free to use; no subscription is needed.";
                } else {
                    reply = "30 days of hal9: " + subscriptions.invoiceLink(api, principal.get());
                }
            }
            case "/status" ->
                reply = principal.map(p -> "This chat is linked to " + p + ".").orElse(NOT_LINKED);
            case "/new" -> {
                if (principal.isPresent() && agent != null) {
                    agent.reset(principal.get());
                    reply = "A fresh conversation: I have forgotten what we said.";
                } else {
                    reply = NOT_LINKED;
                }
            }
            default -> {
                if (principal.isEmpty()) {
                    reply = NOT_LINKED;
                } else if (!subscriptions.active(principal.get())) {
                    reply =
                            "Your hal9 subscription is not active. /subscribe gets you 30 days, paid in Telegram Stars.";
                } else if (agent == null) {
                    reply = "hal9's chat agent is not enabled on this bridge (no model is configured); hal9's tools "
                            + "can still message you here. /help lists what I can do.";
                } else {
                    converse(chat, principal.get(), text);
                    reply = null;
                }
            }
        }
        if (reply != null) {
            api.sendMessage(chat, reply);
        }
    }

    /**
     * A turn with the orchestrator, shown as a draft that says what the agent is doing and becomes the reply;
     * payments it left waiting come with Approve / Decline buttons.
     */
    private void converse(long chat, String principal, String text) {
        try {
            api.typing(chat);
        } catch (BotApi.TelegramException e) {
            LOG.debug("typing: {}", e.getMessage());
        }
        long draft = api.sendMessage(chat, "Working on it…").get(0);
        long[] lastEdit = {0};
        Orchestrator.Turn turn = agent.turn(principal, text, step -> {
            long now = System.currentTimeMillis();
            if (now - lastEdit[0] >= 1000) { // Telegram limits edits; one a second is plenty to watch
                lastEdit[0] = now;
                try {
                    api.editMessageText(chat, draft, "Working on it… " + step);
                    api.typing(chat);
                } catch (BotApi.TelegramException e) {
                    LOG.debug("draft: {}", e.getMessage());
                }
            }
        });
        List<String> parts = BotApi.split(turn.reply().isBlank() ? "(no answer)" : turn.reply());
        api.editMessageText(chat, draft, parts.get(0));
        for (String part : parts.subList(1, parts.size())) {
            api.sendMessage(chat, part);
        }
        for (Orchestrator.Image image : turn.images()) {
            try {
                if (image.url() != null) {
                    api.call("sendPhoto", Map.of("chat_id", chat, "photo", image.url()), Duration.ZERO);
                } else {
                    api.sendPhoto(chat, image.data(), image.mimeType(), null);
                }
            } catch (BotApi.TelegramException e) {
                LOG.warn("a photo could not be sent: {}", e.getMessage());
            }
        }
        java.util.Set<String> carded = new java.util.HashSet<>();
        for (Orchestrator.Pending pending : turn.pending()) {
            // only the id comes from the tool's output; what the person reads comes from the guard's record
            if (!carded.add(pending.id())) {
                continue;
            }
            Optional<Agent.Payment> recorded = agent.payment(principal, pending.id());
            if (recorded.isEmpty() || !"pending".equals(recorded.get().state())) {
                continue;
            }
            Agent.Payment payment = recorded.get();
            StringBuilder card = new StringBuilder("Waiting for your approval:\n" + payment.summary());
            payment.moves().forEach(move -> card.append("\nmoves: ").append(move));
            payment.preview()
                    .forEach((k, v) -> card.append("\n").append(k).append(": ").append(v));
            api.sendButtons(
                    chat,
                    card.toString(),
                    List.of(List.of(
                            new String[] {"Approve", "ok:" + payment.id()},
                            new String[] {"Decline", "no:" + payment.id()})));
        }
    }

    private void prompt(JsonNode query) {
        String data = query.path("data").asString("");
        boolean yes = data.endsWith(":y");
        boolean taken = prompts.answer(data);
        api.answerCallbackQuery(
                query.path("id").asString(""),
                taken ? (yes ? "Yes, noted." : "No, noted.") : "That question is no longer open.");
        if (taken) {
            JsonNode message = query.path("message");
            api.editMessageText(
                    message.path("chat").path("id").asLong(),
                    message.path("message_id").asLong(),
                    message.path("text").asString("") + "\n\n" + (yes ? "You said yes." : "You said no."));
        }
    }

    /** A tap on Approve or Decline: the person decides, through the guard; the model is not involved. */
    private void decide(JsonNode query) {
        String id = query.path("id").asString("");
        String data = query.path("data").asString("");
        JsonNode message = query.path("message");
        long chat = message.path("chat").path("id").asLong(0);
        Optional<String> principal = links.principalOf(chat);
        if (principal.isEmpty() || agent == null || !data.matches("(ok|no):pay_[a-z0-9]{1,40}")) {
            api.answerCallbackQuery(id, "This button is not for this chat.");
            return;
        }
        String outcome = agent.decide(principal.get(), data.substring(3), data.startsWith("ok:"));
        api.answerCallbackQuery(id, outcome);
        api.editMessageText(
                chat, message.path("message_id").asLong(), message.path("text").asString("") + "\n\n" + outcome);
    }

    private String start(long chat, String code) {
        if (code.isEmpty() && openAccess && links.principalOf(chat).isEmpty()) {
            String principal = "tg-" + chat;
            links.link(principal, chat);
            return "Welcome! This chat is your hal9 account " + principal + "."
                    + (subscriptions.required() ? " /subscribe to start using your agent." : " Write to me.");
        }
        if (code.isEmpty()) {
            return links.principalOf(chat)
                    .map(p -> "Welcome back; this chat is linked to " + p + ".")
                    .orElse("Welcome. To link this chat to your hal9 account, ask the operator for a code "
                            + "('hal9 telegram link --principal you') and send /start CODE.");
        }
        return links.redeem(code, chat)
                .map(p ->
                        "Linked: this chat now belongs to " + p + ". Write to me, and I will use hal9's tools for you.")
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
        workers.shutdown();
    }
}
