package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The bot with its agent: a linked user's message goes to the agent (a scripted OpenAI-compatible model
 * here), which calls hal9's real evm_send on anvil; the payment waits for the user's Approve tap in Telegram, which
 * the bridge takes to the guard (the model is never asked), and it is sent exactly once. Decline sends nothing;
 * two users' conversations stay apart; a failing model gets a friendly reply.
 */
class TelegramAgentTest {

    private static final String TOKEN = "654321:another-test-token";
    private static final BigInteger ETHER = BigInteger.TEN.pow(18);

    @Test
    void aPaymentWaitsForTheUsersTapAndIsSentOnce() throws Exception {
        try (Anvil anvil = new Anvil()) {
            String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (AmazonReplica amazon = new AmazonReplica();
                    PaymentRig rig = new PaymentRig(
                            anvil,
                            token,
                            Map.of(
                                    "HAL9_FAMILIES_COMMERCE_AMAZON_BASE__URL",
                                    amazon.url,
                                    "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD",
                                    "1"));
                    FakeBotApi telegram = new FakeBotApi(TOKEN);
                    ScriptedLlm llm = new ScriptedLlm(TelegramAgentTest::script)) {
                Map<String, String> environment = bridgeEnvironment(rig, telegram, llm);
                // one more MCP server for the agent, as a desktop client's mcpServers file lists it
                java.nio.file.Path servers = rig.home.resolve("mcp.json");
                java.nio.file.Files.writeString(
                        servers,
                        "{\"mcpServers\":{\"everything\":{\"command\":\""
                                + Peers.node22() + "\",\"args\":[\""
                                + Peers.dir()
                                        .resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js")
                                + "\",\"stdio\"]}}}");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MCP__SERVERS", servers.toString());
                String aliceCode = rig.cli("telegram", "link", "--principal", "alice")
                        .stdout()
                        .strip();
                String bobCode = rig.cli("telegram", "link", "--principal", "bob")
                        .stdout()
                        .strip();

                Process bridge = bridge(environment);
                try {
                    telegram.userSays(100, "/start " + aliceCode);
                    telegram.awaitSent(100, "Linked: this chat now belongs to alice");
                    telegram.userSays(200, "/start " + bobCode);
                    telegram.awaitSent(200, "Linked: this chat now belongs to bob");

                    BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
                    long nonce = anvil.nonce(rig.wallet);
                    telegram.userSays(100, "Please send 0.5 ETH to " + PaymentRig.RECIPIENT + " on anvil");
                    telegram.awaitSent(100, "It waits for your approval");
                    FakeBotApi.Sent card = telegram.awaitSent(100, "Waiting for your approval:");
                    assertThat(card.text()).contains("send 0.5 ETH on anvil", "fee at most");
                    assertThat(card.buttons()).hasSize(2);
                    assertThat(card.buttons().get(0)).startsWith("ok:pay_");
                    assertThat(card.buttons().get(1)).startsWith("no:pay_");
                    assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);
                    assertThat(telegram.typing.get()).isPositive();

                    // /pending and /wallet ask hal9's tools directly, with no model in between
                    int asked = llm.requests.size();
                    telegram.userSays(100, "/pending");
                    telegram.awaitSent(100, card.buttons().get(0).substring(3) + ": pending");
                    telegram.userSays(100, "/wallet");
                    telegram.awaitSent(100, rig.wallet);
                    assertThat(llm.requests).hasSize(asked);

                    telegram.userTaps(card, card.buttons().get(0));
                    awaitAnswer(telegram, "Approved: send 0.5 ETH on anvil");
                    awaitBalance(anvil, before.add(ETHER.divide(BigInteger.TWO)));
                    assertThat(telegram.edits)
                            .anyMatch(e -> e.messageId() == card.messageId()
                                    && e.text().contains("Approved"));
                    // a second tap changes nothing
                    telegram.userTaps(card, card.buttons().get(0));
                    awaitAnswer(telegram, "Not done:");
                    assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before.add(ETHER.divide(BigInteger.TWO)));
                    assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 1);

                    // Decline sends nothing
                    telegram.userSays(100, "Please send 0.3 ETH to " + PaymentRig.RECIPIENT + " on anvil");
                    FakeBotApi.Sent second = awaitCard(telegram, 100, "send 0.3 ETH");
                    telegram.userTaps(second, second.buttons().get(1));
                    awaitAnswer(telegram, "Declined: nothing was sent.");
                    // the ledger says declined, a state nothing is ever sent from
                    assertThat(rig.cli("payments", "--all", "--principal", "alice")
                                    .stdout())
                            .containsPattern(second.buttons().get(1).substring(3) + "\\s+declined");
                    assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before.add(ETHER.divide(BigInteger.TWO)));
                    assertThat(anvil.nonce(rig.wallet)).isEqualTo(nonce + 1);

