package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * 100 linked users writing at once, each answered from their own conversation; a chat over its rate is asked to
 * slow down; a model that times out gets a friendly reply. The bridge, the packaged server and the scripted model
 * are real processes and sockets; only Telegram and the LLM are stand-ins.
 */
class TelegramLoadTest {

    private static final String TOKEN = "777:load-test-token";
    private static final int USERS = 100;

    @Test
    void aHundredUsersAtOnceEachGetTheirOwnAnswer() throws Exception {
        // the slow answer is held until the bridge has given up on it, so nothing here waits for time to pass
        CountDownLatch gaveUp = new CountDownLatch(1);
        try (FakeBotApi telegram = new FakeBotApi(TOKEN);
                ScriptedLlm llm = new ScriptedLlm(request -> script(request, gaveUp))) {
            Path home = PackagedServer.newHome();
            Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
            try (PackagedServer server = PackagedServer.http(home, environment, "--auth", "token")) {
                environment.put("HAL9_TELEGRAM_BOT_TOKEN", TOKEN);
                environment.put("HAL9_FAMILIES_TELEGRAM_API__BASE", telegram.url);
                environment.put("HAL9_FAMILIES_TELEGRAM_POLL__SECONDS", "1");
                environment.put("HAL9_FAMILIES_TELEGRAM_RATE__PER__MINUTE", "10");
                environment.put("HAL9_FAMILIES_TELEGRAM_SERVER__URL", server.base() + "/mcp");
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_BASE__URL", llm.url);
                List<String> link = new ArrayList<>(List.of(
                        PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "telegram", "link"));
                for (int i = 1; i <= USERS; i++) {
                    link.add("--principal");
                    link.add("user" + i);
                }
                Peers.Result codes = Peers.run(link, environment, Duration.ofSeconds(60));
                assertThat(codes.exit()).as(codes.stderr()).isZero();
                Map<String, String> codeOf = new HashMap<>();
                codes.stdout().lines().map(l -> l.split(" ")).forEach(p -> codeOf.put(p[0], p[1]));
                assertThat(codeOf).hasSize(USERS);

                // the hundred turns at once under the model's default timeout (60 s): with 2 s, or 5, some of them
                // met it in one agent process on a busy machine
                Bridge first = Bridge.start(environment);
                try {
                    for (int i = 1; i <= USERS; i++) {
                        telegram.userSays(1000 + i, "/start " + codeOf.get("user" + i));
                    }
                    for (int i = 1; i <= USERS; i++) {
                        telegram.awaitSent(1000 + i, "belongs to user" + i + ".");
                    }
                    for (int i = 1; i <= USERS; i++) {
                        telegram.userSays(1000 + i, "I am user number " + i);
                    }
                    for (int i = 1; i <= USERS; i++) {
                        FakeBotApi.Sent answer = telegram.awaitSent(1000 + i, "You said:", Duration.ofSeconds(120));
                        assertThat(answer.text()).endsWith("| I am user number " + i);
                    }
                } finally {
                    first.close();
                }

                // the bridge again, with a model timeout of 2 s, for a model that does not answer in time
                environment.put("HAL9_FAMILIES_ORCHESTRATOR_TIMEOUT__SECONDS", "2");
                Bridge second = Bridge.start(environment);
                try {
                    // a friendly reply, and the chat goes on
                    telegram.userSays(1001, "please be slow");
                    telegram.awaitSent(1001, "did not answer within 2 s");
                    gaveUp.countDown();

                    // one chat writing too fast is asked to slow down; the others are not affected
                    for (int n = 0; n < 12; n++) {
                        telegram.userSays(1002, "/status");
                    }
                    telegram.awaitSent(1002, "faster than I can work");
                    telegram.userSays(1003, "/status");
                    telegram.awaitSent(1003, "linked to user3");
                } finally {
                    gaveUp.countDown();
                    second.close();
                }
            }
        }
    }

    /** {@code hal9 bridge} in a process of its own, as an operator runs it next to the server. */
    private record Bridge(Process process, Peers.Drain output) implements AutoCloseable {

        /** Starts it and waits until it polls: on a busy machine a JVM's start alone can take most of 30 s. */
        static Bridge start(Map<String, String> environment) throws Exception {
            ProcessBuilder builder = new ProcessBuilder(
                            PackagedServer.java(), "-jar", PackagedServer.jar().toString(), "bridge")
                    .redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            Bridge bridge = new Bridge(process, Peers.drain(process.getInputStream()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!bridge.output().text().contains("hal9 bridge polling")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    bridge.close();
                    throw new AssertionError("the bridge did not start polling: "
                            + bridge.output().text());
                }
                Thread.sleep(50);
            }
            return bridge;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Echoes the user's messages so far; asked to be slow, answers only once the bridge has given up waiting
     * ({@code gaveUp}, counted down by the test when the bridge's timeout reply arrived).
     */
    private static ScriptedLlm.Answer script(JsonNode request, CountDownLatch gaveUp) {
        JsonNode messages = request.path("messages");
        String last = messages.get(messages.size() - 1).path("content").asString("");
        if (last.contains("slow")) {
            try {
                gaveUp.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ScriptedLlm.Answer.say("late");
        }
        StringBuilder said = new StringBuilder("You said:");
        for (JsonNode message : messages) {
            if (message.path("role").asString().equals("user")) {
                said.append(" | ").append(message.path("content").asString());
            }
        }
        return ScriptedLlm.Answer.say(said.toString());
    }
}
