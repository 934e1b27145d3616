package dev.hal9.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.errors.OpenAIIoException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a user reads when a model call fails, for the failures the providers' clients really throw. */
class ChatModelsTest {

    private static AgentSettings settings() throws IOException {
        return AgentSettings.load(
                null,
                Map.of(
                        "HAL9_FAMILIES_ORCHESTRATOR_TIMEOUT__SECONDS",
                        "2",
                        "XDG_CONFIG_HOME",
                        Files.createTempDirectory("hal9-chat-models").toString()),
                Map.of());
    }

    /**
     * The OpenAI client past its timeout, as it threw against a socket that never answered (the outer exception, then
     * OkHttp's "timeout", then what the cancelled call saw). The Telegram bridge's load test found the user told "the
     * model's API refused: Canceled" when OpenAI's model did not answer in time.
     */
    @Test
    void aModelThatDoesNotAnswerInTimeIsSaidToHaveTimedOut() throws IOException {
        for (IOException seen : new IOException[] {new SocketException("Socket closed"), new IOException("Canceled")}) {
            InterruptedIOException timeout = new InterruptedIOException("timeout");
            timeout.initCause(seen);
            OpenAIIoException failure = new OpenAIIoException("Request failed", timeout);

            assertThat(ChatModels.failures(settings(), "sk-secret").apply(failure))
                    .isEqualTo("the model did not answer within 2 s");
        }
    }
}
