package dev.hal9.bridge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the bot needs from the rest of hal9 for a linked user: a conversation turn with the agent, a fresh
 * conversation, and a person's decision on a payment the guard holds. The decision goes to the guard, never to
 * the model.
 */
public interface Agent {

    /** A payment the guard holds for a person, as a tool result named it; the card reads the guard's own record. */
    record Pending(String id, String summary) {}

    /**
     * An image a tool returned, to show the user: its bytes (a screenshot), or the address of a picture a result
     * named (a product's image URL).
     */
    record Image(byte[] data, String mimeType, String url) {}

    /** What a turn produced: the reply to show, payments waiting for the user's decision, and images. */
    record Turn(String reply, List<Pending> pending, List<Image> images) {}

    /** A turn; {@code progress} hears what each step does, for a draft the user watches. */
    Turn turn(String principal, String text, Consumer<String> progress);

    void reset(String principal);

    /** Calls one of hal9's tools for the principal directly (no model), returning its text; for /wallet etc. */
    String tool(String principal, String name, Map<String, Object> arguments);

    /**
     * One of the principal's payments as the guard recorded it, for the approval card: empty when the guard has no
     * such payment of theirs. The card is built from this, never from what a tool result said about the payment
     * (any MCP server the agent uses could dress a real payment id in a false summary).
     */
    Optional<Payment> payment(String principal, String paymentId);

    /** A payment as the guard recorded it: its state, summary, what it moves, and the preview. */
    record Payment(String id, String state, String summary, List<String> moves, Map<String, String> preview) {}

    /**
     * Approves or declines one of the principal's pending payments through the guard.
     *
     * @return what to tell the person, e.g. "Approved: send 0.05 ETH ..."
     */
    String decide(String principal, String paymentId, boolean approve);
}
