package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chain family. For now {@code evm_wallet}: the caller's EVM wallets, native balances and the status of a
 * transfer, read from the configured networks. Keys stay in the {@link Keystore}; no tool returns one.
 */
public final class ChainFamily implements ToolFamily {

    enum Action {
        LIST,
        BALANCE,
        TRANSFER_STATUS
    }

    record Input(
            @Param(
                    value = "list your wallets; balance of an address or of all your wallets; transfer_status of a "
                            + "transaction.",
                    required = true)
            Action action,

            @Param(
                    value = "balance and transfer_status: the network, e.g. ethereum, polygon, bsc, mantle, or one the "
                            + "operator configured.",
                    maxLength = 40)
            String network,

            @Param(
                    value =
                            "balance: an address (0x + 40 hex; mixed case must be a valid EIP-55 checksum); omit for all "
                                    + "your wallets.",
                    pattern = "^0x[0-9a-fA-F]{40}$")
            String address,

            @Param(value = "transfer_status: the transaction hash (0x + 64 hex).", pattern = "^0x[0-9a-fA-F]{64}$")
            String hash) {}

    record Wallet(
            @Param("The wallet's EIP-55 address.") String address,
            @Param("The owner's label for it.") String label,

            @Param(value = "When it was made or imported.", format = "date-time")
            String createdAt) {}

    record Balance(
            @Param("The address.") String address,
            @Param("The network.") String network,
            @Param("The native asset's symbol.") String symbol,

            @Param("The balance in the smallest unit (wei), as a decimal string.")
            String wei,

            @Param("The balance in whole units, as a decimal string (18 decimals).")
            String amount) {}

    record Transfer(
            @Param("The transaction hash.") String hash,

            @Param("pending (known, not mined), confirmed, failed (mined but reverted) or unknown.")
            String status,

            @Param("The block it was mined in.") Long blockNumber,
            @Param("Blocks mined since, including its own.") Long confirmations,
            @Param("The sender.") String from,
            @Param("The recipient.") String to) {}

    record Output(
            @Param("list: your wallets.") List<Wallet> wallets,
            @Param("balance: one balance per address.") List<Balance> balances,
            @Param("transfer_status: the transfer.") Transfer transfer) {}

