package dev.hal9.bridge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Serializable;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import okhttp3.Dispatcher;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import org.telegram.telegrambots.client.okhttp.OkHttpTelegramClient;
import org.telegram.telegrambots.longpolling.TelegramBotsLongPollingApplication;
import org.telegram.telegrambots.longpolling.exceptions.TelegramApiErrorResponseException;
import org.telegram.telegrambots.meta.TelegramUrl;
import org.telegram.telegrambots.meta.api.methods.AnswerCallbackQuery;
import org.telegram.telegrambots.meta.api.methods.botapimethods.BotApiMethod;
import org.telegram.telegrambots.meta.api.methods.send.SendChatAction;
import org.telegram.telegrambots.meta.api.methods.send.SendMessage;
import org.telegram.telegrambots.meta.api.methods.send.SendPhoto;
import org.telegram.telegrambots.meta.api.methods.updates.SetWebhook;
import org.telegram.telegrambots.meta.api.methods.updatingmessages.EditMessageText;
import org.telegram.telegrambots.meta.api.objects.InputFile;
import org.telegram.telegrambots.meta.api.objects.Update;
import org.telegram.telegrambots.meta.api.objects.message.Message;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.InlineKeyboardMarkup;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.buttons.InlineKeyboardButton;
import org.telegram.telegrambots.meta.api.objects.replykeyboard.buttons.InlineKeyboardRow;
import org.telegram.telegrambots.meta.exceptions.TelegramApiException;
import org.telegram.telegrambots.meta.exceptions.TelegramApiRequestException;
import org.telegram.telegrambots.meta.exceptions.TelegramApiValidationException;

/**
 * The Telegram Bot API as the bridge uses it, over telegrambots' typed methods and its OkHttp client, with one
 * error type: every failure becomes a {@link TelegramException} whose message names the method and never holds the
 * token (which is part of every URL; telegrambots' own exceptions may carry those). Thread-safe.
 */
public final class BotApi {

    /** Telegram's limit on one message's text. */
    public static final int MAX_TEXT = 4096;

    /**
     * One OkHttp client for every BotApi in the process (OkHttp's advice: one connection pool and one dispatcher),
     * each BotApi deriving its own timeouts from it. The dispatcher's threads are daemons, so a CLI run that used the
     * API ends when its work does; and up to 100 calls may be in flight at once (OkHttp's default is five per host,
     * too few for a bot answering many chats).
     */
    private static final OkHttpClient SHARED = shared();

    private final String token;
    private final TelegramUrl url;
    private final Duration timeout;
    private final OkHttpClient http;
    private final OkHttpTelegramClient client;

    /**
     * @param base the API's origin, e.g. https://api.telegram.org (a path after it is not supported)
     * @param token the bot's token from BotFather
     * @param timeout how long to wait to connect, and for each read and write, of a call
     */
    public BotApi(String base, String token, Duration timeout) {
        this.url = origin(base);
        this.token = token;
        this.timeout = timeout;
        this.http = SHARED.newBuilder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .addInterceptor(this::scrubbing)
                .build();
        this.client = new OkHttpTelegramClient(new ObjectMapper(), http, token, url);
    }

    /** Telegram answered ok=false, or could not be reached; the message never holds the token. */
    public static final class TelegramException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Telegram's error_code, or 0 when it was not reached. */
        public final int code;

