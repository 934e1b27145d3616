package dev.hal9.tools.browser;

import com.microsoft.playwright.PlaywrightException;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;

/**
 * browser_evaluate: run JavaScript in the page. Script can do anything the page can (submit forms, spend), so
 * the tool is destructive and its capability, {@code browser.evaluate}, is off until the operator enables it.
 */
final class EvaluateTools {

    record Input(
            @Param(value = "The session handle (bs_...).", required = true, maxLength = 40)
            String session,

            @Param(
                    value = "A JavaScript expression, or a function such as () => document.title; with ref, a "
                            + "function that receives the element.",
                    required = true,
                    maxLength = 20_000)
            String script,

            @Param(value = "An element (ref from the snapshot) passed to the function.", maxLength = 20)
            String ref,

            @Param(
                    value = "How long the script may run, in milliseconds (1000 to 60000).",
                    defaultValue = "10000",
                    minimum = 1000,
                    maximum = 60_000)
            Integer timeoutMs) {}

    record Output(
            @Param("The script's result as JSON text (undefined becomes null).")
            String result,

            @Param(value = "The page's URL afterwards.", format = "uri")
            String url) {}

    /** Made on first use, not while the server lists its tools. */
    private static final class Mapper {
        static final tools.jackson.databind.json.JsonMapper JSON =
                tools.jackson.databind.json.JsonMapper.builder().build();
    }

    private EvaluateTools() {}

    static Tool<Input, Output> tool(Browsing browsing) {
        return Tool.builder("browser_evaluate", Input.class, Output.class)
                .title("Run JavaScript in the page")
                .description("Run JavaScript in the active tab of a browser session and return its result as JSON. "
                        + "Prefer browser_extract and browser_interact: they are safer and cheaper. Off unless the "
                        + "operator enables the browser.evaluate capability.")
                .kind(ToolKind.DESTRUCTIVE)
                .capability("browser.evaluate")
                .handler((input, call) -> browsing.with(
                                call,
                                input.session(),
                                input.timeoutMs() == null ? 10_000 : input.timeoutMs(),
                                session -> {
                                    Object result;
                                    try {
                                        result = input.ref() == null
                                                ? session.page().evaluate(input.script())
                                                : InteractTools.target(session.page(), input.ref(), null)
                                                        .evaluate(input.script());
                                    } catch (PlaywrightException e) {
                                        throw new ToolException(
                                                "the script failed: " + BrowserPool.firstLine(e.getMessage()));
                                    }
                                    // browsing.with masks passwords in the result, however the script got them
                                    return new Output(
                                            Mapper.JSON.writeValueAsString(result),
                                            session.page().url());
                                })
                        .value())
                .render(output -> output.result())
                .build();
    }
}
