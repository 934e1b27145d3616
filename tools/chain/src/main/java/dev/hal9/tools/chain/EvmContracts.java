package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
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
        return String.valueOf(rpc(network).call("eth_getCode", java.util.List.of(address, "latest")));
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