        TelegramException(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** Calls a method; returns its result. */
    public <T extends Serializable> T execute(BotApiMethod<T> method) {
        try {
            return client.execute(method);
        } catch (TelegramApiException e) {
            throw failure(name(method), e);
        }
    }

    /** Uploads or links a photo (telegrambots sends it as multipart/form-data); returns the message. */
    public Message execute(SendPhoto photo) {
        try {
            return client.execute(photo);
        } catch (TelegramApiException e) {
            throw failure("sendPhoto", e);
        }
    }

    /** Registers a webhook (sent as multipart/form-data, as Telegram also takes an uploaded certificate). */
    public boolean execute(SetWebhook webhook) {
        try {
            return Boolean.TRUE.equals(client.execute(webhook));
        } catch (TelegramApiException e) {
            throw failure("setWebhook", e);
        }
    }

    /** Sends text, split into several messages under Telegram's 4,096-character limit; returns their ids. */
    public List<Long> sendMessage(long chatId, String text) {
        List<Long> ids = new ArrayList<>();
        for (String part : split(text)) {
            Message sent =
                    execute(SendMessage.builder().chatId(chatId).text(part).build());
            ids.add(sent.getMessageId().longValue());
        }
        return ids;
    }

    /** Sends one message with inline buttons: rows of [label, callback data]. Returns its id. */
    public long sendButtons(long chatId, String text, List<List<String[]>> rows) {
        List<InlineKeyboardRow> keyboard = rows.stream()
                .map(row -> new InlineKeyboardRow(row.stream()
                        .map(button -> InlineKeyboardButton.builder()
                                .text(button[0])
                                .callbackData(button[1])
                                .build())
                        .toList()))
                .toList();
        Message sent = execute(SendMessage.builder()
                .chatId(chatId)
                .text(clip(text, MAX_TEXT))
                .replyMarkup(new InlineKeyboardMarkup(keyboard))
                .build());
        return sent.getMessageId();
    }

    /** Replaces a message's text (and drops its buttons). */
    public void editMessageText(long chatId, long messageId, String text) {
        execute(EditMessageText.builder()
                .chatId(chatId)
                .messageId(Math.toIntExact(messageId))
                .text(clip(text, MAX_TEXT))
                .build());
    }

    /** Answers a button tap (the client stops its spinner and may show the text). */
    public void answerCallbackQuery(String id, String text) {
        execute(AnswerCallbackQuery.builder()
                .callbackQueryId(id)
                .text(text.length() > 200 ? text.substring(0, 197) + "..." : text)
                .build());
    }

    /** Shows "typing..." in a chat for a few seconds. */
    public void typing(long chatId) {
        execute(SendChatAction.builder().chatId(chatId).action("typing").build());
    }

    /** Uploads a photo with an optional caption; returns its message id. */
    public long sendPhoto(long chatId, byte[] photo, String mimeType, String caption) {
        String extension =
                mimeType != null && mimeType.contains("/") ? mimeType.substring(mimeType.indexOf('/') + 1) : "png";
        SendPhoto.SendPhotoBuilder<?, ?> request = SendPhoto.builder()
                .chatId(chatId)
                .photo(new InputFile(new ByteArrayInputStream(photo), "image." + extension));
        if (caption != null && !caption.isBlank()) {
            request.caption(clip(caption, 1024));
        }
        return execute(request.build()).getMessageId();
    }

    /** Sends a photo Telegram fetches from a URL; returns its message id. */
    public long sendPhoto(long chatId, String photoUrl) {
        return execute(SendPhoto.builder()
                        .chatId(chatId)
                        .photo(new InputFile(photoUrl))
                        .build())
                .getMessageId();
    }

    /**
     * Starts long polling: telegrambots deletes any webhook, then asks for updates (at most {@code pollSeconds} of
     * waiting each) on a thread of its own and hands each batch to {@code updates}; a failed poll is retried after
     * 1 s, doubling up to 30 s. Malformed updates arrive as an {@link Update} with only its id, so the offset moves
     * past them.
     *
     * @throws TelegramException when the webhook could not be deleted (Telegram is unreachable or refuses the token)
     */
    AutoCloseable poll(int pollSeconds, List<String> allowedUpdates, Consumer<List<Update>> updates) {
        OkHttpClient polling =
                http.newBuilder().readTimeout(timeout.plusSeconds(pollSeconds)).build();
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("telegram-poll").daemon().factory());
        TelegramBotsLongPollingApplication application = new TelegramBotsLongPollingApplication(
                ObjectMapper::new, () -> polling, () -> poller, Updates.Backoff::new);
        AutoCloseable session = () -> {
            try {
                application.close();
            } finally {
                poller.shutdownNow();
            }
        };
        try {
            application.registerBot(
                    token,
                    () -> url,
                    lastReceived -> Updates.after(lastReceived, pollSeconds, allowedUpdates),
                    updates::accept);
            return session;
        } catch (TelegramApiException e) {
            try {
                session.close();
            } catch (Exception ignored) {
                // the poller never ran; nothing else holds resources
            }
            throw failure("deleteWebhook", e);
        }
    }

