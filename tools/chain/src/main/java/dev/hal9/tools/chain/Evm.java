package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;

/**
 * The chain family's EVM access for other families (contract deployment and calls), published through
 * {@link dev.hal9.api.FamilyContext#publish}: the networks the operator configured, the caller's wallets, reads,
 * and transactions prepared for the guard. Nothing here signs or sends: a prepared {@link Guard.Intent} of kind
 * {@link #CONTRACT_KIND} is handed to the guard, which gets it approved and executes it through the chain
 * family's settlement. Thread-safe.
 */
public interface Evm {

    /** The guard kind of a contract creation or contract call. */
    String CONTRACT_KIND = "evm.contract";

    /** A network as configured: {@code ethereum}, {@code polygon}, ... */
    record Network(String name, long chainId, String symbol) {}

    /** The network by name; a {@link ToolException} naming the known ones when there is none. */
    Network network(String name);

    /**
     * The caller's sending wallet: the requested address when it is theirs, or their only EVM wallet when none
     * is requested; otherwise a {@link ToolException} saying what to do.
     */
    String sender(String principal, String requested);

    /** An address checked (0x + 40 hex, a valid EIP-55 checksum when mixed case), in checksum form. */
    String address(String address, String argument);

    /**
     * {@code eth_call} at the latest block; returns the result data (0x...).
     *
     * @throws Reverted when the call reverts
     */
    String call(String network, String from, String to, String data);

    /** The runtime bytecode at an address (0x when there is none). */
    String code(String network, String address);

    /** The latest block's number. */
    long blockNumber(String network);

    /** The native balance of an address at the latest block, in wei. */
    BigInteger balance(String network, String address);

    /** One 32-byte storage slot of a contract at the latest block (0x + 64 hex). */
    String storageAt(String network, String address, String slot);

    /**
     * {@code eth_call} at the latest block with native value and state overrides (an address's balance or code
     * replaced for this call only), for simulations that need funds or code the chain does not have.
     *
     * @throws Reverted when the call reverts
     */
    String call(
            String network,
            String from,
            String to,
            String data,
            BigInteger value,
            Map<String, StateOverride> overrides);

    /** A state override of {@link #call(String, String, String, String, BigInteger, Map)}; a null field is kept. */
    record StateOverride(BigInteger balance, String code) {}

    /**
     * The logs of {@code address} in the block range (inclusive) whose first topic is one of {@code topic0}; the
     * node may refuse a range too wide or too full, as a {@link ToolException} saying so.
     */
    java.util.List<Log> logs(
            String network, String address, java.util.List<String> topic0, long fromBlock, long toBlock);

    /** A log entry: the emitting contract, its topics and data, and where it was mined. */
    record Log(String address, java.util.List<String> topics, String data, long blockNumber, String transactionHash) {}

    /**
     * Several calls in sequence on one simulated block at the latest state ({@code eth_simulateV1}), each seeing the
     * effects of the ones before; empty when the node does not offer it.
     */
    Optional<java.util.List<Simulated>> simulate(String network, java.util.List<SimulatedCall> calls);

    /** A call of {@link #simulate}. */
    record SimulatedCall(String from, String to, String data) {}

    /** A simulated call's outcome: whether it succeeded, what it returned and the logs it emitted. */
    record Simulated(boolean success, String returnData, java.util.List<Log> logs) {}

    /**
     * The calls a call would make, flattened in the order they start ({@code debug_traceCall} with the call tracer),
     * the outer call first; empty when the node offers no tracing.
     */
    Optional<java.util.List<Frame>> trace(String network, String from, String to, String data);

    /** One call frame of {@link #trace}: CALL, STATICCALL, DELEGATECALL, CREATE, ...; its depth from 0. */
    record Frame(String type, String from, String to, String input, int depth, boolean reverted) {}

    /**
     * The account and transaction that created a contract, when the node can say ({@code ots_getContractCreator},
     * else a search of the code's first block and that block's creations); empty when it cannot.
     */
    Optional<Creation> creation(String network, String address);

    /** A contract's creator and the creating transaction. */
    record Creation(String creator, String transactionHash, long blockNumber) {}

    /** The receipt of a mined transaction; empty while it is pending or unknown. */
    Optional<Receipt> receipt(String network, String hash);

    /**
     * Validates and simulates (eth_estimateGas) a contract creation ({@code to} null) or call into an intent for
     * the guard. Its amount is the most the sender can lose: the value plus the gas at the fee limit, in the
     * network's native asset, so that gas counts against the operator's limits.
     *
     * @throws Reverted when the simulation reverts
     */
    Guard.Intent prepare(String principal, Transaction transaction);

    /**
     * A transaction a model asked for.
     *
     * @param network the network's name
     * @param from the sender, or null for the caller's only wallet
     * @param to the contract called, or null to create one
     * @param data the call data or the creation code with its encoded constructor arguments (0x...)
     * @param value the native value sent along, in wei
     * @param summary one line a person reads before approving
     * @param preview facts shown with the summary (the fee and gas are added)
     * @param idempotencyKey the caller's key, or null
     */
    record Transaction(
            String network,
            String from,
            String to,
            String data,
            BigInteger value,
            String summary,
            Map<String, String> preview,
            String idempotencyKey) {}

    /** A mined transaction's receipt. {@code contractAddress} is set for a creation. */
    record Receipt(String hash, boolean success, String contractAddress, long gasUsed, long blockNumber) {}

    /** A call or simulation reverted; {@link #data} is the revert data (0x...) for decoding against an ABI. */
    final class Reverted extends ToolException {
        private static final long serialVersionUID = 1L;

        /** The revert data, 0x when the node gave none. */
        public final String data;

        /** The node's own words. */
        public final String reason;

        public Reverted(String message, String reason, String data) {
            super(message);
            this.reason = reason;
            this.data = data;
        }
    }
}
