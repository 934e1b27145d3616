package dev.hal9.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BotApi against a local stand-in for api.telegram.org that answers each request as the test says: Telegram's
 * refusals and every kind of failure become a TelegramException that names the method and never holds the token,
 * which is part of every URL.
 */
class BotApiTest {

    private static final String TOKEN = "987654:bot-api-test-token";

    private final List<String> paths = new CopyOnWriteArrayList<>();
    private HttpServer telegram;

    /** Starts the stand-in; every request is answered with {@code status} and {@code body}. */
    private BotApi answering(int status, String contentType, String body) throws IOException {
        telegram = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        telegram.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        telegram.start();
        return new BotApi("http://127.0.0.1:" + telegram.getAddress().getPort(), TOKEN, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (telegram != null) {
            telegram.stop(0);
        }
    }

    @Test
    void aRefusalCarriesTelegramsCodeAndDescription() throws Exception {
        BotApi api = answering(
                403,
                "application/json",
                "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}");

        assertThatThrownBy(() -> api.sendMessage(100, "hello"))
                .isInstanceOfSatisfying(BotApi.TelegramException.class, e -> {
                    assertThat(e.code).isEqualTo(403);
                    assertThat(e.getMessage())
                            .isEqualTo("Telegram refused sendMessage: Forbidden: bot was blocked by the user");
                    assertThat(e.getCause()).isNull();
                });
        // telegrambots names methods in lower case; Telegram takes them in any case
        assertThat(paths).containsExactly("/bot" + TOKEN + "/sendmessage");
    }

    @Test
    void aWrongTokenIsNamedWithoutShowingIt() throws Exception {
        BotApi api = answering(
                401, "application/json", "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");

        assertThatThrownBy(() -> api.typing(100)).isInstanceOfSatisfying(BotApi.TelegramException.class, e -> {
            assertThat(e.code).isEqualTo(401);
            assertThat(e.getMessage())
                    .isEqualTo("Telegram refused sendChatAction: Unauthorized (is the bot token right?)")
                    .doesNotContain(TOKEN);
        });
    }

    @Test
    void anUnreachableTelegramIsSaidSoWithoutTheUrl() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        BotApi api = new BotApi("http://127.0.0.1:" + closed, TOKEN, Duration.ofSeconds(5));

        assertThatThrownBy(() -> api.sendMessage(100, "hello"))
                .isInstanceOfSatisfying(BotApi.TelegramException.class, e -> {
                    assertThat(e.code).isZero();
                    assertThat(e.getMessage())
                            .isEqualTo("Telegram could not be reached for sendMessage (ConnectException)");
                    assertThat(e.getCause()).isNull();
                });
    }

    @Test
    void anAnswerThatIsNotTheBotApisJsonIsSaidSo() throws Exception {
        BotApi api = answering(502, "text/html", "<html><body>Bad Gateway</body></html>");

        assertThatThrownBy(() -> api.editMessageText(100, 7, "edited"))
                .isInstanceOfSatisfying(BotApi.TelegramException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Telegram answered editMessageText with something other than the Bot API's JSON"));
    }

    @Test
    void longTextGoesAsSeveralMessagesUnderTelegramsLimit() throws Exception {
        BotApi api = answering(
                200,
                "application/json",
                "{\"ok\":true,\"result\":{\"message_id\":5,\"date\":1764547200,"
                        + "\"chat\":{\"id\":100,\"type\":\"private\"},\"text\":\"x\"}}");

        List<Long> ids = api.sendMessage(100, "line of a long report\n".repeat(300));

        assertThat(ids).containsExactly(5L, 5L);
        assertThat(BotApi.split("line of a long report\n".repeat(300)))
                .hasSize(2)
                .allSatisfy(part -> assertThat(part.length()).isLessThanOrEqualTo(BotApi.MAX_TEXT));
    }

    @Test
    void theApiBaseIsAnOrigin() {
        assertThatThrownBy(() -> new BotApi("https://api.telegram.org/proxy", TOKEN, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a path");
        assertThatThrownBy(() -> new BotApi("ftp://api.telegram.org", TOKEN, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http(s) origin");
    }
}
