package dev.hal9.bridge;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The few Telegram Bot API methods the bridge uses, as JSON over the JDK's HttpClient. The token is part of every
 * URL, so no message this class writes contains a URL. Thread-safe.
 */
public final class BotApi {

    private static final tools.jackson.databind.json.JsonMapper JSON =
            tools.jackson.databind.json.JsonMapper.builder().build();

    /** Telegram's limit on one message's text. */
    public static final int MAX_TEXT = 4096;

    private final String base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param base the API's origin, e.g. https://api.telegram.org
     * @param token the bot's token from BotFather
     */
    public BotApi(String base, String token, Duration timeout) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
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

    /** Calls a method with JSON parameters; returns its "result". */
    public JsonNode call(String method, Map<String, Object> parameters, Duration wait) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/bot" + token + "/" + method))
                .timeout(wait.plus(timeout))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(parameters)))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new TelegramException(0, "Telegram did not answer " + method + " in time");
        } catch (IOException e) {
            throw new TelegramException(
                    0,
                    "Telegram could not be reached for " + method + " ("
                            + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TelegramException(0, "interrupted while calling " + method);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            throw new TelegramException(
                    response.statusCode(),
                    "Telegram answered " + method + " with HTTP " + response.statusCode() + " and no JSON");
        }
        if (!answer.path("ok").asBoolean(false)) {
            int code = answer.path("error_code").asInt(response.statusCode());
            String description = answer.path("description").asString("no description");
            throw new TelegramException(
                    code,
                    "Telegram refused " + method + ": " + description
                            + (code == 401 ? " (is the bot token right?)" : ""));
        }
        return answer.path("result");
    }

    /** Long-polls for updates after {@code offset}. */
    public List<JsonNode> getUpdates(long offset, int timeoutSeconds) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("offset", offset);
        parameters.put("timeout", timeoutSeconds);
        parameters.put("allowed_updates", List.of("message", "callback_query", "pre_checkout_query"));
        List<JsonNode> updates = new ArrayList<>();
        call("getUpdates", parameters, Duration.ofSeconds(timeoutSeconds)).forEach(updates::add);
        return updates;
    }

    /** Sends text, split into several messages under Telegram's 4,096-character limit; returns their ids. */
    public List<Long> sendMessage(long chatId, String text) {
        List<Long> ids = new ArrayList<>();
        for (String part : split(text)) {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("chat_id", chatId);
            parameters.put("text", part);
            ids.add(call("sendMessage", parameters, Duration.ZERO)
                    .path("message_id")
                    .asLong());
        }
        return ids;
    }

    /** Sends one message with inline buttons: rows of [label, callback data]. Returns its id. */
    public long sendButtons(long chatId, String text, List<List<String[]>> rows) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("chat_id", chatId);
        parameters.put("text", text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text);
        parameters.put(
                "reply_markup",
                Map.of(
                        "inline_keyboard",
                        rows.stream()
                                .map(row -> row.stream()
                                        .map(b -> Map.of("text", b[0], "callback_data", b[1]))
                                        .toList())
                                .toList()));
        return call("sendMessage", parameters, Duration.ZERO).path("message_id").asLong();
    }

    /** Replaces a message's text (and drops its buttons). */
    public void editMessageText(long chatId, long messageId, String text) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("chat_id", chatId);
        parameters.put("message_id", messageId);
        parameters.put("text", text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text);
        call("editMessageText", parameters, Duration.ZERO);
    }

    /** Answers a button tap (the client stops its spinner and may show the text). */
    public void answerCallbackQuery(String id, String text) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("callback_query_id", id);
        parameters.put("text", text.length() > 200 ? text.substring(0, 197) + "..." : text);
        call("answerCallbackQuery", parameters, Duration.ZERO);
    }

    /** Shows "typing..." in a chat for a few seconds. */
    public void typing(long chatId) {
        call("sendChatAction", Map.of("chat_id", chatId, "action", "typing"), Duration.ZERO);
    }

    /** Sends a photo (uploaded as multipart/form-data) with an optional caption; returns its message id. */
    public long sendPhoto(long chatId, byte[] photo, String mimeType, String caption) {
        String boundary = "hal9-" + java.util.UUID.randomUUID();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        java.util.function.BiConsumer<String, String> field = (name, value) -> body.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        field.accept("chat_id", String.valueOf(chatId));
        if (caption != null && !caption.isBlank()) {
            field.accept("caption", caption.length() > 1024 ? caption.substring(0, 1024) : caption);
        }
        String extension =
                mimeType != null && mimeType.contains("/") ? mimeType.substring(mimeType.indexOf('/') + 1) : "png";
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"image."
                        + extension + "\"\r\nContent-Type: " + (mimeType == null ? "image/png" : mimeType)
                        + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        body.writeBytes(photo);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/bot" + token + "/sendPhoto"))
                .timeout(timeout.multipliedBy(3))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(response.body());
            if (!answer.path("ok").asBoolean(false)) {
                throw new TelegramException(
                        answer.path("error_code").asInt(response.statusCode()),
                        "Telegram refused sendPhoto: "
                                + answer.path("description").asString("no description"));
            }
            return answer.path("result").path("message_id").asLong();
        } catch (IOException | RuntimeException e) {
            if (e instanceof TelegramException t) {
                throw t;
            }
            throw new TelegramException(0, "Telegram could not be reached for sendPhoto");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TelegramException(0, "interrupted while calling sendPhoto");
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
}
