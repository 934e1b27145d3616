package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Telegram side against a fake Bot API that speaks Telegram's JSON: 'hal9 telegram link' makes a code, the
 * bot ('hal9 bridge', long polling) links the chat on /start CODE, and the server's telegram_send reaches that
 * chat only. Malformed updates are skipped; the token appears in no log.
 */
class TelegramBridgeTest {

    private static final String TOKEN = "123456:TEST-token-never-logged";

    @Test
    void linkAChatAndMessageItThroughTelegramSend() throws Exception {
        Path home = PackagedServer.newHome();
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        try (FakeBotApi telegram = new FakeBotApi(TOKEN);
                AmazonReplica amazon = new AmazonReplica()) {
            environment.put("HAL9_TELEGRAM_BOT_TOKEN", TOKEN);
            environment.put("HAL9_FAMILIES_TELEGRAM_API__BASE", telegram.url);
            environment.put("HAL9_FAMILIES_TELEGRAM_POLL__SECONDS", "2");
            environment.put("HAL9_FAMILIES_COMMERCE_AMAZON_BASE__URL", amazon.url);
            environment.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            String code = cli(environment, "telegram", "link", "--principal", "alice")
                    .stdout()
                    .strip();
            assertThat(code).matches("[A-Z2-9]{10}");
            String aliceSecret = cli(environment, "token", "create", "--principal", "alice", "--capability", "*")
                    .stdout()
                    .strip();
            String bobSecret = cli(environment, "token", "create", "--principal", "bob", "--capability", "*")
                    .stdout()
                    .strip();

            List<String> command = new ArrayList<>(
                    List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "bridge"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process bridge = builder.start();
            ByteArrayOutputStream bridgeLog = new ByteArrayOutputStream();
            Thread.ofVirtual().start(() -> {
                try {
                    bridge.getInputStream().transferTo(bridgeLog);
                } catch (java.io.IOException e) {
                    // the process ended
                }
            });
            try {
                telegram.userSays(100, "/start WRONGCODE1");
                telegram.awaitSent(100, "not valid or has expired");

                // malformed and uninteresting updates are skipped; the loop goes on
                JsonMapper json = JsonMapper.builder().build();
                telegram.push(json.readTree(
                        "{\"update_id\":" + telegram.nextUpdateId() + ",\"message\":{\"text\":\"/help\"}}"));
                telegram.push(json.readTree("{\"update_id\":" + telegram.nextUpdateId()
                        + ",\"edited_message\":{\"chat\":{\"id\":100},\"text\":\"x\"}}"));
                telegram.push(json.readTree("{\"update_id\":" + telegram.nextUpdateId()
                        + ",\"message\":{\"chat\":{\"id\":\"not a number\"},\"text\":\"/help\"}}"));

                telegram.userSays(100, "/start " + code);
                telegram.awaitSent(100, "Linked: this chat now belongs to alice");
                telegram.userSays(100, "/status");
                telegram.awaitSent(100, "This chat is linked to alice.");
                telegram.userSays(100, "/help");
                telegram.awaitSent(100, "/start CODE");
                telegram.userSays(200, "hello?");
                telegram.awaitSent(200, "not linked yet");
                // a code works once
                telegram.userSays(300, "/start " + code);
                telegram.awaitSent(300, "not valid or has expired");

                try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token");
                        McpSyncClient alice = new PaymentRig.Client(server, aliceSecret).open();
                        McpSyncClient bob = new PaymentRig.Client(server, bobSecret).open()) {
                    McpSchema.CallToolResult sent = alice.callTool(
                            new McpSchema.CallToolRequest("telegram_send", Map.of("text", "Your order has shipped.")));
                    assertThat(sent.isError()).as(EvmPaymentsTest.text(sent)).isNotEqualTo(Boolean.TRUE);
                    assertThat(telegram.awaitSent(100, "Your order has shipped."))
                            .isNotNull();

                    String longText = ("line of a long report\n").repeat(300); // 6,600 characters
                    Map<?, ?> parts = EvmPaymentsTest.structured(
                            alice.callTool(new McpSchema.CallToolRequest("telegram_send", Map.of("text", longText))));
                    assertThat(parts.get("parts")).isEqualTo(2);

                    assertThat(EvmPaymentsTest.error(
                                    bob.callTool(new McpSchema.CallToolRequest("telegram_send", Map.of("text", "hi")))))
                            .contains("no Telegram chat is linked to bob", "hal9 telegram link --principal bob");
                    // an image resource goes along as a photo: here the screenshot a shopping tool stopped on
                    Map<?, ?> stopped = (Map<?, ?>) EvmPaymentsTest.structured(alice.callTool(
                                    new McpSchema.CallToolRequest("amazon_search", Map.of("query", "captcha"))))
                            .get("stopped");
                    String screenshot = (String) stopped.get("screenshot");
                    Map<?, ?> photo = EvmPaymentsTest.structured(alice.callTool(new McpSchema.CallToolRequest(
                            "telegram_send", Map.of("text", "Amazon wants a captcha solved", "image", screenshot))));
                    assertThat(photo.get("parts")).isEqualTo(1);
                    assertThat(telegram.photos).singleElement().satisfies(p -> {
                        assertThat(p.chat()).isEqualTo(100);
                        assertThat(p.text()).isEqualTo("image/png");
                    });
                    assertThat(EvmPaymentsTest.error(bob.callTool(new McpSchema.CallToolRequest(
                                    "telegram_send", Map.of("text", "x", "image", screenshot)))))
                            .contains("no Telegram chat is linked to bob");

                    telegram.blocked.add(100L);
                    assertThat(EvmPaymentsTest.error(alice.callTool(
                                    new McpSchema.CallToolRequest("telegram_send", Map.of("text", "still there?")))))
                            .contains("blocked the bot");
                    assertThat(server.log()).doesNotContain(TOKEN);
                }
                assertThat(telegram.sent)
                        .noneMatch(s -> s.chat() == 300 && s.text().contains("Linked"));
            } finally {
                bridge.destroy();
                bridge.waitFor(10, TimeUnit.SECONDS);
                bridge.destroyForcibly();
            }
            assertThat(bridgeLog.toString(StandardCharsets.UTF_8))
                    .contains("hal9 bridge polling")
                    .doesNotContain(TOKEN);
        }
    }

