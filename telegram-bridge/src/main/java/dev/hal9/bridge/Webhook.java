package dev.hal9.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import org.telegram.telegrambots.meta.api.methods.updates.SetWebhook;
import org.telegram.telegrambots.meta.api.objects.Update;

/**
 * Webhook mode: Telegram POSTs each update to a public HTTPS URL (a reverse proxy in front of this listener); the
 * bridge registers it with {@code setWebhook} and a secret token, and accepts only requests that carry that
 * token in {@code X-Telegram-Bot-Api-Secret-Token}. Updates are read into telegrambots' typed {@link Update} (as
 * polled ones are), answered 200 at once and handed to the same bot. telegrambots' own webhook module is not used:
 * it is not published for 10.2.0.
 */
public final class Webhook implements AutoCloseable {

    private final HttpServer server;

    /**
     * Registers the webhook and starts listening.
     *
     * @param publicUrl the HTTPS URL Telegram posts to; its path is the path served here
     * @param listen where to listen, e.g. 127.0.0.1:8443 behind a reverse proxy
     * @param secret the secret token (1 to 256 of A-Z, a-z, 0-9, _ and -)
     */
    public Webhook(BotApi api, TelegramBot bot, URI publicUrl, InetSocketAddress listen, String secret)
            throws IOException {
        if (secret == null || !secret.matches("[A-Za-z0-9_-]{1,256}")) {
            throw new IllegalArgumentException("the webhook secret must be 1 to 256 of A-Z, a-z, 0-9, _ and -");
        }
        byte[] expected = secret.getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(listen, 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        String path = publicUrl.getPath().isEmpty() ? "/" : publicUrl.getPath();
        server.createContext(path, exchange -> {
            try (exchange) {
                String given = exchange.getRequestHeaders().getFirst("X-Telegram-Bot-Api-Secret-Token");
                if (!"POST".equals(exchange.getRequestMethod())) {
                    reply(exchange, 405);
                    return;
                }
                if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                    reply(exchange, 401);
                    return;
                }
                Update update = Updates.read(exchange.getRequestBody().readAllBytes());
                if (update == null) {
                    reply(exchange, 400);
                    return;
                }
                bot.accept(update);
                reply(exchange, 200);
            }
        });
        server.start();
        try {
            api.execute(SetWebhook.builder()
                    .url(publicUrl.toString())
                    .secretToken(secret)
                    .allowedUpdates(TelegramBot.ALLOWED_UPDATES)
                    .build());
        } catch (RuntimeException e) {
            server.stop(0);
            throw e;
        }
    }

    /** The address actually listened on (useful with port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void reply(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