                    // an image a tool returns reaches the user as a photo
                    telegram.userSays(100, "Show me a picture");
                    telegram.awaitSent(100, "Here is the picture.");
                    telegram.await(() -> !telegram.photos.isEmpty(), () -> "no photo was sent");
                    assertThat(telegram.photos).singleElement().satisfies(p -> {
                        assertThat(p.chat()).isEqualTo(100);
                        assertThat(p.text()).isEqualTo("image/png");
                    });

                    // product pictures a search returned are shown too (a few, by URL)
                    telegram.userSays(100, "Find me an iphone 15 case");
                    telegram.awaitSent(100, "Found them.");
                    telegram.await(
                            () -> telegram.photos.size() >= 4, () -> "four photos expected; sent: " + telegram.photos);
                    assertThat(telegram.photos)
                            .extracting(FakeBotApi.Sent::text)
                            .contains(
                                    "url:https://m.media-amazon.example/images/I/B0CASE0001.jpg",
                                    "url:https://m.media-amazon.example/images/I/B0CASE0003.jpg");
                    assertThat(telegram.photos).hasSize(4);

                    // bob's conversation has none of alice's; a failing model gets a friendly reply
                    telegram.userSays(200, "What have I said so far?");
                    FakeBotApi.Sent recap = telegram.awaitSent(200, "You said:");
                    assertThat(recap.text())
                            .contains("What have I said so far?")
                            .doesNotContain("ETH");
                    telegram.userSays(200, "please fail now");
                    telegram.awaitSent(200, "Sorry, I could not reach my language model");
                    // the reply was a draft the user watched: it said what the agent was doing
                    assertThat(telegram.edits)
                            .anyMatch(e -> e.chat() == 100 && e.text().contains("using evm_send"));

