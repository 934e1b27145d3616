package dev.hal9.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.telegram.telegrambots.meta.api.objects.Update;
import org.telegram.telegrambots.meta.exceptions.TelegramApiRequestException;

/** Updates are read one at a time into telegrambots' types, so one malformed update cannot stop the bot. */
class UpdatesTest {

    private static String message(int updateId, String chatId, String text) {
        return "{\"update_id\":" + updateId + ",\"message\":{\"message_id\":" + updateId
                + ",\"date\":1764547200,\"chat\":{\"id\":" + chatId + ",\"type\":\"private\"},\"text\":\"" + text
                + "\"}}";
    }

    /**
     * Regression: telegrambots reads a getUpdates answer in one piece, so an update whose chat id is not a number
     * failed every poll, and the offset never moved past it: the bot answered nobody again.
     */
    @Test
    void aMalformedUpdateIsSkippedButItsIdStillMovesTheOffset() throws Exception {
        String answer = "{\"ok\":true,\"result\":[" + message(101, "100", "/help") + ","
                + message(102, "\"not a number\"", "/help") + "," + message(103, "100", "/status") + "]}";

        ArrayList<Update> updates =
                Updates.after(100, 25, TelegramBot.ALLOWED_UPDATES).deserializeResponse(answer);

        assertThat(updates).extracting(Update::getUpdateId).containsExactly(101, 102, 103);
        assertThat(updates.get(0).getMessage().getText()).isEqualTo("/help");
        assertThat(updates.get(1).getMessage()).isNull();
        assertThat(updates.get(2).getMessage().getChat().getId()).isEqualTo(100L);
    }

    @Test
    void aRefusalIsReadAsTelegramsError() {
        String answer = "{\"ok\":false,\"error_code\":409,\"description\":\"Conflict: terminated by other getUpdates "
                + "request\"}";

        assertThatThrownBy(() -> Updates.after(0, 25, List.of()).deserializeResponse(answer))
                .isInstanceOfSatisfying(TelegramApiRequestException.class, e -> {
                    assertThat(e.getErrorCode()).isEqualTo(409);
                    assertThat(e.getApiResponse()).startsWith("Conflict");
                });
    }

    @Test
    void getUpdatesAsksForTheNextUpdateWithTheBotsTimeoutAndTypes() {
        var request = Updates.after(41, 7, TelegramBot.ALLOWED_UPDATES);

        assertThat(request.getOffset()).isEqualTo(42);
        assertThat(request.getTimeout()).isEqualTo(7);
        assertThat(request.getAllowedUpdates()).containsExactly("message", "callback_query", "pre_checkout_query");
        assertThat(request.getMethod()).isEqualTo("getupdates");
    }

    @Test
    void aWebhookBodyMustBeAJsonObject() {
        assertThat(Updates.read("{not json".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(Updates.read("[1,2]".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(Updates.read(message(7, "100", "hi").getBytes(StandardCharsets.UTF_8))
                        .getMessage()
                        .getText())
                .isEqualTo("hi");
    }

    @Test
    void aFailedPollWaitsOneSecondDoublingToThirtyAndStartsOverAfterOneThatWorked() {
        Updates.Backoff backoff = new Updates.Backoff();
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            waits.add(backoff.nextBackOffMillis());
        }
        assertThat(waits).containsExactly(1000L, 2000L, 4000L, 8000L, 16_000L, 30_000L, 30_000L);
        backoff.reset();
        assertThat(backoff.nextBackOffMillis()).isEqualTo(1000L);
    }
}
