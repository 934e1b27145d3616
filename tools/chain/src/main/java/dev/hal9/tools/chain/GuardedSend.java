package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.Param;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import java.util.function.BiFunction;

/**
 * The shape every sending tool of this family shares: validate and simulate the input into an intent, hand it
 * to the guard, return the payment with the guard's advice. Destructive, capability {@code chain.write}; shown in
 * {@link View#payment()}.
 */
final class GuardedSend {

    record Result(
            @Param("The payment as the guard recorded it.") PaymentView payment) {}

    private GuardedSend() {}

    /**
     * @param prepare turns the input and the caller's principal id into an intent, or throws a ToolException
     */
    static <I extends Record> Tool<I, Result> tool(
            String name,
            Class<I> input,
            String title,
            String description,
            Guard guard,
            BiFunction<I, String, Guard.Intent> prepare) {
        return Tool.builder(name, input, Result.class)
                .title(title)
                .description(description)
                .kind(ToolKind.DESTRUCTIVE)
                .capability("chain.write")
                .handler((in, call) -> {
                    Guard.Payment payment = guard.submit(
                            call, prepare.apply(in, call.principal().id()));
                    return new Result(guard.view(payment));
                })
                .render(output -> output.payment().render())
                .view(View.PAYMENT)
                .build();
    }
}
