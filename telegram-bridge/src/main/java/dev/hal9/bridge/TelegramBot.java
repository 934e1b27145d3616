package dev.hal9.bridge;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.telegram.telegrambots.meta.api.methods.AnswerPreCheckoutQuery;
import org.telegram.telegrambots.meta.api.objects.CallbackQuery;
import org.telegram.telegrambots.meta.api.objects.Update;
import org.telegram.telegrambots.meta.api.objects.User;
import org.telegram.telegrambots.meta.api.objects.message.MaybeInaccessibleMessage;
import org.telegram.telegrambots.meta.api.objects.message.Message;
import org.telegram.telegrambots.meta.api.objects.payments.PreCheckoutQuery;

/**
 * The bot side of the bridge ('hal9 bridge'): long-polls Telegram (through telegrambots) and answers. {@code /start CODE} links the chat
 * to a principal; {@code /help}, {@code /status} and {@code /new} need no model; any other text from a linked
 * chat is a turn with the agent ({@link Agent}), and payments it leaves waiting come with Approve /
 * Decline buttons whose taps go to the guard, never to the model. Updates are handled on virtual threads, one at
 * a time per chat. A malformed update or a failed reply is logged and skipped; the loop goes on. The time (message
 * rates, draft edits) comes from the clock it is given. Thread-safe.
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

    /** The updates the bot asks Telegram for. */
    static final List<String> ALLOWED_UPDATES = List.of("message", "callback_query", "pre_checkout_query");

    private final BotApi api;
    private final Links links;
    private final InstantSource clock;
    private final int pollSeconds;
    private final Agent agent;
    private final Subscriptions subscriptions;
    private final int perMinute;
    private final Map<Long, ArrayDeque<Long>> recent = new ConcurrentHashMap<>();
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
    private final CountDownLatch closed = new CountDownLatch(1);

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
     * @param agent the agent and the guard for linked users, or null for a bot that only links chats
     * @param subscriptions paid access in Stars (its price may be 0: free)
     * @param clock what the bot reads the time from (the server's clock; one a test moves)
     */
    public TelegramBot(
            BotApi api,
            Links links,
            Agent agent,
            Subscriptions subscriptions,
            Prompts prompts,
            Options options,
            InstantSource clock) {
        this.api = api;
        this.links = links;
        this.clock = clock;
        this.pollSeconds = options.pollSeconds();
        this.agent = agent;
        this.subscriptions = subscriptions;
        this.perMinute = options.perMinute();
        this.openAccess = options.openAccess();
        this.prompts = prompts;
    }

    /** Whether a chat is within its rate; records this message. Called under the chat's lock. */
    private boolean withinRate(long chat) {
        long now = clock.millis();
        ArrayDeque<Long> times = recent.computeIfAbsent(chat, c -> new ArrayDeque<>());
        while (!times.isEmpty() && now - times.peekFirst() > 60_000) {
            times.pollFirst();
        }
        if (times.size() >= perMinute) {
            return false;
        }
        times.addLast(now);
        return true;
    }

    /**
     * Polls and answers until {@link #close}. When polling cannot start (telegrambots first deletes any webhook,
     * and Telegram may be unreachable), it tries again after 1 s, doubling up to 30 s.
     */
    public void run() {
        long backoff = 1000;
        while (running) {
            AutoCloseable session;
            try {
                session = api.poll(pollSeconds, ALLOWED_UPDATES, updates -> updates.forEach(this::accept));
            } catch (BotApi.TelegramException e) {
                LOG.warn("long polling did not start, retrying in {} ms: {}", backoff, e.getMessage());
                awaitClose(backoff);
                backoff = Math.min(backoff * 2, 30_000);
                continue;
            }
            try (session) {
                awaitClose(Long.MAX_VALUE);
            } catch (Exception e) {
                LOG.debug("long polling stopped: {}", e.getMessage());
            }
            return;
        }
    }

    /** Waits until {@link #close} or the time is up. */
    private void awaitClose(long millis) {
        try {
            closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Handles an update (from long polling or a webhook) on a worker, one at a time per chat. */
    public void accept(Update update) {
        try {
            dispatch(update);
        } catch (RejectedExecutionException e) {
            // the bot is stopping; Telegram keeps an update whose offset was not confirmed for the next run
            LOG.debug("update {} left for the next run", update.getUpdateId());
        }
    }

    private void dispatch(Update update) {
        CallbackQuery tap = update.getCallbackQuery();
        if (tap != null && tap.getData() != null && tap.getData().startsWith("el:")) {
            // an answer to a question something is waiting on, maybe this very chat's turn: never queue it
            workers.execute(() -> {
                try {
                    prompt(tap);
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
                LOG.warn("update {} skipped: {}", update.getUpdateId(), e.getMessage());
            } finally {
                lane.lock.unlock();
                lanes.computeIfPresent(chat, (c, l) -> --l.users == 0 ? null : l);
            }
        });
    }

    private static long chatOf(Update update) {
        if (update.getPreCheckoutQuery() != null) {
            return idOf(update.getPreCheckoutQuery().getFrom());
        }
        if (update.getMessage() != null && update.getMessage().getChat() != null) {
            return update.getMessage().getChat().getId();
        }
        if (update.getCallbackQuery() != null) {
            MaybeInaccessibleMessage message = update.getCallbackQuery().getMessage();
            if (message != null && message.getChat() != null) {
                return message.getChat().getId();
            }
        }
        return 0;
    }

    private static long idOf(User user) {
        return user == null || user.getId() == null ? 0 : user.getId();
    }

    void handle(Update update) {
        if (update.getCallbackQuery() != null) {
            decide(update.getCallbackQuery());
            return;
        }
        if (update.getPreCheckoutQuery() != null) {
            PreCheckoutQuery query = update.getPreCheckoutQuery();
            // in a private chat the chat id is the user id
            String refusal = subscriptions.check(query, links.principalOf(idOf(query.getFrom())));
            api.execute(AnswerPreCheckoutQuery.builder()
                    .preCheckoutQueryId(query.getId())
                    .ok(refusal == null)
                    .errorMessage(refusal)
                    .build());
            return;
        }
        Message message = update.getMessage();
        if (message == null || message.getChat() == null || message.getChat().getId() == null) {
            return; // not a message we answer (edited messages, channel posts, malformed updates)
        }
        long chat = message.getChat().getId();
        if (message.getSuccessfulPayment() != null) {
            Optional<String> payer = links.principalOf(chat);
            if (payer.isPresent()) {
                long payerId = message.getFrom() == null ? chat : idOf(message.getFrom());
                Instant until = subscriptions.paid(payer.get(), message.getSuccessfulPayment(), payerId);
                api.sendMessage(chat, "Thank you! Your hal9 subscription runs until " + until + ".");
            }
            return;
        }
        String text = message.getText() == null ? "" : message.getText().strip();
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
     * A turn with the agent, shown as a draft that says what the agent is doing and becomes the reply;
     * payments it left waiting come with Approve / Decline buttons.
     */
    private void converse(long chat, String principal, String text) {
        try {
            api.typing(chat);
        } catch (BotApi.TelegramException e) {
            LOG.debug("typing: {}", e.getMessage());
        }
        long draft = api.sendMessage(chat, "Working on it…").get(0);
        long[] lastEdit = {Long.MIN_VALUE};
        Agent.Turn turn = agent.turn(principal, text, step -> {
            long now = clock.millis();
            if (lastEdit[0] == Long.MIN_VALUE || now - lastEdit[0] >= 1000) {
                // Telegram limits edits; one a second is plenty to watch
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
        for (Agent.Image image : turn.images()) {
            try {
                if (image.url() != null) {
                    api.sendPhoto(chat, image.url());
                } else {
                    api.sendPhoto(chat, image.data(), image.mimeType(), null);
                }
            } catch (BotApi.TelegramException e) {
                LOG.warn("a photo could not be sent: {}", e.getMessage());
            }
        }
        Set<String> carded = new HashSet<>();
        for (Agent.Pending pending : turn.pending()) {
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

    private void prompt(CallbackQuery query) {
        String data = query.getData();
        boolean yes = data.endsWith(":y");
        boolean taken = prompts.answer(data);
        api.answerCallbackQuery(
                query.getId(), taken ? (yes ? "Yes, noted." : "No, noted.") : "That question is no longer open.");
        if (taken && query.getMessage() instanceof Message message && message.getChat() != null) {
            api.editMessageText(
                    message.getChat().getId(),
                    message.getMessageId(),
                    textOf(message) + "\n\n" + (yes ? "You said yes." : "You said no."));
        }
    }

    /** A tap on Approve or Decline: the person decides, through the guard; the model is not involved. */
    private void decide(CallbackQuery query) {
        String id = query.getId();
        String data = query.getData() == null ? "" : query.getData();
        MaybeInaccessibleMessage message = query.getMessage();
        long chat = message == null || message.getChat() == null
                ? 0
                : message.getChat().getId();
        Optional<String> principal = links.principalOf(chat);
        if (principal.isEmpty() || agent == null || !data.matches("(ok|no):pay_[a-z0-9]{1,40}")) {
            api.answerCallbackQuery(id, "This button is not for this chat.");
            return;
        }
        String outcome = agent.decide(principal.get(), data.substring(3), data.startsWith("ok:"));
        api.answerCallbackQuery(id, outcome);
        // an inaccessible message (older than 48 hours) can no longer be edited; the answer above still shows
        if (message instanceof Message shown) {
            api.editMessageText(chat, shown.getMessageId(), textOf(shown) + "\n\n" + outcome);
        }
    }

    private static String textOf(Message message) {
        return message.getText() == null ? "" : message.getText();
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

    @Override
    public void close() {
        running = false;
        closed.countDown();
        workers.shutdown();
    }
}
