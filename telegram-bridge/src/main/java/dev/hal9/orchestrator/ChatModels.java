package dev.hal9.orchestrator;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/** Builds the configured chat model from {@code families.orchestrator.*} settings and the key in the environment. */
public final class ChatModels {

    private ChatModels() {}

    /**
     * @param setting reads {@code families.orchestrator.<key>}
     * @param apiKey the key from HAL9_LLM_API_KEY, or null
     */
    public static ChatModel from(Function<String, Optional<String>> setting, String apiKey) {
        String provider = setting.apply("provider").orElse("openai");
        Duration timeout = Duration.ofSeconds(
                Long.parseLong(setting.apply("timeout-seconds").orElse("60")));
        return switch (provider) {
            case "openai" ->
                new OpenAiCompatible(
                        setting.apply("base-url").orElse("https://api.openai.com/v1"),
                        setting.apply("model").orElse("gpt-4o-mini"),
                        apiKey,
                        timeout);
            case "anthropic" ->
                new Anthropic(
                        setting.apply("base-url").orElse("https://api.anthropic.com/v1"),
                        setting.apply("model").orElse("claude-sonnet-4-5"),
                        apiKey,
                        timeout,
                        Integer.parseInt(setting.apply("max-tokens").orElse("2048")));
            default ->
                throw new IllegalArgumentException("families.orchestrator.provider is '" + provider
                        + "'; it is openai (OpenAI and every compatible API) or anthropic");
        };
    }
}