    @Test
    void aStarsSubscriptionGatesTheAgent() throws Exception {
        Path home = PackagedServer.newHome();
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        try (FakeBotApi telegram = new FakeBotApi(TOKEN)) {
            environment.put("HAL9_TELEGRAM_BOT_TOKEN", TOKEN);
            environment.put("HAL9_FAMILIES_TELEGRAM_API__BASE", telegram.url);
            environment.put("HAL9_FAMILIES_TELEGRAM_POLL__SECONDS", "1");
            environment.put("HAL9_FAMILIES_TELEGRAM_SUBSCRIPTION_STARS", "50");
            environment.put("HAL9_FAMILIES_TELEGRAM_OPEN__ACCESS", "true");
            String code = cli(environment, "telegram", "link", "--principal", "carol")
                    .stdout()
                    .strip();
            ProcessBuilder builder = new ProcessBuilder(
                            PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "bridge")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            Process bridge = builder.start();
            try {
                telegram.userSays(500, "/start " + code);
                telegram.awaitSent(500, "belongs to carol");
                telegram.userSays(500, "hello");
                awaitCount(telegram, 500, "subscription is not active", 1);

                // open access: anyone may start, as their own principal; the subscription still gates the agent
                telegram.userSays(600, "/start");
                telegram.awaitSent(600, "This chat is your hal9 account tg-600. /subscribe");
                telegram.userSays(600, "hello");
                awaitCount(telegram, 600, "subscription is not active", 1);

                telegram.userSays(500, "/subscribe");
                telegram.awaitSent(500, "https://t.me/$invoice-1");
                JsonNode invoice = telegram.invoices.get(0);
                assertThat(invoice.path("currency").asString()).isEqualTo("XTR");
                assertThat(invoice.path("prices").get(0).path("amount").asInt()).isEqualTo(50);
                assertThat(invoice.path("subscription_period").asInt()).isEqualTo(2_592_000);
                String payload = invoice.path("payload").asString();
                assertThat(payload).startsWith("sub:carol:");

                // a wrong amount is refused at pre-checkout; the right one is accepted
                telegram.userPays(500, payload, 49, "pcq-1");
                telegram.userPays(500, payload, 50, "pcq-2");
                awaitAnswers(telegram, 2);
                assertThat(telegram.preCheckoutAnswers).anySatisfy(a -> assertThat(a.toString())
                        .contains("\"pre_checkout_query_id\":\"pcq-1\"", "\"ok\":false", "price has changed"));
                assertThat(telegram.preCheckoutAnswers).anySatisfy(a -> assertThat(a.toString())
                        .contains("\"pre_checkout_query_id\":\"pcq-2\"", "\"ok\":true"));
                // access comes only with successful_payment
                telegram.userSays(500, "hello again");
                awaitCount(telegram, 500, "subscription is not active", 2);
                telegram.paymentSucceeded(500, payload, 50, "stxCHARGE123");
                telegram.awaitSent(500, "Your hal9 subscription runs until");
                telegram.userSays(500, "and now?");
                telegram.awaitSent(500, "chat agent is not enabled on this bridge");

                // the operator refunds: the charge goes back and access ends
                Peers.Result refunded = cli(environment, "telegram", "refund", "--principal", "carol");
                assertThat(refunded.stdout()).contains("Refunded stxCHARGE123");
                assertThat(telegram.refunds).singleElement().satisfies(r -> assertThat(r.toString())
                        .contains("\"user_id\":500", "stxCHARGE123"));
                telegram.userSays(500, "still there?");
                awaitCount(telegram, 500, "subscription is not active", 3);
            } finally {
                bridge.destroy();
                bridge.waitFor(10, TimeUnit.SECONDS);
                bridge.destroyForcibly();
            }
        }
    }

