package dev.hal9.agent;

import com.google.genai.Client;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.google.genai.GoogleGenAiChatModel;
import org.springframework.ai.google.genai.GoogleGenAiChatOptions;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.ai.ollama.management.ModelManagementOptions;
import org.springframework.ai.ollama.management.PullModelStrategy;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the configured Spring AI chat model in code (no Spring Boot, no application context) from the settings and
 * the key in HAL9_LLM_API_KEY, and says in words what went wrong when a call to it fails. No provider retries: a
 * failed request becomes a reply the user can answer by trying again, as in hal9's first orchestrator.
 */
final class ChatModels {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final RetryTemplate NO_RETRIES = new RetryTemplate(RetryPolicy.withMaxRetries(0));

    private ChatModels() {}

    /**
     * @param apiKey the key, or null (a local model needs none; Spring AI then looks at the provider's own variable)
     */
    static ChatModel create(AgentSettings settings, String apiKey) {
        String key = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        return switch (settings.provider()) {
            case OPENAI ->
                OpenAiChatModel.builder()
                        .options(OpenAiChatOptions.builder()
                                .baseUrl(settings.baseUrl())
                                // a local OpenAI-compatible server needs no key, but openai-java refuses to start
                                // without one (and would read OPENAI_API_KEY): a placeholder such servers ignore
                                .apiKey(key != null ? key : "no-key")
                                .model(settings.model())
                                .timeout(settings.timeout())
                                .maxRetries(0)
                                .build())
                        .build();
            case ANTHROPIC ->
                AnthropicChatModel.builder()
                        .options(AnthropicChatOptions.builder()
                                // hal9's setting names the API's /v1 (as its first orchestrator did); the SDK adds it
                                .baseUrl(withoutSuffix(settings.baseUrl(), "/v1"))
                                .apiKey(key)
                                .model(settings.model())
                                .maxTokens(settings.maxTokens())
                                .timeout(settings.timeout())
                                .maxRetries(0)
                                .build())
                        .build();
            case OLLAMA -> {
                JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                        .connectTimeout(settings.timeout())
                        .build());
                requests.setReadTimeout(settings.timeout());
                RestClient.Builder rest = RestClient.builder().requestFactory(requests);
                if (key != null) {
                    // a local Ollama ignores it; Ollama's cloud and the proxies in front of it want a bearer key
                    rest.defaultHeader("Authorization", "Bearer " + key);
                }
                yield OllamaChatModel.builder()
                        .ollamaApi(OllamaApi.builder()
                                .baseUrl(settings.baseUrl())
                                .restClientBuilder(rest)
                                .build())
                        .options(OllamaChatOptions.builder()
                                .model(settings.model())
                                .build())
                        .modelManagementOptions(ModelManagementOptions.builder()
                                .pullModelStrategy(PullModelStrategy.NEVER)
                                .build())
                        .retryTemplate(NO_RETRIES)
                        .build();
            }
            case GOOGLE -> {
                Client.Builder client = Client.builder()
                        .vertexAI(false)
                        .httpOptions(HttpOptions.builder()
                                .baseUrl(settings.baseUrl())
                                .timeout(Math.toIntExact(settings.timeout().toMillis()))
                                .retryOptions(
                                        HttpRetryOptions.builder().attempts(1).build())
                                .build());
                if (key != null) {
                    client.apiKey(key);
                }
                yield GoogleGenAiChatModel.builder()
                        .genAiClient(client.build())
                        .options(GoogleGenAiChatOptions.builder()
                                .model(settings.model())
                                .build())
                        .retryTemplate(NO_RETRIES)
                        .build();
            }
        };
    }

    /**
     * What went wrong with a model call, for the user: a timeout, an API that could not be reached, or the API's own
     * refusal (its first line, without exception class names). The key never appears in it.
     */
    static Function<RuntimeException, String> failures(AgentSettings settings, String apiKey) {
        return failure -> {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                // OkHttp (OpenAI's and Anthropic's SDKs) ends a call past its timeout with an InterruptedIOException
                // "timeout", over "Socket closed" or "Canceled"; SocketTimeoutException is one too
                if (cause instanceof InterruptedIOException
                        || cause instanceof HttpTimeoutException
                        || cause instanceof TimeoutException
                        || cause.getClass().getSimpleName().contains("Timeout")) {
                    return "the model did not answer within "
                            + settings.timeout().toSeconds() + " s";
                }
                if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                    return "the model's API at " + settings.baseUrl() + " could not be reached";
                }
            }
            // the innermost message is the API's own ("503 . scripted failure"); the outer ones are the wrappers'
            // ("Failed to generate content")
            String said = null;
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                String message = cause.getMessage();
                if (message != null && !message.isBlank()) {
                    said = message;
                }
            }
            if (said == null) {
                return "the model's API failed";
            }
            // a wrapped exception's message starts with the cause's class name: users need the words, not the class
            said = said.lines().findFirst().orElse("").replaceAll("\\b(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*: ", "");
            if (apiKey != null && !apiKey.isBlank()) {
                said = said.replace(apiKey.strip(), "[key]");
            }
            return refusal(said);
        };
    }

    /** {@code 503}, then an optional reason phrase ending in a full stop, then the rest. */
    private static final Pattern STATUS = Pattern.compile("^(\\d{3})\\b[\\s:-]*(?:[A-Z][A-Za-z ]+\\.\\s+)?(.*)$");

    /**
     * The SDKs word an HTTP refusal each their own way ({@code 401: message}, {@code 529: {json}}, {@code 404 -
     * {json}}, {@code 503 Service Unavailable. message}): one wording, as hal9's first orchestrator had it, with the
     * API's own message taken out of its JSON error.
     */
    private static String refusal(String said) {
        Matcher status = STATUS.matcher(said);
        String code = null;
        String message = said;
        if (status.matches()) {
            code = status.group(1);
            message = status.group(2);
        }
        int json = message.indexOf('{');
        if (json >= 0) {
            try {
                JsonNode error = JSON.readTree(message.substring(json)).path("error");
                String text = error.isString()
                        ? error.asString()
                        : error.path("message").asString("");
                if (!text.isBlank()) {
                    message = text;
                }
            } catch (RuntimeException notJson) {
                // keep the words as they came
            }
        }
        message = message.length() > 300 ? message.substring(0, 300) + "..." : message;
        return code == null
                ? "the model's API refused: " + message
                : "the model's API refused (HTTP " + code + "): " + (message.isBlank() ? "no message" : message);
    }

    /**
     * How a tool's text result is handed to the model. Gemini's functionResponse.response is a JSON object, and
     * Spring AI's Gemini model parses the result as JSON (wrapping a non-object in {@code {"result": ...}}), so for
     * Google the text goes as a JSON string; the other APIs take the text itself.
     */
    static UnaryOperator<String> toolResultEncoding(AgentSettings.Provider provider) {
        if (provider != AgentSettings.Provider.GOOGLE) {
            return UnaryOperator.identity();
        }
        return JSON::writeValueAsString;
    }

    private static String withoutSuffix(String url, String suffix) {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return trimmed.endsWith(suffix) ? trimmed.substring(0, trimmed.length() - suffix.length()) : trimmed;
    }
}