    /** Splits text at line breaks (or hard, when a line is too long) into parts Telegram accepts. */
    public static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        String rest = text;
        while (rest.length() > MAX_TEXT) {
            int cut = rest.lastIndexOf('\n', MAX_TEXT);
            if (cut <= 0) {
                cut = MAX_TEXT;
            }
            parts.add(rest.substring(0, cut));
            rest = rest.substring(cut).stripLeading();
        }
        if (!rest.isEmpty() || parts.isEmpty()) {
            parts.add(rest);
        }
        return parts;
    }

    /**
     * One of telegrambots' exceptions as a TelegramException: Telegram's own code and description when it answered,
     * else what kind of failure it was. The cause is not kept (its message may hold a URL, and so the token).
     */
    private TelegramException failure(String method, TelegramApiException e) {
        if (e instanceof TelegramApiRequestException refused && refused.getApiResponse() != null) {
            int code = refused.getErrorCode() == null ? 0 : refused.getErrorCode();
            return new TelegramException(
                    code,
                    scrub("Telegram refused " + method + ": " + refused.getApiResponse()
                            + (code == 401 ? " (is the bot token right?)" : "")));
        }
        if (e instanceof TelegramApiValidationException invalid) {
            return new TelegramException(0, scrub(method + " was not sent: " + invalid.getMessage()));
        }
        if (e instanceof TelegramApiErrorResponseException && e.getCause() == null && e.getMessage() != null) {
            // long polling's own HTTP check: the status line, e.g. 401 Unauthorized
            return new TelegramException(0, scrub("Telegram refused " + method + ": " + e.getMessage()));
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return new TelegramException(0, "Telegram did not answer " + method + " in time");
            }
            if (cause instanceof InterruptedException || cause instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
                return new TelegramException(0, "interrupted while calling " + method);
            }
            if (cause instanceof IOException && !(cause instanceof JacksonException)) {
                return new TelegramException(
                        0,
                        "Telegram could not be reached for " + method + " ("
                                + cause.getClass().getSimpleName() + ")");
            }
        }
        return new TelegramException(
                0, "Telegram answered " + method + " with something other than the Bot API's JSON");
    }

    /**
     * An OkHttp interceptor: an I/O failure whose message (or a cause's) holds the token is replaced by one that
     * does not, so no stack trace telegrambots logs can show it.
     */
    private okhttp3.Response scrubbing(Interceptor.Chain chain) throws IOException {
        try {
            return chain.proceed(chain.request());
        } catch (IOException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (!token.isEmpty()
                        && cause.getMessage() != null
                        && cause.getMessage().contains(token)) {
                    IOException clean = e instanceof InterruptedIOException
                            ? new InterruptedIOException(scrub(String.valueOf(e.getMessage())))
                            : new IOException(scrub(String.valueOf(e.getMessage())));
                    clean.setStackTrace(e.getStackTrace());
                    throw clean;
                }
            }
            throw e;
        }
    }

    private String scrub(String text) {
        return token.isEmpty() ? text : text.replace(token, "[token]");
    }

    /** The Bot API's name of a method (telegrambots' class names are its names, capitalized). */
    private static String name(BotApiMethod<?> method) {
        String simple = method.getClass().getSimpleName();
        return simple.isEmpty() ? method.getMethod() : Character.toLowerCase(simple.charAt(0)) + simple.substring(1);
    }

    private static String clip(String text, int limit) {
        return text.length() > limit ? text.substring(0, limit) : text;
    }

    private static TelegramUrl origin(String base) {
        URI uri = URI.create(base.strip());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new IllegalArgumentException("the Telegram API base must be an http(s) origin such as "
                    + "https://api.telegram.org, not " + base);
        }
        if (uri.getRawPath() != null
                && !uri.getRawPath().isEmpty()
                && !uri.getRawPath().equals("/")) {
            throw new IllegalArgumentException(
                    "the Telegram API base must be an origin without a path (telegrambots adds /bot...): " + base);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return new TelegramUrl(scheme, uri.getHost(), port, false);
    }

    private static OkHttpClient shared() {
        Dispatcher dispatcher = new Dispatcher(Executors.newCachedThreadPool(
                Thread.ofPlatform().name("telegram-http-", 0).daemon().factory()));
        dispatcher.setMaxRequests(100);
        dispatcher.setMaxRequestsPerHost(100);
        return new OkHttpClient.Builder().dispatcher(dispatcher).build();
    }
}
