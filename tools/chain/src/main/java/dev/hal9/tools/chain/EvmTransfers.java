package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * EVM transfers of the native asset or an ERC-20 token: {@link #prepare} validates and simulates one into a
 * guard intent; as the guard's {@link Guard.Settlement} it signs (EIP-1559, nonce per sender), broadcasts and
 * checks them. The key is unlocked only inside {@link #sign} and wiped after. Thread-safe; the guard calls the
 * settlement for one sender at a time.
 */
final class EvmTransfers implements Guard.Settlement {

    static final String KIND = "evm.transfer";

    /** Made at first use: a family's tools are declared at every start, its payments settled far fewer times. */
    private static final class Mapper {
        static final JsonMapper JSON = JsonMapper.builder().build();
    }

    private final Keystore keystore;
    private final EvmNetworks networks;
    private final Function<EvmNetworks.Network, EvmRpc> rpcs;
    private final Supplier<Optional<char[]>> passphrase;

    EvmTransfers(
            Keystore keystore,
            EvmNetworks networks,
            Function<EvmNetworks.Network, EvmRpc> rpcs,
            Supplier<Optional<char[]>> passphrase) {
        this.keystore = keystore;
        this.networks = networks;
        this.rpcs = rpcs;
        this.passphrase = passphrase;
    }

    /** What the model asked for, before validation. */
    record Request(String network, String from, String to, String amount, String token, String idempotencyKey) {}

    /** Validates the request, simulates it on the network and describes it for the person who approves it. */
    Guard.Intent prepare(String principal, Request request) {
        EvmNetworks.Network network = networks.get(request.network());
        String to = ChainFamily.checked(request.to(), "to");
        String from = sender(principal, request.from());
        requireSigner();
        EvmRpc rpc = rpcs.apply(network);
        Erc20.Token token = token(rpc, network, request.token());
        // a token the operator named is limited under its symbol; any other under its contract address, so that
        // a look-alike "USDT" never borrows the real one's limits
        String symbol = token == null
                ? network.symbol()
                : network.tokens().entrySet().stream()
                        .filter(e -> e.getValue().equalsIgnoreCase(token.address()))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElse(token.address().toLowerCase(Locale.ROOT));
        int decimals = token == null ? 18 : token.decimals();
        BigInteger amount = Amounts.parse(request.amount(), decimals, symbol, Amounts.UINT256_MAX);

        FeeCaps caps = FeeCaps.of(rpc);
        BigInteger maxFee = caps.maxFeePerGas();
        BigInteger nativeBalance = rpc.balance(from);
        Map<String, Object> simulated = new LinkedHashMap<>();
        simulated.put("from", from);
        if (token == null) {
            simulated.put("to", to);
            simulated.put("value", "0x" + amount.toString(16));
        } else {
            BigInteger tokenBalance = Erc20.balance(rpc, token.address(), from);
            if (tokenBalance.compareTo(amount) < 0) {
                throw new ToolException("insufficient " + symbol + ": " + from + " has "
                        + Amounts.format(tokenBalance, decimals) + " " + symbol + " on " + network.name()
                        + ", the transfer needs " + Amounts.format(amount, decimals));
            }
            simulated.put("to", token.address());
            simulated.put("data", Erc20.transferData(to, amount));
        }
        BigInteger gas;
        try {
            gas = rpc.estimateGas(simulated);
        } catch (EvmRpc.Refused e) {
            throw new ToolException(
                    "the transfer would fail on " + network.name() + ", so nothing was recorded: " + e.reason);
        }
        BigInteger gasLimit = gas.equals(BigInteger.valueOf(21_000))
                ? gas
                : gas.multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN);
        BigInteger maxFeeTotal = gasLimit.multiply(maxFee);
        BigInteger nativeNeeded = maxFeeTotal.add(token == null ? amount : BigInteger.ZERO);
        if (nativeBalance.compareTo(nativeNeeded) < 0) {
            throw new ToolException("insufficient " + network.symbol() + ": " + from + " has "
                    + Amounts.format(nativeBalance, 18) + " " + network.symbol() + " on " + network.name()
                    + ", the transfer needs up to " + Amounts.format(nativeNeeded, 18)
                    + (token == null ? " (amount + fee)" : " for the fee"));
        }

        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("network", network.name() + " (chain " + network.chainId() + ")");
        if (token != null) {
            preview.put("token contract", token.address());
        }
        preview.put("fee at most", Amounts.format(maxFeeTotal, 18) + " " + network.symbol());
        preview.put("gas limit", gasLimit.toString());
        preview.put(
                "max fee per gas",
                new java.math.BigDecimal(maxFee).movePointLeft(9).toPlainString() + " gwei");
        preview.put("simulation", "ok (eth_estimateGas " + gas + ")");
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("chainId", network.chainId());
        payload.put("token", token == null ? null : token.address());
        payload.put("gasLimit", gasLimit.toString());
        // the caps the person approves are the caps it is signed with (see sign)
        payload.put("maxFeePerGas", caps.maxFeePerGas().toString());
        payload.put("maxPriorityFeePerGas", caps.maxPriorityFeePerGas().toString());
        String shown =
                token == null || symbol.equals(token.symbol()) ? symbol : token.symbol() + " (" + token.address() + ")";
        String summary = "send " + Amounts.format(amount, decimals) + " " + shown + " on " + network.name() + " from "
                + from + " to " + to;
        return new Guard.Intent(
                KIND,
                network.name(),
                symbol,
                decimals,
                amount,
                from,
                to,
                summary,
                preview,
                Mapper.JSON.writeValueAsString(payload),
                request.idempotencyKey(),
                List.of(
                        Guard.Effect.transfer(symbol, decimals, amount, to),
                        Guard.Effect.fee(network.symbol(), 18, maxFeeTotal)),
                true);
    }

    /**
     * The fee caps of an EIP-1559 transaction priced now: the node's tip, and twice the latest base fee plus the
     * tip as the most per gas (room for six full blocks of base-fee rises).
     */
    record FeeCaps(BigInteger maxPriorityFeePerGas, BigInteger maxFeePerGas) {
        static FeeCaps of(EvmRpc rpc) {
            BigInteger tip = rpc.priorityFee();
            return new FeeCaps(tip, rpc.baseFee().multiply(BigInteger.TWO).add(tip));
        }
    }

    /** Refuses early when the server has no passphrase to unlock a key with. */
    void requireSigner() {
        if (passphrase.get().isEmpty()) {
            throw new ToolException("this server cannot sign: the operator started it without "
                    + "HAL9_KEYSTORE_PASSPHRASE, so no wallet can be unlocked");
        }
    }

    /** The caller's wallet to send from: the requested one if it is theirs, else their only one. */
    String sender(String principal, String requested) {
        List<Keystore.WalletInfo> wallets = keystore.list(principal, Keystore.EVM);
        if (requested == null || requested.isBlank()) {
            if (wallets.size() == 1) {
                return wallets.get(0).address();
            }
            throw wallets.isEmpty()
                    ? new ToolException("you have no wallet to send from; ask the operator to run 'hal9 wallet "
                            + "create --principal " + principal + "' (or import one)")
                    : ToolException.badArgument(
                            "from",
                            "is needed: you have " + wallets.size() + " wallets ("
                                    + String.join(
                                            ", ",
                                            wallets.stream()
                                                    .map(Keystore.WalletInfo::address)
                                                    .toList()) + ")");
        }
        String from = ChainFamily.checked(requested, "from");
        return wallets.stream()
                .map(Keystore.WalletInfo::address)
                .filter(from::equalsIgnoreCase)
                .findFirst()
                .orElseThrow(() -> ToolException.badArgument(
                        "from", from + " is not one of your wallets; evm_wallet with action=list shows them"));
    }

    /** The ERC-20 token a request names (contract address, or a symbol the operator configured), else null. */
    static Erc20.Token token(EvmRpc rpc, EvmNetworks.Network network, String requested) {
        if (requested == null || requested.isBlank() || requested.equalsIgnoreCase(network.symbol())) {
            return null;
        }
        String address;
        if (requested.startsWith("0x")) {
            address = ChainFamily.checked(requested, "token");
        } else {
            address = network.tokens().get(requested.toUpperCase(Locale.ROOT));
            if (address == null) {
                throw ToolException.badArgument(
                        "token",
                        "'" + requested + "' is not a token configured on " + network.name()
                                + (network.tokens().isEmpty()
                                        ? ""
                                        : " ("
                                                + String.join(
                                                        ", ", network.tokens().keySet()) + ")")
                                + "; give the token's contract address, or ask the operator to add it to families.chain.evm."
                                + network.name() + ".tokens");
            }
        }
        return Erc20.read(rpc, network.name(), address);
    }

    // ---- settlement

    @Override
    public Guard.Signed sign(Guard.Payment payment, long previous) {
        EvmNetworks.Network network = networks.get(payment.network());
        EvmRpc rpc = rpcs.apply(network);
        JsonNode payload = Mapper.JSON.readTree(payment.payload());
        if (!payload.path("maxFeePerGas").isString()) {
            throw new Guard.NotSent("it was approved before hal9 kept the approved fee caps; submit it again");
        }
        // signed with exactly the caps the person approved: the fee can never exceed the "fee at most" they saw
        BigInteger maxFee = new BigInteger(payload.path("maxFeePerGas").asString());
        BigInteger tip = new BigInteger(payload.path("maxPriorityFeePerGas").asString()).min(maxFee);
        BigInteger baseFee = rpc.baseFee();
        if (baseFee.compareTo(maxFee) > 0) {
            throw new Guard.NotSent("the network's base fee is now " + gwei(baseFee) + " gwei, above the "
                    + gwei(maxFee) + " gwei per gas that was approved, so it could not be included; nothing was "
                    + "sent. Submit it again to approve the current fee");
        }
        BigInteger nonce = rpc.pendingNonce(payment.sender()).max(BigInteger.valueOf(previous + 1));
        long block = rpc.blockNumber().longValueExact();
        String to;
        BigInteger value;
        String data;
        if (Evm.CONTRACT_KIND.equals(payment.kind())) {
            // a creation (no recipient) or a contract call, built by EvmContracts.prepare
            to = payload.path("to").isString() ? payload.path("to").asString() : null;
            value = new BigInteger(payload.path("value").asString());
            data = payload.path("data").asString();
        } else if (payload.path("token").isString()) {
            to = payload.path("token").asString();
            value = BigInteger.ZERO;
            data = Erc20.transferData(payment.recipient(), payment.amount());
        } else {
            to = payment.recipient();
            value = payment.amount();
            data = "0x";
        }
        char[] secret = passphrase
                .get()
                .orElseThrow(() -> new IllegalStateException("HAL9_KEYSTORE_PASSPHRASE is not set; cannot sign"));
        byte[] key = keystore.unlock(payment.principal(), payment.sender(), secret);
        try {
            EvmSigner.Signed signed = EvmSigner.sign(
                    payload.path("chainId").asLong(),
                    nonce,
                    tip,
                    maxFee,
                    new BigInteger(payload.path("gasLimit").asString()),
                    to,
                    value,
                    data,
                    key);
            return new Guard.Signed(
                    signed.hash(),
                    signed.raw(),
                    nonce.longValueExact(),
                    Mapper.JSON.writeValueAsString(Map.of("block", block)));
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(secret, '\0');
        }
    }

    private static String gwei(BigInteger wei) {
        return new java.math.BigDecimal(wei)
                .movePointLeft(9)
                .stripTrailingZeros()
                .toPlainString();
    }

    @Override
    public void broadcast(Guard.Payment payment, Guard.Signed signed) {
        EvmRpc rpc = rpcs.apply(networks.get(payment.network()));
        try {
            rpc.sendRaw(signed.raw());
        } catch (EvmRpc.Refused e) {
            String reason = e.reason.toLowerCase(Locale.ROOT);
            if (reason.contains("already known")
                    || reason.contains("known transaction")
                    || reason.contains("already imported")
                    || rpc.knows(signed.hash())) {
                return; // the network has this very transaction
            }
            if (reason.contains("nonce too low")
                    || reason.contains("nonce too high")
                    || reason.contains("replacement")
                    || reason.contains("underpriced")) {
                // says nothing certain about this transaction: a node behind a load balancer may not have seen
                // it mined, or another node may hold it; the chain decides (check)
                throw new IllegalStateException("the RPC said: " + e.reason);
            }
            throw new Guard.Rejected(e.reason);
        }
    }

    /**
     * Finds the sent transaction on chain. It failed only with proof: a receipt that says it reverted, or its nonce
     * used by another transaction that is on chain. A node that does not show it while its nonce is unused means it
     * can be broadcast again; a used nonce is traced to the block that used it (the sender's nonce by block, then
     * that block's transactions), so a lagging node never turns a mined payment into a failed one.
     */
    @Override
    public Guard.Outcome check(Guard.Payment payment, Guard.Signed signed) {
        EvmRpc rpc = rpcs.apply(networks.get(payment.network()));
        Map<String, Object> receipt = rpc.receipt(signed.hash());
        if (receipt != null) {
            String block = "block " + EvmRpc.quantity(receipt.get("blockNumber"));
            return "0x1".equals(receipt.get("status"))
                    ? new Guard.Outcome(Guard.Outcome.Status.CONFIRMED, block)
                    : new Guard.Outcome(
                            Guard.Outcome.Status.FAILED, "reverted in " + block + " (the fee was paid, nothing moved)");
        }
        Map<String, Object> known = rpc.transaction(signed.hash());
        if (known != null) {
            return known.get("blockNumber") instanceof String block
                    ? new Guard.Outcome(
                            Guard.Outcome.Status.PENDING,
                            "included in block " + EvmRpc.quantity(block) + "; waiting for its receipt")
                    : Guard.Outcome.of(Guard.Outcome.Status.PENDING);
        }
        long nonce = signed.sequence();
        long used = rpc.nonceAt(payment.sender(), "latest").longValueExact();
        if (used <= nonce) {
            return Guard.Outcome.of(Guard.Outcome.Status.UNKNOWN);
        }
        long from = signed.context() == null
                ? 0
                : Mapper.JSON.readTree(signed.context()).path("block").asLong(0);
        Optional<Map.Entry<Long, String>> consumer = consumer(rpc, payment.sender(), nonce, from);
        if (consumer.isEmpty()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.UNRESOLVED,
                    "nonce " + nonce + " of " + payment.sender() + " is used, but the node shows no transaction "
                            + "that used it yet");
        }
        if (consumer.get().getValue().equalsIgnoreCase(signed.hash())) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.PENDING,
                    "included in block " + consumer.get().getKey() + "; waiting for its receipt");
        }
        return new Guard.Outcome(
                Guard.Outcome.Status.FAILED,
                "its nonce " + nonce + " was used by another transaction, "
                        + consumer.get().getValue() + " in block "
                        + consumer.get().getKey() + ", so it can never be included; it moved nothing");
    }

    /**
     * The block and hash of the sender's transaction with a nonce: the first block after which the sender's
     * count of sent transactions passed the nonce, searched by halves from {@code from} to the latest block.
     */
    @SuppressWarnings("unchecked")
    private static Optional<Map.Entry<Long, String>> consumer(EvmRpc rpc, String sender, long nonce, long from) {
        long high = rpc.blockNumber().longValueExact();
        long low = Math.min(from, high);
        if (rpc.nonceAt(sender, high).longValueExact() <= nonce) {
            return Optional.empty(); // the node's "latest" and its block-by-number disagree: a lagging node
        }
        if (low > 0 && rpc.nonceAt(sender, low).longValueExact() > nonce) {
            low = 0;
        }
        while (low < high) {
            long middle = low + (high - low) / 2;
            if (rpc.nonceAt(sender, middle).longValueExact() > nonce) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Map<String, Object> block = rpc.block(low);
        if (block == null || !(block.get("transactions") instanceof List<?> transactions)) {
            return Optional.empty();
        }
        for (Object item : transactions) {
            if (item instanceof Map<?, ?> tx
                    && sender.equalsIgnoreCase(String.valueOf(tx.get("from")))
                    && EvmRpc.quantity(tx.get("nonce")).longValueExact() == nonce) {
                return Optional.of(Map.entry(low, String.valueOf(tx.get("hash"))));
            }
        }
        return Optional.empty();
    }

    /** A transfer is paid back by the owner of the receiving wallet, in the same asset, to the paying wallet. */
    @Override
    public Optional<Guard.Refund> refund(Guard.Payment original) {
        if (!KIND.equals(original.kind())) {
            return Optional.empty();
        }
        Optional<String> payee = keystore.ownerOf(original.recipient());
        if (payee.isEmpty()) {
            return Optional.empty();
        }
        JsonNode payload = Mapper.JSON.readTree(original.payload());
        String token = payload.path("token").isString() ? payload.path("token").asString() : null;
        return Optional.of(new Guard.Refund(
                payee.get(),
                prepare(
                        payee.get(),
                        new Request(
                                original.network(),
                                original.recipient(),
                                original.sender(),
                                Amounts.format(original.amount(), original.decimals()),
                                token,
                                "refund-" + original.id()))));
    }
}
