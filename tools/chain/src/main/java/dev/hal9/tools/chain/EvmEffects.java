package dev.hal9.tools.chain;

import dev.hal9.api.Guard.Effect;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.web3j.crypto.Hash;

/**
 * What a contract creation or call would move out of the sender's wallet, or let others move: the native value,
 * the fee, and every token transfer and approval from the sender that a simulation of the call shows (ERC-20,
 * ERC-721 and ERC-1155 events), merged with what the call data says when it is one of the standard token functions
 * (so a token that emits no event is still priced). The simulation is {@code eth_simulateV1}, else {@code
 * debug_traceCall} with logs; when the node offers neither, the effects are not determined and the payment never
 * approves by policy. Stateless.
 */
final class EvmEffects {

    /** An approval this large (or larger) is unlimited: the uint96, uint160 and uint256 "infinite" conventions. */
    static final BigInteger UNLIMITED = BigInteger.TWO.pow(96).subtract(BigInteger.ONE);

    private static final String TRANSFER = topic("Transfer(address,address,uint256)");
    private static final String APPROVAL = topic("Approval(address,address,uint256)");
    private static final String APPROVAL_FOR_ALL = topic("ApprovalForAll(address,address,bool)");
    private static final String TRANSFER_SINGLE = topic("TransferSingle(address,address,address,uint256,uint256)");
    private static final String TRANSFER_BATCH = topic("TransferBatch(address,address,address,uint256[],uint256[])");
    /** The pseudo-address some simulators log native transfers under; the value is counted from the call itself. */
    private static final String NATIVE_PSEUDO = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

    private static final String SEL_TRANSFER = selector("transfer(address,uint256)");
    private static final String SEL_TRANSFER_FROM = selector("transferFrom(address,address,uint256)");
    private static final String SEL_APPROVE = selector("approve(address,uint256)");
    private static final String SEL_INCREASE = selector("increaseAllowance(address,uint256)");
    private static final String SEL_PERMIT = selector("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)");
    private static final String SEL_FOR_ALL = selector("setApprovalForAll(address,bool)");
    private static final String SEL_SAFE_721 = selector("safeTransferFrom(address,address,uint256)");
    private static final String SEL_SAFE_721_DATA = selector("safeTransferFrom(address,address,uint256,bytes)");
    private static final String SEL_SAFE_1155 = selector("safeTransferFrom(address,address,uint256,uint256,bytes)");
    private static final String SEL_BATCH_1155 =
            selector("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)");

    /** The effects found, whether a simulation saw them, and how they were found (for the person approving). */
    record Found(List<Effect> effects, boolean determined, String how) {}

    private EvmEffects() {}

    /**
     * @param to the contract called, or null for a creation
     * @param fee the most the transaction can pay in fees, in wei
     */
    static Found of(
            EvmRpc rpc,
            EvmNetworks.Network network,
            String from,
            String to,
            String data,
            BigInteger value,
            BigInteger fee) {
        Tokens tokens = new Tokens(rpc, network);
        Map<String, Effect> effects = new LinkedHashMap<>();
        sum(effects, Effect.fee(network.symbol(), 18, fee));
        if (value.signum() > 0) {
            sum(effects, Effect.transfer(network.symbol(), 18, value, to == null ? "the new contract" : to));
        }
        Optional<List<Log>> logs = simulate(rpc, from, to, data, value);
        String sender = from.toLowerCase(Locale.ROOT);
        if (logs.isPresent()) {
            for (Log log : logs.get()) {
                fromLog(log, sender, tokens).forEach(e -> sum(effects, e));
            }
        }
        if (to != null) {
            // events and call data describe the same movement: the larger of the two prices it
            Map<String, Effect> declared = new LinkedHashMap<>();
            fromCallData(to, data, sender, tokens, rpc).forEach(e -> sum(declared, e));
            declared.forEach((key, effect) -> effects.merge(key, effect, EvmEffects::larger));
        }
        String how = logs.isPresent()
                ? "simulated (" + logs.get().size() + " event(s) read)"
                : "not simulated: the RPC offers neither eth_simulateV1 nor debug_traceCall, so what the call moves "
                        + "is not known in full; a person must check it";
        return new Found(List.copyOf(effects.values()), logs.isPresent(), how);
    }

    private static String key(Effect effect) {
        return effect.asset().toLowerCase(Locale.ROOT) + "|" + effect.kind() + "|"
                + String.valueOf(effect.counterparty()).toLowerCase(Locale.ROOT);
    }

