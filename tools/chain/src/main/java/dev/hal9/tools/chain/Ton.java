package dev.hal9.tools.chain;

import dev.hal9.api.Guard;

/**
 * The chain family's TON payments for other families (paying a shop order in USDT, refunding it), published
 * through {@link dev.hal9.api.FamilyContext#publish}. Like {@link Evm}, it prepares intents; the guard gets them
 * approved and executes them through the chain family's settlement. Thread-safe.
 */
public interface Ton {

    /** The guard kind of a TON or jetton transfer. */
    String KIND = "ton.transfer";

    /**
     * A payment a tool wants to make.
     *
     * @param from the paying wallet, or null for the principal's only TON wallet
     * @param to the recipient (UQ…, EQ… or 0:hex)
     * @param amount whole units as a decimal string, e.g. "19.99"
     * @param comment a text comment the recipient sees, or null
     * @param token a jetton by configured symbol (e.g. USDT) or master address; null for TON
     * @param idempotencyKey the caller's key, or null
     */
    record Payment(String from, String to, String amount, String comment, String token, String idempotencyKey) {}

    /** Validates and prices a payment from the principal's wallet into an intent for the guard. */
    Guard.Intent prepare(String principal, Payment payment);

    /** The principal's TON wallet in non-bounceable form (their only one, or the requested one if theirs). */
    String wallet(String principal, String requested);

    /**
     * A TEP-74 jetton master as its {@code get_jetton_data} says, read through the configured toncenter API.
     *
     * @param address the master's address (UQ…, EQ… or 0:hex)
     * @throws dev.hal9.api.ToolException when the address is malformed, has no contract, or is not a jetton master
     */
    JettonMaster jettonMaster(String address);

    /**
     * A jetton master's data.
     *
     * @param address the master, bounceable (EQ…)
     * @param totalSupply the supply in the jetton's smallest units
     * @param mintable whether the master says more can be minted
     * @param admin the admin (bounceable), or null when there is none (renounced)
     * @param contentUri the off-chain metadata's URI, or null when the metadata is on chain
     */
    record JettonMaster(
            String address, java.math.BigInteger totalSupply, boolean mintable, String admin, String contentUri) {}
}
