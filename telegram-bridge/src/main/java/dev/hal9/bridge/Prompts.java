package dev.hal9.bridge;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Yes / no questions to a chat that something else waits on: a server's elicitation ("Approve this payment?")
 * becomes a Telegram message with two buttons, and the tap answers it. Thread-safe.
 */
public final class Prompts {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final BotApi api;
    private final Map<String, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();

    public Prompts(BotApi api) {
        this.api = api;
    }

    /** Asks and waits for a tap; empty when nobody answered in time. */
    public Optional<Boolean> ask(long chat, String question, Duration timeout) {
        byte[] raw = new byte[6];
        RANDOM.nextBytes(raw);
        String id = HexFormat.of().formatHex(raw);
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            api.sendButtons(chat, question, List.of(List.of(new String[] {"Yes", "el:" + id + ":y"}, new String[] {
                "No", "el:" + id + ":n"
            })));
            return Optional.of(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException | BotApi.TelegramException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            waiting.remove(id);
        }
    }

    /** Answers from a button's callback data ({@code el:ID:y|n}); false when nobody waits for it any more. */
    boolean answer(String data) {
        String[] parts = data.split(":");
        if (parts.length != 3) {
            return false;
        }
        CompletableFuture<Boolean> answer = waiting.get(parts[1]);
        return answer != null && answer.complete(parts[2].equals("y"));
    }
}