    /** Adds an effect to those on the same asset, of the same kind, with the same counterparty. */
    private static void sum(Map<String, Effect> effects, Effect effect) {
        effects.merge(
                key(effect),
                effect,
                (a, b) -> new Effect(
                        a.asset(),
                        a.decimals(),
                        a.kind() == Effect.Kind.APPROVAL
                                ? a.amount().max(b.amount())
                                : a.amount().add(b.amount()),
                        a.kind(),
                        a.counterparty(),
                        a.unlimited() || b.unlimited()));
    }

    private static Effect larger(Effect a, Effect b) {
        return new Effect(
                a.asset(),
                a.decimals(),
                a.amount().max(b.amount()),
                a.kind(),
                a.counterparty(),
                a.unlimited() || b.unlimited());
    }

    // ---- from a simulation

    record Log(String address, List<String> topics, String data) {}

    /** The call's event logs from a simulation, or empty when the node cannot simulate it. */
    @SuppressWarnings("unchecked")
    static Optional<List<Log>> simulate(EvmRpc rpc, String from, String to, String data, BigInteger value) {
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("from", from);
        if (to != null) {
            call.put("to", to);
        }
        call.put("data", data);
        call.put("value", "0x" + value.toString(16));
        try {
            Object result = rpc.call(
                    "eth_simulateV1",
                    List.of(
                            Map.of("blockStateCalls", List.of(Map.of("calls", List.of(call))), "validation", false),
                            "latest"));
            if (result instanceof List<?> blocks
                    && !blocks.isEmpty()
                    && blocks.get(0) instanceof Map<?, ?> block
                    && block.get("calls") instanceof List<?> calls
                    && !calls.isEmpty()
                    && calls.get(0) instanceof Map<?, ?> first) {
                if (!"0x1".equals(first.get("status"))) {
                    return Optional.empty(); // it would revert here though estimateGas passed: not determined
                }
                List<Log> logs = new ArrayList<>();
                if (first.get("logs") instanceof List<?> list) {
                    list.forEach(l -> logs.add(log((Map<String, Object>) l)));
                }
                return Optional.of(logs);
            }
        } catch (RuntimeException e) {
            // not offered (method not found), or not for this call: try the tracer
        }
        try {
            Object trace = rpc.call(
                    "debug_traceCall",
                    List.of(call, "latest", Map.of("tracer", "callTracer", "tracerConfig", Map.of("withLog", true))));
            if (trace instanceof Map<?, ?> frame && frame.get("error") == null) {
                List<Log> logs = new ArrayList<>();
                collect((Map<String, Object>) frame, logs);
                return Optional.of(logs);
            }
        } catch (RuntimeException e) {
            // neither is offered
        }
        return Optional.empty();
    }

    /** A frame's logs and those of its sub-calls that did not revert (a reverted frame's logs never happen). */
    @SuppressWarnings("unchecked")
    private static void collect(Map<String, Object> frame, List<Log> logs) {
        if (frame.get("error") != null) {
            return;
        }
        if (frame.get("logs") instanceof List<?> list) {
            list.forEach(l -> logs.add(log((Map<String, Object>) l)));
        }
        if (frame.get("calls") instanceof List<?> calls) {
            calls.forEach(c -> collect((Map<String, Object>) c, logs));
        }
    }

    private static Log log(Map<String, Object> raw) {
        List<String> topics = new ArrayList<>();
        if (raw.get("topics") instanceof List<?> list) {
            list.forEach(t -> topics.add(String.valueOf(t).toLowerCase(Locale.ROOT)));
        }
        return new Log(
                String.valueOf(raw.get("address")).toLowerCase(Locale.ROOT),
                topics,
                String.valueOf(raw.getOrDefault("data", "0x")));
    }

