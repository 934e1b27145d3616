package dev.hal9.bridge;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import java.time.Duration;
import java.util.List;

/**
 * {@code telegram_send}: a message to the Telegram chat linked to the calling principal. The bot token comes from
 * the environment ({@code HAL9_TELEGRAM_BOT_TOKEN}), never from a tool argument or the config file.
 */
public final class TelegramFamily implements ToolFamily {

    record SendInput(
            @Param(
                    value = "The message; longer than 4,096 characters is sent as several messages.",
                    required = true,
                    maxLength = 20_000)
            String text,

            @Param(
                    value = "An image to send with it: one of hal9's image resources (e.g. a screenshot a browser or "
                            + "shopping tool returned, hal9://...).",
                    pattern = "^hal9://.+",
                    maxLength = 500)
            String image) {}

    record SendOutput(
            @Param("The Telegram message ids sent.") List<Long> messageIds,
            @Param("How many messages the text took.") int parts) {}

    /** {@code hal9 telegram link|refund} and {@code hal9 bridge}, the bot itself. */
    @Override
    public List<Object> commands(java.util.function.Supplier<FamilyContext> context) {
        return TelegramCommands.all(context);
    }

    @Override
    public String name() {
        return "telegram";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        Links links = new Links(context.state());
        String base = TelegramSettings.from(context).apiBase();
        return List.of(Tool.builder("telegram_send", SendInput.class, SendOutput.class)
                .title("Message me on Telegram")
                .description("Send a message to the Telegram chat linked to you (the user linked it with the bot's "
                        + "/start CODE). Use it to report results or ask the user to look at something.")
                .kind(ToolKind.ACTION)
                .capability("telegram.send")
                .handler((input, call) -> {
                    if (input.text().isBlank()) {
                        throw ToolException.badArgument("text", "is empty");
                    }
                    String principal = call.principal().id();
                    long chat = links.chatOf(principal)
                            .orElseThrow(() -> new ToolException("no Telegram chat is linked to " + principal
                                    + ": the operator runs 'hal9 telegram link " + "--principal " + principal
                                    + "', and the user sends /start CODE to the bot"));
                    String token = System.getenv("HAL9_TELEGRAM_BOT_TOKEN");
                    if (token == null || token.isBlank()) {
                        throw new ToolException("this server has no Telegram bot: the operator sets "
                                + "HAL9_TELEGRAM_BOT_TOKEN (from BotFather) in its environment");
                    }
                    BotApi api = new BotApi(base, token, Duration.ofSeconds(10));
                    try {
                        if (input.image() != null && !input.image().isBlank()) {
                            dev.hal9.api.Resource.Content image = context.readResource(input.image(), call).stream()
                                    .filter(c -> c.bytes() != null
                                            && c.mimeType() != null
                                            && c.mimeType().startsWith("image/"))
                                    .findFirst()
                                    .orElseThrow(() ->
                                            ToolException.badArgument("image", input.image() + " is not an image"));
                            List<Long> ids = new java.util.ArrayList<>();
                            if (input.text().length() <= 1024) {
                                ids.add(api.sendPhoto(chat, image.bytes(), image.mimeType(), input.text()));
                            } else {
                                ids.addAll(api.sendMessage(chat, input.text()));
                                ids.add(api.sendPhoto(chat, image.bytes(), image.mimeType(), null));
                            }
                            return new SendOutput(ids, ids.size());
                        }
                        List<Long> ids = api.sendMessage(chat, input.text());
                        return new SendOutput(ids, ids.size());
                    } catch (BotApi.TelegramException e) {
                        throw new ToolException(e.getMessage()
                                + (e.code == 403
                                        ? "; the user may have blocked the bot (they can /start it again)"
                                        : ""));
                    }
                })
                .render(o -> "sent (" + o.parts() + " message" + (o.parts() == 1 ? "" : "s") + ")")
                .build());
    }
}
