package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link Evm} over the chain family's networks, RPC clients and keystore. Transactions it prepares are signed and
 * sent by {@link EvmTransfers}, registered for {@link Evm#CONTRACT_KIND} too.
 */
final class EvmContracts implements Evm {

    /** Made at first use: a family's tools are declared at every start, its payments settled far fewer times. */
    private static final class Mapper {
        static final JsonMapper JSON = JsonMapper.builder().build();
    }

    private final EvmNetworks networks;
    private final Function<EvmNetworks.Network, EvmRpc> rpcs;
    private final EvmTransfers transfers;

    EvmContracts(EvmNetworks networks, Function<EvmNetworks.Network, EvmRpc> rpcs, EvmTransfers transfers) {
        this.networks = networks;
        this.rpcs = rpcs;
        this.transfers = transfers;
    }

    @Override
    public Network network(String name) {
        EvmNetworks.Network network = networks.get(name);
        return new Network(network.name(), network.chainId(), network.symbol());
    }

    @Override
    public String sender(String principal, String requested) {
        return transfers.sender(principal, requested);
    }

    @Override
    public String address(String address, String argument) {
        return ChainFamily.checked(address, argument);
    }

    @Override
    public String call(String network, String from, String to, String data) {
        Map<String, Object> transaction = new LinkedHashMap<>();
        if (from != null) {
            transaction.put("from", from);
        }
        transaction.put("to", to);
        transaction.put("data", data);
        try {
            return rpc(network).ethCall(transaction);
        } catch (EvmRpc.Refused e) {
            throw reverted("the call reverted on " + network, e);
        }
    }

    @Override
    public String code(String network, String address) {
        return String.valueOf(rpc(network).call("eth_getCode", List.of(address, "latest")));
    }

    @Override
    public long blockNumber(String network) {
        return rpc(network).blockNumber().longValueExact();
    }

    @Override
    public BigInteger balance(String network, String address) {
        return rpc(network).balance(address);
    }

    @Override
    public String storageAt(String network, String address, String slot) {
        return String.valueOf(rpc(network).call("eth_getStorageAt", List.of(address, slot, "latest")));
    }

    @Override
    public String call(
            String network,
            String from,
            String to,
            String data,
            BigInteger value,
            Map<String, StateOverride> overrides) {
        Map<String, Object> transaction = new LinkedHashMap<>();
        if (from != null) {
            transaction.put("from", from);
        }
        transaction.put("to", to);
        transaction.put("data", data);
        if (value != null && value.signum() > 0) {
            transaction.put("value", "0x" + value.toString(16));
        }
        Map<String, Object> state = new LinkedHashMap<>();
        overrides.forEach((address, override) -> {
            Map<String, Object> account = new LinkedHashMap<>();
            if (override.balance() != null) {
                account.put("balance", "0x" + override.balance().toString(16));
            }
            if (override.code() != null) {
                account.put("code", override.code());
            }
            state.put(address, account);
        });
        try {
            return String.valueOf(rpc(network).call("eth_call", List.of(transaction, "latest", state)));
        } catch (EvmRpc.Refused e) {
            throw reverted("the call reverted on " + network, e);
        }
    }

    @Override
    public List<Log> logs(String network, String address, List<String> topic0, long fromBlock, long toBlock) {
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("address", address);
        filter.put("topics", List.of(topic0));
        filter.put("fromBlock", "0x" + Long.toHexString(fromBlock));
        filter.put("toBlock", "0x" + Long.toHexString(toBlock));
        Object result = rpc(network).call("eth_getLogs", List.of(filter));
        List<Log> logs = new ArrayList<>();
        if (result instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof Map<?, ?> log) {
                    logs.add(log(log));
                }
            }
        }
        return logs;
    }

    private static Log log(Map<?, ?> log) {
        List<String> topics = new ArrayList<>();
        if (log.get("topics") instanceof List<?> list) {
            list.forEach(t -> topics.add(String.valueOf(t)));
        }
        Object block = log.get("blockNumber");
        return new Log(
                String.valueOf(log.get("address")),
                List.copyOf(topics),
                String.valueOf(log.get("data")),
                block == null ? -1 : EvmRpc.quantity(block).longValueExact(),
                log.get("transactionHash") == null ? null : String.valueOf(log.get("transactionHash")));
    }

    @Override
    public Optional<List<Simulated>> simulate(String network, List<SimulatedCall> calls) {
        List<Map<String, Object>> wire = new ArrayList<>();
        for (SimulatedCall call : calls) {
            Map<String, Object> one = new LinkedHashMap<>();
            if (call.from() != null) {
                one.put("from", call.from());
            }
            one.put("to", call.to());
            one.put("data", call.data());
            wire.add(one);
        }
        Object result;
        try {
            result = rpc(network)
                    .call(
                            "eth_simulateV1",
                            List.of(
                                    Map.of("blockStateCalls", List.of(Map.of("calls", wire)), "validation", false),
                                    "latest"));
        } catch (EvmRpc.Refused e) {
            return Optional.empty();
        }
        if (!(result instanceof List<?> blocks)
                || blocks.isEmpty()
                || !(blocks.get(0) instanceof Map<?, ?> block)
                || !(block.get("calls") instanceof List<?> outcomes)) {
            return Optional.empty();
        }
        List<Simulated> simulated = new ArrayList<>();
        for (Object outcome : outcomes) {
            Map<?, ?> call = (Map<?, ?>) outcome;
            List<Log> logs = new ArrayList<>();
            if (call.get("logs") instanceof List<?> entries) {
                entries.forEach(entry -> logs.add(log((Map<?, ?>) entry)));
            }
            simulated.add(new Simulated(
                    "0x1".equals(call.get("status")),
                    call.get("returnData") == null ? "0x" : String.valueOf(call.get("returnData")),
                    List.copyOf(logs)));
        }
        return Optional.of(List.copyOf(simulated));
    }

    @Override
    public Optional<List<Frame>> trace(String network, String from, String to, String data) {
        Map<String, Object> call = new LinkedHashMap<>();
        if (from != null) {
            call.put("from", from);
        }
        call.put("to", to);
        call.put("data", data);
        Object result;
        try {
            result = rpc(network).call("debug_traceCall", List.of(call, "latest", Map.of("tracer", "callTracer")));
        } catch (EvmRpc.Refused e) {
            return Optional.empty();
        }
        if (!(result instanceof Map<?, ?> root)) {
            return Optional.empty();
        }
        List<Frame> frames = new ArrayList<>();
        flatten(root, 0, frames);
        return Optional.of(List.copyOf(frames));
    }

    private static void flatten(Map<?, ?> frame, int depth, List<Frame> frames) {
        frames.add(new Frame(
                String.valueOf(frame.get("type")),
                String.valueOf(frame.get("from")),
                frame.get("to") == null ? null : String.valueOf(frame.get("to")),
                frame.get("input") == null ? "0x" : String.valueOf(frame.get("input")),
                depth,
                frame.get("error") != null));
        if (frame.get("calls") instanceof List<?> calls) {
            for (Object child : calls) {
                if (child instanceof Map<?, ?> map) {
                    flatten(map, depth + 1, frames);
                }
            }
        }
    }

    @Override
    public Optional<Creation> creation(String network, String address) {
        EvmRpc rpc = rpc(network);
        try {
            if (rpc.call("ots_getContractCreator", List.of(address)) instanceof Map<?, ?> found
                    && found.get("hash") instanceof String hash
                    && found.get("creator") instanceof String creator) {
                Map<String, Object> transaction = rpc.transaction(hash);
                long block = transaction == null || transaction.get("blockNumber") == null
                        ? -1
                        : EvmRpc.quantity(transaction.get("blockNumber")).longValueExact();
                return Optional.of(new Creation(ChainFamily.checked(creator), hash, block));
            }
        } catch (EvmRpc.Refused e) {
            // not an Otterscan-capable node: find the first block with the code, then its creation
        }
        long low = 0;
        long high = rpc.blockNumber().longValueExact();
        if ("0x".equals(codeAt(rpc, address, high))) {
            return Optional.empty();
        }
        try {
            while (low < high) {
                long middle = (low + high) >>> 1;
                if ("0x".equals(codeAt(rpc, address, middle))) {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
        } catch (EvmRpc.Refused e) {
            return Optional.empty(); // historical state pruned: not an archive node
        }
        Map<String, Object> block = rpc.block(low);
        if (block == null || !(block.get("transactions") instanceof List<?> transactions)) {
            return Optional.empty();
        }
        for (Object entry : transactions) {
            if (entry instanceof Map<?, ?> transaction && transaction.get("to") == null) {
                Map<String, Object> receipt = rpc.receipt(String.valueOf(transaction.get("hash")));
                if (receipt != null && address.equalsIgnoreCase(String.valueOf(receipt.get("contractAddress")))) {
                    return Optional.of(new Creation(
                            ChainFamily.checked(String.valueOf(transaction.get("from"))),
                            String.valueOf(transaction.get("hash")),
                            low));
                }
            }
        }
        return Optional.empty(); // created by another contract: its creator is not a transaction's sender
    }

    private static String codeAt(EvmRpc rpc, String address, long block) {
        return String.valueOf(rpc.call("eth_getCode", List.of(address, "0x" + Long.toHexString(block))));
    }

    @Override
    public Optional<Receipt> receipt(String network, String hash) {
        Map<String, Object> receipt = rpc(network).receipt(hash);
        if (receipt == null) {
            return Optional.empty();
        }
        Object created = receipt.get("contractAddress");
        return Optional.of(new Receipt(
                hash,
                "0x1".equals(receipt.get("status")),
                created instanceof String a && a.length() == 42 ? ChainFamily.checked(a) : null,
                EvmRpc.quantity(receipt.get("gasUsed")).longValueExact(),
                EvmRpc.quantity(receipt.get("blockNumber")).longValueExact()));
    }

    @Override
    public Guard.Intent prepare(String principal, Transaction transaction) {
        EvmNetworks.Network network = networks.get(transaction.network());
        String from = transfers.sender(principal, transaction.from());
        transfers.requireSigner();
        String to = transaction.to() == null ? null : ChainFamily.checked(transaction.to(), "address");
        if (transaction.value().signum() < 0) {
            throw ToolException.badArgument("value", "must not be negative");
        }
        EvmRpc rpc = rpcs.apply(network);
        Map<String, Object> simulated = new LinkedHashMap<>();
        simulated.put("from", from);
        if (to != null) {
            simulated.put("to", to);
        }
        simulated.put("data", transaction.data());
        simulated.put("value", "0x" + transaction.value().toString(16));
        BigInteger gas;
        try {
            gas = rpc.estimateGas(simulated);
        } catch (EvmRpc.Refused e) {
            throw reverted(
                    (to == null ? "the deployment" : "the transaction") + " would fail on " + network.name()
                            + ", so nothing was recorded",
                    e);
        }
        BigInteger gasLimit = gas.multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN);
        EvmTransfers.FeeCaps caps = EvmTransfers.FeeCaps.of(rpc);
        BigInteger fee = gasLimit.multiply(caps.maxFeePerGas());
        BigInteger most = fee.add(transaction.value());
        BigInteger balance = rpc.balance(from);
        if (balance.compareTo(most) < 0) {
            throw new ToolException("insufficient " + network.symbol() + ": " + from + " has "
                    + Amounts.format(balance, 18) + " " + network.symbol() + " on " + network.name()
                    + ", this needs up "
                    + "to " + Amounts.format(most, 18) + " (value + gas); fund it or use another wallet");
        }
        EvmEffects.Found effects = EvmEffects.of(rpc, network, from, to, transaction.data(), transaction.value(), fee);
        Map<String, String> preview = new LinkedHashMap<>(transaction.preview());
        preview.put("network", network.name() + " (chain " + network.chainId() + ")");
        if (transaction.value().signum() > 0) {
            preview.put("value", Amounts.format(transaction.value(), 18) + " " + network.symbol());
        }
        preview.put("fee at most", Amounts.format(fee, 18) + " " + network.symbol());
        preview.put("gas limit", gasLimit.toString());
        preview.put(
                "max fee per gas",
                new BigDecimal(caps.maxFeePerGas()).movePointLeft(9).toPlainString() + " gwei");
        preview.put("simulation", "ok (eth_estimateGas " + gas + ")");
        preview.put("effects", effects.how());
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("chainId", network.chainId());
        payload.put("gasLimit", gasLimit.toString());
        payload.put("maxFeePerGas", caps.maxFeePerGas().toString());
        payload.put("maxPriorityFeePerGas", caps.maxPriorityFeePerGas().toString());
        payload.put("to", to);
        payload.put("value", transaction.value().toString());
        payload.put("data", transaction.data());
        return new Guard.Intent(
                CONTRACT_KIND,
                network.name(),
                network.symbol(),
                18,
                most,
                from,
                to == null ? "new contract" : to,
                transaction.summary(),
                preview,
                Mapper.JSON.writeValueAsString(payload),
                transaction.idempotencyKey(),
                effects.effects(),
                effects.determined());
    }

    private EvmRpc rpc(String network) {
        return rpcs.apply(networks.get(network));
    }

    private static Reverted reverted(String what, EvmRpc.Refused e) {
        String data = e.data instanceof String s && s.startsWith("0x") ? s : "0x";
        return new Reverted(what + ": " + e.reason, e.reason, data);
    }
}
