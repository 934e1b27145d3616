package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in for api.telegram.org (which cannot be reached here) speaking the real Bot API: POST
 * /bot{token}/{method}, the method name in any case (as Telegram takes it), with parameters as JSON or as
 * multipart/form-data (JSON-serialized fields such as reply_markup inside it, files as parts that {@code attach://}
 * names), answered {"ok":true,"result":...} or {"ok":false,"error_code":...,"description":...}. Covers getUpdates
 * (long polling with offset and timeout), sendMessage, sendPhoto, deleteWebhook, setWebhook, getMe and the rest the
 * bot uses; a wrong token gets 401, an unknown method 404, a chat that blocked the bot 403. Tests push updates as a
 * user would cause them, and wait on what the bot sent with {@link #await}: it wakes on each request the fake
 * answers, so no test sleeps. Test code only.
 */
final class FakeBotApi implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A message the bot sent; buttons are the callback data of its inline keyboard. */
    record Sent(long chat, long messageId, String text, List<String> buttons) {}

    private final HttpServer server;
    private final String token;
    private final List<JsonNode> updates = new ArrayList<>();
    private final AtomicLong updateIds = new AtomicLong(100);
    private final AtomicLong messageIds = new AtomicLong(1);
    final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** The conversation as a person would read it, for the README's transcript. */
    final List<String> log = new CopyOnWriteArrayList<>();
    /** Texts the bot answered button taps with, and message edits (chat, id, text). */
    final List<String> answers = new CopyOnWriteArrayList<>();

    final List<Sent> edits = new CopyOnWriteArrayList<>();
    /** Photos the bot uploaded: chat, message id, and "image/png" when it was a PNG. */
    final List<Sent> photos = new CopyOnWriteArrayList<>();

    final java.util.concurrent.atomic.AtomicInteger typing = new java.util.concurrent.atomic.AtomicInteger();
    /** Invoice links made, pre-checkout answers (the query's parameters) and Star refunds, as the bot sent them. */
    final List<JsonNode> invoices = new CopyOnWriteArrayList<>();

    final List<JsonNode> preCheckoutAnswers = new CopyOnWriteArrayList<>();
    final List<JsonNode> refunds = new CopyOnWriteArrayList<>();
    /** The webhook the bot set (url, secret_token), or null; while set, getUpdates is refused like Telegram does. */
    volatile JsonNode webhook;

    final Set<Long> blocked = ConcurrentHashMap.newKeySet();
    final String url;

    /** Signalled after every request the fake has answered: what the tests wait on. */
    private final ReentrantLock lock = new ReentrantLock();

    private final Condition answered = lock.newCondition();

    FakeBotApi(String token) throws IOException {
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A private-chat text message from a user, as Telegram delivers it. */
    void userSays(long chat, String text) {
        push(message(chat, text));
    }

    /** The update for a private-chat text message, for delivery by long polling or a webhook. */
    JsonNode message(long chat, String text) {
        log.add("user " + chat + ": " + text);
        ObjectNode update = JSON.createObjectNode();
        update.put("update_id", updateIds.incrementAndGet());
        ObjectNode message = update.putObject("message");
        message.put("message_id", messageIds.incrementAndGet());
        message.putObject("from").put("id", chat).put("is_bot", false).put("first_name", "User" + chat);
        message.putObject("chat").put("id", chat).put("type", "private").put("first_name", "User" + chat);
        message.put("date", System.currentTimeMillis() / 1000);
        message.put("text", text);
        return update;
    }

    /** A tap on an inline button of a message the bot sent. */
    void userTaps(Sent message, String data) {
        log.add("user " + message.chat() + " taps [" + (data.startsWith("ok:") ? "Approve" : "Decline") + "]");
        ObjectNode update = JSON.createObjectNode();
        update.put("update_id", updateIds.incrementAndGet());
        ObjectNode query = update.putObject("callback_query");
        query.put("id", "cq" + update.path("update_id").asLong());
        query.putObject("from").put("id", message.chat()).put("is_bot", false).put("first_name", "User");
        ObjectNode m = query.putObject("message");
        m.put("message_id", message.messageId());
        m.putObject("chat").put("id", message.chat()).put("type", "private");
        m.put("date", System.currentTimeMillis() / 1000);
        m.put("text", message.text());
        query.put("chat_instance", "ci" + message.chat());
        query.put("data", data);
        push(update);
    }

    /** The user pressed Pay on an invoice: Telegram asks the bot to confirm first. */
    void userPays(long user, String payload, int stars, String queryId) {
        ObjectNode update = JSON.createObjectNode();
        update.put("update_id", updateIds.incrementAndGet());
        ObjectNode query = update.putObject("pre_checkout_query");
        query.put("id", queryId);
        query.putObject("from").put("id", user).put("is_bot", false).put("first_name", "User" + user);
        query.put("currency", "XTR");
        query.put("total_amount", stars);
        query.put("invoice_payload", payload);
        push(update);
    }

    /** The payment went through: a service message with successful_payment. */
    void paymentSucceeded(long user, String payload, int stars, String chargeId) {
        ObjectNode update = JSON.createObjectNode();
        update.put("update_id", updateIds.incrementAndGet());
        ObjectNode message = update.putObject("message");
        message.put("message_id", messageIds.incrementAndGet());
        message.putObject("from").put("id", user).put("is_bot", false).put("first_name", "User" + user);
        message.putObject("chat").put("id", user).put("type", "private");
        message.put("date", System.currentTimeMillis() / 1000);
        ObjectNode paid = message.putObject("successful_payment");
        paid.put("currency", "XTR");
        paid.put("total_amount", stars);
        paid.put("invoice_payload", payload);
        paid.put("telegram_payment_charge_id", chargeId);
        paid.put("provider_payment_charge_id", "");
        paid.put("subscription_expiration_date", System.currentTimeMillis() / 1000 + 2_592_000);
        paid.put("is_recurring", true);
        paid.put("is_first_recurring", true);
        push(update);
    }

    /** Any update, malformed or not. */
    void push(JsonNode update) {
        synchronized (updates) {
            updates.add(update);
            updates.notifyAll();
        }
    }

    long nextUpdateId() {
        return updateIds.incrementAndGet();
    }

    /** Waits until the bot has sent a message to a chat containing some text; returns it. */
    Sent awaitSent(long chat, String containing) throws InterruptedException {
        return awaitSent(chat, containing, Duration.ofSeconds(30));
    }

    /** The same, for at most {@code within} (a hundred chats answered at once take longer than one). */
    Sent awaitSent(long chat, String containing, Duration within) throws InterruptedException {
        return await(
                () -> sent.stream()
                        .filter(s -> s.chat() == chat && s.text().contains(containing))
                        .findFirst(),
                () -> "no message to " + chat + " containing '" + containing + "'; sent: " + sent,
                within);
    }

    /**
     * Waits until {@code found} finds something, checking at once and again each time the bot's request has been
     * answered; fails with {@code otherwise}'s text after 30 s.
     */
    <T> T await(Supplier<Optional<T>> found, Supplier<String> otherwise) throws InterruptedException {
        return await(found, otherwise, Duration.ofSeconds(30));
    }

    /** Waits until a condition on what the bot did holds (see {@link #await(Supplier, Supplier)}). */
    void await(BooleanSupplier condition, Supplier<String> otherwise) throws InterruptedException {
        await(() -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), otherwise);
    }

    <T> T await(Supplier<Optional<T>> found, Supplier<String> otherwise, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                // checked under the lock a request's signal takes, after it recorded what it did: no wake-up is lost
                Optional<T> result = found.get();
                if (result.isPresent()) {
                    return result.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(otherwise.get());
                }
                answered.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        } finally {
            lock.lock();
            try {
                answered.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A request's parameters, and the files uploaded with it by part name (multipart/form-data only). */
    private record Request(JsonNode parameters, Map<String, byte[]> files) {}

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern FIELD_NAME = Pattern.compile("name=\"([^\"]*)\"");

    /**
     * Reads parameters as Telegram does: a JSON object, or multipart/form-data whose fields are text (a
     * JSON-serialized one, such as reply_markup or allowed_updates, read as JSON) and whose file parts are uploads.
     */
    private static Request read(byte[] body, String type) {
        Matcher boundary = BOUNDARY.matcher(type);
        if (!type.startsWith("multipart/form-data") || !boundary.find()) {
            return new Request(body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body), Map.of());
        }
        ObjectNode parameters = JSON.createObjectNode();
        Map<String, byte[]> files = new HashMap<>();
        // ISO-8859-1 maps each byte to one char and back, so file parts survive the split unchanged
        String text = new String(body, StandardCharsets.ISO_8859_1);
        for (String part : text.split(Pattern.quote("--" + boundary.group(1)))) {
            int split = part.indexOf("\r\n\r\n");
            if (split < 0) {
                continue; // the preamble, or the closing "--"
            }
            String headers = part.substring(0, split);
            String content = part.substring(split + 4);
            if (content.endsWith("\r\n")) {
                content = content.substring(0, content.length() - 2);
            }
            Matcher name = FIELD_NAME.matcher(headers);
            if (!name.find()) {
                continue;
            }
            byte[] bytes = content.getBytes(StandardCharsets.ISO_8859_1);
            if (headers.contains("filename=")) {
                files.put(name.group(1), bytes);
                continue;
            }
            String value = new String(bytes, StandardCharsets.UTF_8);
            JsonNode field = parameters.stringNode(value);
            if (value.startsWith("{") || value.startsWith("[")) {
                try {
                    field = JSON.readTree(value);
                } catch (RuntimeException e) {
                    // not JSON after all: Telegram keeps it as text
                }
            }
            parameters.set(name.group(1), field);
        }
        return new Request(parameters, files);
    }

    private static boolean png(byte[] file) {
        return file.length > 8 && (file[0] & 0xff) == 0x89 && file[1] == 'P' && file[2] == 'N' && file[3] == 'G';
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String prefix = "/bot" + token + "/";
        if (!path.startsWith(prefix)) {
            answer(exchange, 401, Map.of("ok", false, "error_code", 401, "description", "Unauthorized"));
            return;
        }
        String method = path.substring(prefix.length()).toLowerCase(Locale.ROOT);
        byte[] body = exchange.getRequestBody().readAllBytes();
        Request request = read(body, String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
        JsonNode parameters = request.parameters();
        switch (method) {
            case "getme" ->
                answer(
                        exchange,
                        200,
                        Map.of(
                                "ok",
                                true,
                                "result",
                                Map.of("id", 4242, "is_bot", true, "first_name", "hal9", "username", "hal9_test_bot")));
            case "deletewebhook" -> {
                webhook = null;
                answer(exchange, 200, Map.of("ok", true, "result", true));
            }
            case "setwebhook" -> {
                webhook = parameters;
                answer(exchange, 200, Map.of("ok", true, "result", true, "description", "Webhook was set"));
            }
            case "getupdates" -> {
                if (webhook != null) {
                    answer(
                            exchange,
                            409,
                            Map.of(
                                    "ok",
                                    false,
                                    "error_code",
                                    409,
                                    "description",
                                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                                            + "the webhook first"));
                } else {
                    getUpdates(exchange, parameters);
                }
            }
            case "sendmessage" -> {
                long chat = parameters.path("chat_id").asLong();
                String text = parameters.path("text").asString("");
                if (blocked.contains(chat)) {
                    answer(
                            exchange,
                            403,
                            Map.of(
                                    "ok",
                                    false,
                                    "error_code",
                                    403,
                                    "description",
                                    "Forbidden: bot was blocked by the user"));
                } else if (text.isEmpty() || text.length() > 4096) {
                    answer(
                            exchange,
                            400,
                            Map.of(
                                    "ok",
                                    false,
                                    "error_code",
                                    400,
                                    "description",
                                    "Bad Request: message text is empty or too long"));
                } else {
                    long id = messageIds.incrementAndGet();
                    List<String> buttons = new ArrayList<>();
                    parameters
                            .path("reply_markup")
                            .path("inline_keyboard")
                            .forEach(row -> row.forEach(
                                    b -> buttons.add(b.path("callback_data").asString())));
                    sent.add(new Sent(chat, id, text, buttons));
                    log.add("bot → " + chat + ": " + text + (buttons.isEmpty() ? "" : "\n    [Approve] [Decline]"));
                    answer(
                            exchange,
                            200,
                            Map.of(
                                    "ok",
                                    true,
                                    "result",
                                    Map.of(
                                            "message_id",
                                            id,
                                            "chat",
                                            Map.of("id", chat, "type", "private"),
                                            "date",
                                            System.currentTimeMillis() / 1000,
                                            "text",
                                            text)));
                }
            }
            case "sendphoto" -> {
                // an upload (a file part, named by photo=attach://NAME or called photo), or a URL Telegram fetches
                long chat = parameters.path("chat_id").asLong(0);
                String photo = parameters.path("photo").asString("");
                byte[] upload = photo.startsWith("attach://")
                        ? request.files().get(photo.substring("attach://".length()))
                        : request.files().get("photo");
                if (chat == 0 || (upload == null && photo.isEmpty())) {
                    answer(
                            exchange,
                            400,
                            Map.of(
                                    "ok",
                                    false,
                                    "error_code",
                                    400,
                                    "description",
                                    "Bad Request: there is no photo in the request"));
                    return;
                }
                long id = messageIds.incrementAndGet();
                if (upload != null) {
                    // Telegram recognizes an image by its bytes, not by the part's declared type
                    photos.add(new Sent(chat, id, png(upload) ? "image/png" : "other", List.of()));
                    log.add("bot → " + chat + ": [a photo]");
                } else {
                    photos.add(new Sent(chat, id, "url:" + photo, List.of()));
                    log.add("bot → " + chat + ": [a photo from " + photo + "]");
                }
                answer(
                        exchange,
                        200,
                        Map.of(
                                "ok",
                                true,
                                "result",
                                Map.of(
                                        "message_id",
                                        id,
                                        "chat",
                                        Map.of("id", chat, "type", "private"),
                                        "date",
                                        System.currentTimeMillis() / 1000,
                                        "photo",
                                        List.of(Map.of(
                                                "file_id",
                                                "photo" + id,
                                                "file_unique_id",
                                                "u" + id,
                                                "width",
                                                1,
                                                "height",
                                                1)))));
            }
            case "answercallbackquery" -> {
                answers.add(parameters.path("text").asString(""));
                log.add("bot (answering the tap): " + parameters.path("text").asString(""));
                answer(exchange, 200, Map.of("ok", true, "result", true));
            }
            case "editmessagetext" -> {
                long chat = parameters.path("chat_id").asLong();
                long id = parameters.path("message_id").asLong();
                String text = parameters.path("text").asString("");
                edits.add(new Sent(chat, id, text, List.of()));
                // the chat now shows the edited text: tests looking for it find it like a sent message
                for (int i = 0; i < sent.size(); i++) {
                    Sent old = sent.get(i);
                    if (old.chat() == chat && old.messageId() == id) {
                        sent.set(i, new Sent(chat, id, text, old.buttons()));
                    }
                }
                log.add("bot edits its message in " + chat + ": " + text);
                answer(
                        exchange,
                        200,
                        Map.of(
                                "ok",
                                true,
                                "result",
                                Map.of(
                                        "message_id",
                                        id,
                                        "chat",
                                        Map.of("id", chat, "type", "private"),
                                        "date",
                                        System.currentTimeMillis() / 1000,
                                        "text",
                                        text)));
            }
            case "createinvoicelink" -> {
                invoices.add(parameters);
                answer(exchange, 200, Map.of("ok", true, "result", "https://t.me/$invoice-" + invoices.size()));
            }
            case "answerprecheckoutquery" -> {
                preCheckoutAnswers.add(parameters);
                answer(exchange, 200, Map.of("ok", true, "result", true));
            }
            case "refundstarpayment" -> {
                refunds.add(parameters);
                answer(exchange, 200, Map.of("ok", true, "result", true));
            }
            case "sendchataction" -> {
                typing.incrementAndGet();
                answer(exchange, 200, Map.of("ok", true, "result", true));
            }
            default -> answer(exchange, 404, Map.of("ok", false, "error_code", 404, "description", "Not Found"));
        }
    }

    private void getUpdates(HttpExchange exchange, JsonNode parameters) throws IOException {
        long offset = parameters.path("offset").asLong(0);
        long deadline = System.currentTimeMillis() + parameters.path("timeout").asLong(0) * 1000;
        List<JsonNode> ready = new ArrayList<>();
        synchronized (updates) {
            while (true) {
                updates.removeIf(u -> u.path("update_id").asLong() < offset); // confirmed by the offset
                ready.addAll(updates);
                long left = deadline - System.currentTimeMillis();
                if (!ready.isEmpty() || left <= 0) {
                    break;
                }
                try {
                    updates.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        answer(exchange, 200, Map.of("ok", true, "result", ready));
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] json = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        exchange.getResponseBody().write(json);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