    @Test
    void webhookModeTakesOnlyUpdatesThatCarryTheSecret() throws Exception {
        Path home = PackagedServer.newHome();
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        try (FakeBotApi telegram = new FakeBotApi(TOKEN)) {
            environment.put("HAL9_TELEGRAM_BOT_TOKEN", TOKEN);
            environment.put("HAL9_FAMILIES_TELEGRAM_API__BASE", telegram.url);
            environment.put("HAL9_TELEGRAM_WEBHOOK_SECRET", "s3cret-hook_token");
            String code = cli(environment, "telegram", "link", "--principal", "dave")
                    .stdout()
                    .strip();
            int port;
            try (var socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            ProcessBuilder builder = new ProcessBuilder(
                            PackagedServer.java(),
                            "-jar",
                            PackagedServer.jar().toString(),
                            "bridge",
                            "--webhook",
                            "https://bot.example.org/telegram/hook",
                            "--listen",
                            "127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            Process bridge = builder.start();
            try {
                // the bridge's JVM starts, then sets its webhook: the fake wakes this wait when it has answered that
                telegram.await(
                        () -> Optional.ofNullable(telegram.webhook),
                        () -> "the bridge set no webhook",
                        Duration.ofSeconds(60));
                assertThat(telegram.webhook).isNotNull();
                assertThat(telegram.webhook.path("url").asString()).isEqualTo("https://bot.example.org/telegram/hook");
                assertThat(telegram.webhook.path("secret_token").asString()).isEqualTo("s3cret-hook_token");

                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.util.function.BiFunction<String, String, Integer> post = (secret, body) -> {
                    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + port + "/telegram/hook"))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
                    if (secret != null) {
                        request.header("X-Telegram-Bot-Api-Secret-Token", secret);
                    }
                    try {
                        return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
                String start = telegram.message(700, "/start " + code).toString();
                assertThat(post.apply(null, start)).isEqualTo(401);
                assertThat(post.apply("wrong", start)).isEqualTo(401);
                assertThat(post.apply("s3cret-hook_token", "{not json")).isEqualTo(400);
                assertThat(telegram.sent).isEmpty();
                assertThat(post.apply("s3cret-hook_token", start)).isEqualTo(200);
                telegram.awaitSent(700, "Linked: this chat now belongs to dave");
                assertThat(post.apply(
                                "s3cret-hook_token",
                                telegram.message(700, "/status").toString()))
                        .isEqualTo(200);
                telegram.awaitSent(700, "This chat is linked to dave.");
            } finally {
                bridge.destroy();
                bridge.waitFor(10, TimeUnit.SECONDS);
                bridge.destroyForcibly();
            }
        }
    }

    private static void awaitCount(FakeBotApi telegram, long chat, String text, int count) throws InterruptedException {
        telegram.await(
                () -> telegram.sent.stream()
                                .filter(m -> m.chat() == chat && m.text().contains(text))
                                .count()
                        >= count,
                () -> count + " messages to " + chat + " containing '" + text + "' expected; sent: " + telegram.sent);
    }

    private static void awaitAnswers(FakeBotApi telegram, int count) throws InterruptedException {
        telegram.await(
                () -> telegram.preCheckoutAnswers.size() >= count,
                () -> count + " pre-checkout answers expected; got " + telegram.preCheckoutAnswers);
        assertThat(telegram.preCheckoutAnswers).hasSize(count);
    }

    private static Peers.Result cli(Map<String, String> environment, String... arguments) {
        List<String> command = new ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Peers.Result result = Peers.run(command, environment, Duration.ofSeconds(60));
        assertThat(result.exit()).as(result.stderr()).isZero();
        return result;
    }
}
