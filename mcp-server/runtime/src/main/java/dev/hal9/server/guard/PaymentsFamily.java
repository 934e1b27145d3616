package dev.hal9.server.guard;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Guard;
import dev.hal9.api.Param;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import java.util.List;
import java.util.stream.Collectors;

/** {@code payment_status}: the caller's payments from the guard's ledger, whichever tool made them. Read-only. */
public final class PaymentsFamily implements ToolFamily {

    private final Guard guard;

    public PaymentsFamily(Guard guard) {
        this.guard = guard;
    }

    record Input(
            @Param(
                    value = "The payment's id (pay_...); omit to list your most recent payments.",
                    pattern = "^pay_[A-Za-z0-9]+$")
            String id,

            @Param(value = "How many recent payments to list.", minimum = 1, maximum = 100, defaultValue = "10")
            Integer limit) {}

    record Output(
            @Param("Your payments, newest first (one when an id was given).")
            List<PaymentView> payments) {}

    @Override
    public String name() {
        return "payments";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        return List.of(Tool.builder("payment_status", Input.class, Output.class)
                .title("Your payments")
                .description("Show one of your payments by id, or your most recent ones: whether each is pending "
                        + "(waiting for a person to approve), sent, reconciling (broadcast, outcome not known yet), "
                        + "confirmed, failed, declined or expired, with what it moves, its "
                        + "transaction hash and what to do next. Payments are made by tools such as evm_send; only "
                        + "a person can approve one, outside this conversation.")
                .kind(ToolKind.READ_ONLY)
                .capability("payments.read")
                .handler((input, call) -> {
                    if (input.id() != null) {
                        Guard.Payment payment = guard.find(call.principal(), input.id())
                                .orElseThrow(() -> ToolException.notFound(
                                        "payment", input.id(), "call payment_status without an id to list yours"));
                        return new Output(List.of(guard.view(payment)));
                    }
                    int limit = input.limit() == null ? 10 : input.limit();
                    return new Output(guard.recent(call.principal(), limit).stream()
                            .map(p -> guard.view(p))
                            .toList());
                })
                .render(output -> output.payments().isEmpty()
                        ? "no payments"
                        : output.payments().stream().map(PaymentView::render).collect(Collectors.joining("\n\n")))
                .view(View.PAYMENT)
                .build());
    }

    /** The payment preview, which also refreshes a payment through payment_status. */
    @Override
    public List<View> views(FamilyContext context) {
        return List.of(View.payment());
    }
}