    private final Map<String, EvmRpc> clients = new ConcurrentHashMap<>();
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "chain";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        Keystore keystore = new Keystore(context.dataDirectory().resolve("keystore"));
        EvmNetworks networks = new EvmNetworks(context);
        Duration timeout = Duration.ofSeconds(
                Long.parseLong(context.setting("rpc-timeout-seconds").orElse("10")));
        return List.of(Tool.builder("evm_wallet", Input.class, Output.class)
                .title("EVM wallets and balances")
                .description("List your EVM wallets, read native balances on Ethereum, Polygon, BSC, Mantle or a "
                        + "configured network, and check whether a transfer is pending, confirmed or failed. "
                        + "Read-only: it never moves funds. Wallets are made or imported by the operator with "
                        + "'hal9 wallet'; no tool ever shows a key.")
                .kind(ToolKind.READ_ONLY)
                .capability("chain.read")
                .handler((input, call) -> handle(keystore, networks, timeout, input, call))
                .render(ChainFamily::render)
                .build());
    }

    private Output handle(Keystore keystore, EvmNetworks networks, Duration timeout, Input input, ToolCall call) {
        String principal = call.principal().id();
        return switch (input.action()) {
            case LIST ->
                new Output(
                        keystore.list(principal).stream()
                                .map(w -> new Wallet(
                                        w.address(), w.label(), w.createdAt().toString()))
                                .toList(),
                        null,
                        null);
            case BALANCE -> {
                EvmNetworks.Network network = networks.get(required(input.network(), "network", "balance"));
                EvmRpc rpc = rpc(network, timeout);
                List<String> addresses = input.address() != null
                        ? List.of(checked(input.address()))
                        : keystore.list(principal).stream()
                                .map(Keystore.WalletInfo::address)
                                .toList();
                if (addresses.isEmpty()) {
                    throw new ToolException("you have no wallets; give an address, or ask the operator to run "
                            + "'hal9 wallet create --principal " + principal + "'");
                }
                List<Balance> balances = new ArrayList<>();
                for (String address : addresses) {
                    call.checkCancelled();
                    BigInteger wei = rpc.balance(address);
                    balances.add(new Balance(
                            address,
                            network.name(),
                            network.symbol(),
                            wei.toString(),
                            new BigDecimal(wei)
                                    .movePointLeft(18)
                                    .stripTrailingZeros()
                                    .toPlainString()));
                }
                yield new Output(null, balances, null);
            }
            case TRANSFER_STATUS -> {
                EvmNetworks.Network network = networks.get(required(input.network(), "network", "transfer_status"));
                String hash = required(input.hash(), "hash", "transfer_status").toLowerCase(Locale.ROOT);
                EvmRpc rpc = rpc(network, timeout);
                Map<String, Object> receipt = rpc.receipt(hash);
                if (receipt == null) {
                    String status = rpc.knows(hash) ? "pending" : "unknown";
                    yield new Output(null, null, new Transfer(hash, status, null, null, null, null));
                }
                long block = EvmRpc.quantity(receipt.get("blockNumber")).longValueExact();
                long head = rpc.blockNumber().longValueExact();
                String status = "0x1".equals(receipt.get("status")) ? "confirmed" : "failed";
                yield new Output(
                        null,
                        null,
                        new Transfer(hash, status, block, head - block + 1, (String) receipt.get("from"), (String)
                                receipt.get("to")));
            }
        };
    }

    /** The network's client, after checking once that its RPC serves the configured chain. */
    private EvmRpc rpc(EvmNetworks.Network network, Duration timeout) {
        EvmRpc rpc = clients.computeIfAbsent(network.name(), name -> new EvmRpc(network, timeout));
        if (!verified.containsKey(network.name())) {
            BigInteger chainId = rpc.chainId();
            if (chainId.longValue() != network.chainId()) {
                throw new ToolException("the " + network.name() + " RPC serves chain " + chainId + ", not "
                        + network.chainId() + "; the operator must fix families.chain.evm." + network.name());
            }
            verified.put(network.name(), true);
        }
        return rpc;
    }

    /** An address, with its EIP-55 checksum checked when it has upper-case letters. */
    static String checked(String address) {
        if (!address.matches("0x[0-9a-fA-F]{40}")) {
            throw ToolException.badArgument("address", "must be 0x and 40 hex digits, not '" + address + "'");
        }
        String lower = address.substring(2).toLowerCase(Locale.ROOT);
        String expected = Secp256k1.checksum(lower);
        boolean mixed =
                !address.substring(2).equals(lower) && !address.substring(2).equals(lower.toUpperCase(Locale.ROOT));
        if (mixed && !expected.equals(address)) {
            throw ToolException.badArgument("address", "has a wrong EIP-55 checksum (a typo?); copy the address again");
        }
        return expected;
    }

    private static String required(String value, String name, String action) {
        if (value == null || value.isBlank()) {
            throw ToolException.badArgument(name, "is required for " + action);
        }
        return value;
    }

    private static String render(Output output) {
        StringBuilder text = new StringBuilder();
        if (output.wallets() != null) {
            text.append(
                    output.wallets().isEmpty() ? "no wallets" : output.wallets().size() + " wallet(s)");
            output.wallets().forEach(w -> text.append("\n")
                    .append(w.address())
                    .append(w.label().isEmpty() ? "" : " (" + w.label() + ")"));
        }
        if (output.balances() != null) {
            output.balances().forEach(b -> text.append(b.address())
                    .append(": ")
                    .append(b.amount())
                    .append(' ')
                    .append(b.symbol())
                    .append(" on ")
                    .append(b.network())
                    .append('\n'));
        }
        if (output.transfer() != null) {
            Transfer t = output.transfer();
            text.append(t.hash()).append(": ").append(t.status());
            if (t.blockNumber() != null) {
                text.append(" in block ")
                        .append(t.blockNumber())
                        .append(" (")
                        .append(t.confirmations())
                        .append(" confirmations)");
            }
        }
        return text.toString().strip();
    }
}