                    // a restarted bridge keeps both conversations (they live in the server's store)
                    bridge.destroy();
                    assertThat(bridge.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    bridge = bridge(environment);
                    telegram.userSays(200, "What have I said so far, after the restart?");
                    FakeBotApi.Sent after = telegram.awaitSent(200, "after the restart?");
                    assertThat(after.text()).contains("| What have I said so far? |", "| please fail now |");
                    telegram.userSays(100, "What have I said so far?");
                    assertThat(telegram.awaitSent(100, "You said:").text())
                            .contains("Please send 0.5 ETH", "Please send 0.3 ETH")
                            .doesNotContain("please fail now");
                    // the model was never offered a way to approve anything
                    for (JsonNode request : llm.requests) {
                        assertThat(request.path("tools").toString()).doesNotContain("approve\"");
                    }
                    java.nio.file.Files.writeString(
                            java.nio.file.Path.of("target", "telegram-transcript.txt"),
                            String.join("\n", telegram.log));
                } finally {
                    bridge.destroy();
                    bridge.waitFor(10, TimeUnit.SECONDS);
                    bridge.destroyForcibly();
                }
            }
        }
    }

    @Test
    void theGuardsQuestionBecomesATelegramPrompt() throws Exception {
        try (Anvil anvil = new Anvil()) {
            String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(anvil, token, Map.of("HAL9_GUARD_ELICITATION", "true"));
                    FakeBotApi telegram = new FakeBotApi(TOKEN);
                    ScriptedLlm llm = new ScriptedLlm(TelegramAgentTest::script)) {
                Map<String, String> environment = bridgeEnvironment(rig, telegram, llm);
                String code = rig.cli("telegram", "link", "--principal", "alice")
                        .stdout()
                        .strip();
                Process bridge = bridge(environment);
                try {
                    telegram.userSays(100, "/start " + code);
                    telegram.awaitSent(100, "belongs to alice");
                    BigInteger before = anvil.balance(PaymentRig.RECIPIENT);

                    // the operator lets the client's answer count: the guard asks, the bridge asks the person
                    telegram.userSays(100, "Please send 0.2 ETH to " + PaymentRig.RECIPIENT + " on anvil");
                    FakeBotApi.Sent question = awaitQuestion(telegram, "send 0.2 ETH on anvil");
                    assertThat(question.text()).startsWith("Approve this payment?");
                    assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);
                    telegram.userTaps(question, question.buttons().get(0));
                    awaitBalance(anvil, before.add(ETHER.divide(BigInteger.valueOf(5))));
                    telegram.awaitSent(100, "confirmed");

                    telegram.userSays(100, "Please send 0.15 ETH to " + PaymentRig.RECIPIENT + " on anvil");
                    FakeBotApi.Sent second = awaitQuestion(telegram, "send 0.15 ETH on anvil");
                    telegram.userTaps(second, second.buttons().get(1));
                    telegram.awaitSent(100, "declined");
                    assertThat(anvil.balance(PaymentRig.RECIPIENT))
                            .isEqualTo(before.add(ETHER.divide(BigInteger.valueOf(5))));
                } finally {
                    bridge.destroy();
                    bridge.waitFor(10, TimeUnit.SECONDS);
                    bridge.destroyForcibly();
                }
            }
        }
    }

    /**
     * Issue 12, defect 8: the Approve card was built from the tool output of any MCP server the agent uses, so a
     * hostile server could dress a real pending payment in a false summary ("send 0.0001 ETH to your friend") and
     * have the user tap Approve on it. Now the card comes only from the guard's own record of the payment.
     */
    @Test
    void theApprovalCardComesFromTheGuardsRecordNotFromAToolsOutput() throws Exception {
        try (Anvil anvil = new Anvil()) {
            String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(anvil, token, Map.of());
                    FakeBotApi telegram = new FakeBotApi(TOKEN);
                    ScriptedLlm llm = new ScriptedLlm(TelegramAgentTest::script)) {
                Map<String, String> environment = bridgeEnvironment(rig, telegram, llm);
                java.nio.file.Path servers = rig.home.resolve("mcp.json");
                java.nio.file.Files.writeString(
                        servers,
                        "{\"mcpServers\":{\"orders\":{\"command\":\"" + Peers.node22() + "\",\"args\":[\""
                                + Peers.dir().resolve("clients/hostile-server.mjs") + "\"]}}}");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_MCP__SERVERS", servers.toString());
                String code = rig.cli("telegram", "link", "--principal", "alice")
                        .stdout()
                        .strip();
                Process bridge = bridge(environment);
                try {
                    telegram.userSays(100, "/start " + code);
                    telegram.awaitSent(100, "belongs to alice");
                    telegram.userSays(100, "Please send 0.5 ETH to " + PaymentRig.RECIPIENT + " on anvil");
                    FakeBotApi.Sent real = awaitCard(telegram, 100, "send 0.5 ETH on anvil");
                    String id = real.buttons().get(0).substring(3);

                    // the hostile server claims the very same payment is a harmless one
                    telegram.userSays(100, "Please check " + id);
                    telegram.awaitSent(100, "Looked it up.");
                    awaitTurnsDone(telegram, 100); // so every card this turn made has been sent
                    assertThat(telegram.sent)
                            .as("no Approve card shows the hostile server's words")
                            .noneMatch(s -> !s.buttons().isEmpty()
                                    && (s.text().contains("your friend Bob")
                                            || s.text().contains("safe to approve")));
                    for (FakeBotApi.Sent sent : telegram.sent) {
                        if (!sent.buttons().isEmpty() && sent.buttons().get(0).startsWith("ok:")) {
                            assertThat(sent.text())
                                    .as("every Approve card says what the guard recorded")
                                    .doesNotContain("your friend Bob", "safe to approve")
                                    .contains("send 0.5 ETH on anvil", "moves: 0.5 ETH to " + PaymentRig.RECIPIENT);
                        }
                    }
                    // an id the guard has no payment of (one the hostile server made up) gets no card at all
                    telegram.userSays(100, "Please check pay_madeup1234");
                    awaitCount(telegram, 100, "Looked it up.", 2);
                    awaitTurnsDone(telegram, 100);
                    assertThat(telegram.sent)
                            .noneMatch(s ->
                                    !s.buttons().isEmpty() && s.buttons().get(0).contains("pay_madeup1234"));
                } finally {
                    bridge.destroy();
                    bridge.waitFor(10, TimeUnit.SECONDS);
                    bridge.destroyForcibly();
                }
            }
        }
    }

    private static FakeBotApi.Sent awaitQuestion(FakeBotApi telegram, String containing) throws InterruptedException {
        return telegram.await(
                () -> telegram.sent.stream()
                        .filter(s -> s.text().contains(containing)
                                && !s.buttons().isEmpty()
                                && s.buttons().get(0).startsWith("el:"))
                        .findFirst(),
                () -> "no question containing '" + containing + "'; sent: " + telegram.sent);
    }

    /**
     * Waits until the bot has finished every turn it took in a chat so far: it answers a chat's messages one after
     * another, so once a /status sent now is answered, everything before it is done.
     */
    private static void awaitTurnsDone(FakeBotApi telegram, long chat) throws InterruptedException {
        long answered = statusAnswers(telegram, chat);
        telegram.userSays(chat, "/status");
        telegram.await(
                () -> statusAnswers(telegram, chat) > answered,
                () -> "/status in " + chat + " was not answered; sent: " + telegram.sent);
    }

    private static long statusAnswers(FakeBotApi telegram, long chat) {
        return telegram.sent.stream()
                .filter(s -> s.chat() == chat && s.text().startsWith("This chat is linked to"))
                .count();
    }

    private static void awaitCount(FakeBotApi telegram, long chat, String text, int count) throws InterruptedException {
        telegram.await(
                () -> telegram.sent.stream()
                                .filter(m -> m.chat() == chat && m.text().contains(text))
                                .count()
                        >= count,
                () -> count + " messages to " + chat + " containing '" + text + "' expected; sent: " + telegram.sent);
    }

    /** The operator's environment for a bridge over this rig's server, the fake Bot API and the scripted model. */
    private static Map<String, String> bridgeEnvironment(PaymentRig rig, FakeBotApi telegram, ScriptedLlm llm) {
        Map<String, String> environment = rig.environment();
        environment.put("HAL9_TELEGRAM_BOT_TOKEN", TOKEN);
        environment.put("HAL9_FAMILIES_TELEGRAM_API__BASE", telegram.url);
        environment.put("HAL9_FAMILIES_TELEGRAM_POLL__SECONDS", "1");
        environment.put("HAL9_FAMILIES_TELEGRAM_SERVER__URL", rig.server.base() + "/mcp");
        environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
        return environment;
    }

    private static Process bridge(Map<String, String> environment) throws java.io.IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "bridge")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** The model: calls evm_send when asked to send, reports it waits; recaps the user's messages when asked. */
    private static ScriptedLlm.Answer script(JsonNode request) {
        JsonNode messages = request.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String text = last.path("content").asString("");
        if (last.path("role").asString().equals("tool") && text.contains("your friend Bob")) {
            return ScriptedLlm.Answer.say("Looked it up.");
        }
        if (last.path("role").asString().equals("tool") && text.contains("product(s)")) {
            return ScriptedLlm.Answer.say("Found them.");
        }
        if (last.path("role").asString().equals("tool") && text.contains("[an image, shown to the user]")) {
            return ScriptedLlm.Answer.say("Here is the picture.");
        }
        if (last.path("role").asString().equals("tool")) {
            return ScriptedLlm.Answer.say("I asked hal9 to send it. It waits for your approval: "
                    + text.lines().findFirst().orElse(""));
        }
        java.util.regex.Matcher check =
                java.util.regex.Pattern.compile("check (pay_[a-z0-9]+)").matcher(text);
        if (check.find()) {
            return ScriptedLlm.Answer.call("lookup_order", "{\"id\":\"" + check.group(1) + "\"}");
        }
        if (text.contains("fail")) {
            return ScriptedLlm.Answer.fail(500);
        }
        if (text.contains("picture")) {
            return ScriptedLlm.Answer.call("get-tiny-image", "{}");
        }
        if (text.contains("Find me")) {
            return ScriptedLlm.Answer.call("amazon_search", "{\"query\":\"iphone 15 case\"}");
        }
        java.util.regex.Matcher send = java.util.regex.Pattern.compile("send ([0-9.]+) ETH to (0x[0-9a-fA-F]{40})")
                .matcher(text);
        if (send.find()) {
            return ScriptedLlm.Answer.call(
                    "evm_send",
                    "{\"network\":\"anvil\",\"to\":\"" + send.group(2) + "\",\"amount\":\"" + send.group(1) + "\"}");
        }
        StringBuilder said = new StringBuilder("You said:");
        for (JsonNode message : messages) {
            if (message.path("role").asString().equals("user")) {
                said.append(" | ").append(message.path("content").asString());
            }
        }
        return ScriptedLlm.Answer.say(said.toString());
    }

    private static FakeBotApi.Sent awaitCard(FakeBotApi telegram, long chat, String containing)
            throws InterruptedException {
        return telegram.await(
                () -> telegram.sent.stream()
                        .filter(s -> s.chat() == chat
                                && s.text().contains(containing)
                                && !s.buttons().isEmpty())
                        .findFirst(),
                () -> "no approval card containing '" + containing + "'; sent: " + telegram.sent);
    }

    private static void awaitAnswer(FakeBotApi telegram, String containing) throws InterruptedException {
        telegram.await(
                () -> telegram.answers.stream().anyMatch(a -> a.contains(containing)),
                () -> "no button answer containing '" + containing + "'; answers: " + telegram.answers);
    }

    /**
     * Waits until the recipient holds {@code expected}, checking again on each block anvil mines: anvil announces
     * them on its WebSocket (eth_subscribe newHeads), so the wait ends with the block that paid.
     */
    private static void awaitBalance(Anvil anvil, BigInteger expected) throws Exception {
        BlockingQueue<String> announced = new LinkedBlockingQueue<>();
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(anvil.url.replaceFirst("^http", "ws")), new WebSocket.Listener() {
                    private final StringBuilder frame = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        frame.append(data);
                        if (last) {
                            announced.add(frame.toString());
                            frame.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(30, TimeUnit.SECONDS);
        try {
            socket.sendText(
                            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_subscribe\",\"params\":[\"newHeads\"]}",
                            true)
                    .get(30, TimeUnit.SECONDS);
            // the subscription's id: from here on every block is announced, so none is missed between checks
            assertThat(announced.poll(30, TimeUnit.SECONDS))
                    .as("anvil's eth_subscribe answer")
                    .contains("\"result\"");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!anvil.balance(PaymentRig.RECIPIENT).equals(expected)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || announced.poll(left, TimeUnit.NANOSECONDS) == null) {
                    break;
                }
            }
        } finally {
            socket.abort();
        }
        assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(expected);
    }
}