    private static List<Effect> fromLog(Log log, String sender, Tokens tokens) {
        if (log.topics().isEmpty() || log.address().equals(NATIVE_PSEUDO)) {
            return List.of();
        }
        String event = log.topics().get(0);
        List<String> t = log.topics();
        byte[] data = bytes(log.data());
        if (event.equals(TRANSFER) && t.size() == 3 && address(t.get(1)).equals(sender) && data.length >= 32) {
            return List.of(tokens.fungible(log.address(), word(data, 0), Effect.Kind.TRANSFER, address(t.get(2))));
        }
        if (event.equals(TRANSFER) && t.size() == 4 && address(t.get(1)).equals(sender)) {
            return List.of(tokens.nft(log.address(), BigInteger.ONE, Effect.Kind.TRANSFER, address(t.get(2)), false));
        }
        if (event.equals(APPROVAL) && t.size() == 3 && address(t.get(1)).equals(sender) && data.length >= 32) {
            return List.of(tokens.fungible(log.address(), word(data, 0), Effect.Kind.APPROVAL, address(t.get(2))));
        }
        if (event.equals(APPROVAL) && t.size() == 4 && address(t.get(1)).equals(sender)) {
            String approved = address(t.get(2));
            return approved.equals("0x" + "0".repeat(40))
                    ? List.of()
                    : List.of(tokens.nft(log.address(), BigInteger.ONE, Effect.Kind.APPROVAL, approved, false));
        }
        if (event.equals(APPROVAL_FOR_ALL)
                && t.size() == 3
                && address(t.get(1)).equals(sender)
                && data.length >= 32
                && word(data, 0).signum() != 0) {
            return List.of(tokens.nft(log.address(), BigInteger.ZERO, Effect.Kind.APPROVAL, address(t.get(2)), true));
        }
        if (event.equals(TRANSFER_SINGLE) && t.size() == 4 && address(t.get(2)).equals(sender) && data.length >= 64) {
            return List.of(tokens.nft(log.address(), word(data, 1), Effect.Kind.TRANSFER, address(t.get(3)), false));
        }
        if (event.equals(TRANSFER_BATCH) && t.size() == 4 && address(t.get(2)).equals(sender)) {
            BigInteger total = sumOfArray(data, 1);
            return total == null
                    ? List.of()
                    : List.of(tokens.nft(log.address(), total, Effect.Kind.TRANSFER, address(t.get(3)), false));
        }
        return List.of();
    }

    // ---- from the call data of a standard token function

    private static List<Effect> fromCallData(String to, String data, String sender, Tokens tokens, EvmRpc rpc) {
        byte[] input = bytes(data);
        if (input.length < 4) {
            return List.of();
        }
        String selector = "0x" + HexFormat.of().formatHex(input, 0, 4);
        byte[] args = java.util.Arrays.copyOfRange(input, 4, input.length);
        String token = to.toLowerCase(Locale.ROOT);
        try {
            if (selector.equals(SEL_TRANSFER) && args.length >= 64) {
                return List.of(tokens.either(token, word(args, 1), Effect.Kind.TRANSFER, wordAddress(args, 0)));
            }
            if (selector.equals(SEL_TRANSFER_FROM)
                    && args.length >= 96
                    && wordAddress(args, 0).equals(sender)) {
                return List.of(tokens.either(token, word(args, 2), Effect.Kind.TRANSFER, wordAddress(args, 1)));
            }
            if (selector.equals(SEL_APPROVE) && args.length >= 64) {
                return List.of(tokens.either(token, word(args, 1), Effect.Kind.APPROVAL, wordAddress(args, 0)));
            }
            if (selector.equals(SEL_INCREASE) && args.length >= 64) {
                String spender = wordAddress(args, 0);
                BigInteger current = allowance(rpc, token, sender, spender);
                return List.of(tokens.fungible(token, current.add(word(args, 1)), Effect.Kind.APPROVAL, spender));
            }
            if (selector.equals(SEL_PERMIT)
                    && args.length >= 96
                    && wordAddress(args, 0).equals(sender)) {
                return List.of(tokens.fungible(token, word(args, 2), Effect.Kind.APPROVAL, wordAddress(args, 1)));
            }
            if (selector.equals(SEL_FOR_ALL)
                    && args.length >= 64
                    && word(args, 1).signum() != 0) {
                return List.of(tokens.nft(token, BigInteger.ZERO, Effect.Kind.APPROVAL, wordAddress(args, 0), true));
            }
            if ((selector.equals(SEL_SAFE_721) || selector.equals(SEL_SAFE_721_DATA))
                    && args.length >= 96
                    && wordAddress(args, 0).equals(sender)) {
                return List.of(tokens.nft(token, BigInteger.ONE, Effect.Kind.TRANSFER, wordAddress(args, 1), false));
            }
            if (selector.equals(SEL_SAFE_1155)
                    && args.length >= 128
                    && wordAddress(args, 0).equals(sender)) {
                return List.of(tokens.nft(token, word(args, 3), Effect.Kind.TRANSFER, wordAddress(args, 1), false));
            }
            if (selector.equals(SEL_BATCH_1155)
                    && args.length >= 160
                    && wordAddress(args, 0).equals(sender)) {
                BigInteger total = sumOfArray(args, 3);
                if (total != null) {
                    return List.of(tokens.nft(token, total, Effect.Kind.TRANSFER, wordAddress(args, 1), false));
                }
            }
        } catch (RuntimeException e) {
            // malformed arguments: the contract would revert on them, and the simulation decides
        }
        return List.of();
    }

    private static BigInteger allowance(EvmRpc rpc, String token, String owner, String spender) {
        String data = selector("allowance(address,address)") + pad(owner) + pad(spender);
        try {
            String answer = rpc.ethCall(Map.of("to", token, "data", data));
            return answer.length() >= 66 ? EvmRpc.quantity(answer.substring(0, 66)) : BigInteger.ZERO;
        } catch (RuntimeException e) {
            return BigInteger.ZERO;
        }
    }

    /** The assets the effects are in: operator-named tokens by symbol, others by contract address. */
    private static final class Tokens {
        private final EvmRpc rpc;
        private final EvmNetworks.Network network;
        private final Map<String, Integer> decimals = new HashMap<>();

        Tokens(EvmRpc rpc, EvmNetworks.Network network) {
            this.rpc = rpc;
            this.network = network;
        }

        String asset(String address) {
            return network.tokens().entrySet().stream()
                    .filter(e -> e.getValue().equalsIgnoreCase(address))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse(address.toLowerCase(Locale.ROOT));
        }

        /** The token's decimals, or -1 when it has no decimals() (an NFT, or not a token at all). */
        int decimals(String address) {
            return decimals.computeIfAbsent(address, a -> {
                try {
                    String answer = rpc.ethCall(Map.of("to", a, "data", Erc20.DECIMALS));
                    return answer.length() >= 66
                            ? EvmRpc.quantity(answer.substring(0, 66)).intValueExact()
                            : -1;
                } catch (RuntimeException e) {
                    return -1;
                }
            });
        }

        Effect fungible(String address, BigInteger amount, Effect.Kind kind, String counterparty) {
            int places = Math.max(0, decimals(address));
            boolean unlimited = kind == Effect.Kind.APPROVAL && amount.compareTo(UNLIMITED) >= 0;
            return new Effect(asset(address), places, amount, kind, readable(counterparty), unlimited);
        }

        Effect nft(String address, BigInteger count, Effect.Kind kind, String counterparty, boolean unlimited) {
            return new Effect(asset(address), 0, count, kind, readable(counterparty), unlimited);
        }

        /** An address as people read and compare it: EIP-55 checksummed. */
        private static String readable(String address) {
            return address != null && address.matches("0x[0-9a-f]{40}") ? ChainFamily.checked(address) : address;
        }

        /** approve and transferFrom share selectors between ERC-20 (an amount) and ERC-721 (a token id). */
        Effect either(String address, BigInteger amountOrId, Effect.Kind kind, String counterparty) {
            return decimals(address) >= 0
                    ? fungible(address, amountOrId, kind, counterparty)
                    : nft(address, BigInteger.ONE, kind, counterparty, false);
        }
    }

    // ---- ABI words

    private static BigInteger word(byte[] data, int index) {
        return new BigInteger(1, java.util.Arrays.copyOfRange(data, index * 32, index * 32 + 32));
    }

    private static String wordAddress(byte[] data, int index) {
        return "0x" + HexFormat.of().formatHex(data, index * 32 + 12, index * 32 + 32);
    }

    /** The sum of a uint256[] whose offset is in word {@code index}; null when the encoding is malformed. */
    private static BigInteger sumOfArray(byte[] data, int index) {
        try {
            int offset = word(data, index).intValueExact();
            int length = new BigInteger(1, java.util.Arrays.copyOfRange(data, offset, offset + 32)).intValueExact();
            if (offset + 32 + (long) length * 32 > data.length) {
                return null;
            }
            BigInteger total = BigInteger.ZERO;
            for (int i = 0; i < length; i++) {
                int at = offset + 32 + i * 32;
                total = total.add(new BigInteger(1, java.util.Arrays.copyOfRange(data, at, at + 32)));
            }
            return total;
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static String address(String topic) {
        return "0x" + topic.substring(topic.length() - 40);
    }

    private static byte[] bytes(String hex) {
        String digits = hex.startsWith("0x") ? hex.substring(2) : hex;
        return HexFormat.of().parseHex(digits.length() % 2 == 0 ? digits : "0" + digits);
    }

    private static String pad(String address) {
        return "0".repeat(24) + address.substring(2).toLowerCase(Locale.ROOT);
    }

    private static String topic(String signature) {
        return "0x" + HexFormat.of().formatHex(keccak(signature));
    }

    private static String selector(String signature) {
        return "0x" + HexFormat.of().formatHex(keccak(signature), 0, 4);
    }

    private static byte[] keccak(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.US_ASCII));
    }
}
