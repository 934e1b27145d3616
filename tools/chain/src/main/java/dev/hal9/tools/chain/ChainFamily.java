package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The chain family: {@code evm_wallet} (the caller's EVM wallets, native and ERC-20 balances, the status of a
 * transfer) and {@code evm_send}, which moves value only through the server's guard. Keys stay in the
 * {@link Keystore}; no tool returns one.
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
            String hash,

            @Param(
                    value = "balance: an ERC-20 token, by contract address or by a symbol the operator configured "
                            + "(e.g. USDT); omit for the network's native asset.",
                    maxLength = 42)
            String token) {}

    record Wallet(
            @Param("The wallet's EIP-55 address.") String address,
            @Param("The owner's label for it.") String label,

            @Param(value = "When it was made or imported.", format = "date-time")
            String createdAt) {}

    record Balance(
            @Param("The address.") String address,
            @Param("The network.") String network,
            @Param("The asset's symbol.") String symbol,

            @Param("The ERC-20 contract, or null for the native asset.")
            String token,

            @Param("The balance in the asset's smallest unit (wei for the native asset), as a decimal string.")
            String units,

            @Param("The balance in whole units, as a decimal string.")
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

    record SendInput(
            @Param(
                    value = "The network, e.g. ethereum, polygon, bsc, mantle, or one the operator configured.",
                    required = true,
                    maxLength = 40)
            String network,

            @Param(
                    value = "The recipient: 0x + 40 hex (mixed case must be a valid EIP-55 checksum).",
                    required = true,
                    pattern = "^0x[0-9a-fA-F]{40}$")
            String to,

            @Param(
                    value = "How much, in whole units as a decimal string, e.g. \"0.05\" ETH or \"12.5\" USDT.",
                    required = true,
                    maxLength = 80)
            String amount,

            @Param(
                    value = "An ERC-20 token by contract address or configured symbol (e.g. USDT); omit to send the "
                            + "native asset.",
                    maxLength = 42)
            String token,

            @Param(
                    value = "Which of your wallets pays; needed only if you have more than one.",
                    pattern = "^0x[0-9a-fA-F]{40}$")
            String from,

            @Param(
                    value = "Your key for this payment: sending again with the same key returns the first payment "
                            + "instead of paying twice. Use one per intended payment, e.g. the order id.",
                    maxLength = 200)
            String idempotencyKey) {}

    private final Map<String, EvmRpc> clients = new ConcurrentHashMap<>();
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "chain";
    }

    /** {@code hal9 wallet}: keys enter and leave hal9 only on the operator's command line. */
    @Override
    public List<Object> commands(Supplier<FamilyContext> context) {
        return List.of(WalletCommands.line(context));
    }

    /** The principals' encrypted keys, in the family's folder; the server and {@code hal9 wallet} share it. */
    static Keystore keystore(FamilyContext context) {
        return new Keystore(context.dataDirectory().resolve("keystore"));
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        ChainSettings settings = ChainSettings.from(context);
        Keystore keystore = keystore(context);
        EvmNetworks networks = new EvmNetworks(settings.evm());
        Duration timeout = settings.rpcTimeout();
        List<Tool<?, ?>> tools = new ArrayList<>();
        tools.add(Tool.builder("evm_wallet", Input.class, Output.class)
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
        context.guard().ifPresent(guard -> {
            EvmTransfers transfers =
                    new EvmTransfers(keystore, networks, network -> rpc(network, timeout), ChainFamily::passphrase);
            guard.register(EvmTransfers.KIND, transfers);
            // contract creations and calls (the contracts family) are signed and sent the same way
            guard.register(Evm.CONTRACT_KIND, transfers);
            context.publish(Evm.class, new EvmContracts(networks, network -> rpc(network, timeout), transfers));
            tools.add(GuardedSend.tool(
                    "evm_send",
                    SendInput.class,
                    "Send ETH or an ERC-20 token",
                    "Send the native asset or an ERC-20 token (e.g. USDT) from one of your wallets on "
                            + "an EVM network. It validates and simulates the transfer, then the server's guard "
                            + "checks the operator's limits and asks a person to approve; small amounts may be "
                            + "approved by policy. The result is the payment: 'pending' means a person must approve "
                            + "it (tell the user how, as the result says; you cannot approve it), 'confirmed' means "
                            + "done. Give an idempotencyKey so that a retry never pays twice. Use evm_wallet to "
                            + "read balances and payment_status to follow a payment.",
                    guard,
                    (input, principal) -> transfers.prepare(
                            principal,
                            new EvmTransfers.Request(
                                    input.network(),
                                    input.from(),
                                    input.to(),
                                    input.amount(),
                                    input.token(),
                                    input.idempotencyKey()))));
        });
        tools.addAll(TonTools.tools(context, settings, keystore));
        return tools;
    }

    /** The payment preview of evm_send and ton_send, which exist only where the server has a guard. */
    @Override
    public List<View> views(FamilyContext context) {
        return context.guard().isPresent() ? List.of(View.payment()) : List.of();
    }

    /** The keystore passphrase the operator gave the server, read when a key is needed and never kept. */
    static Optional<char[]> passphrase() {
        String value = System.getenv("HAL9_KEYSTORE_PASSPHRASE");
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value.toCharArray());
    }

    private Output handle(Keystore keystore, EvmNetworks networks, Duration timeout, Input input, ToolCall call) {
        String principal = call.principal().id();
        return switch (input.action()) {
            case LIST ->
                new Output(
                        keystore.list(principal, Keystore.EVM).stream()
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
                        : keystore.list(principal, Keystore.EVM).stream()
                                .map(Keystore.WalletInfo::address)
                                .toList();
                if (addresses.isEmpty()) {
                    throw new ToolException("you have no wallets; give an address, or ask the operator to run "
                            + "'hal9 wallet create --principal " + principal + "'");
                }
                Erc20.Token token = EvmTransfers.token(rpc, network, input.token());
                List<Balance> balances = new ArrayList<>();
                for (String address : addresses) {
                    call.checkCancelled();
                    BigInteger units =
                            token == null ? rpc.balance(address) : Erc20.balance(rpc, token.address(), address);
                    int decimals = token == null ? 18 : token.decimals();
                    balances.add(new Balance(
                            address,
                            network.name(),
                            token == null ? network.symbol() : token.symbol(),
                            token == null ? null : token.address(),
                            units.toString(),
                            Amounts.format(units, decimals)));
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
        return checked(address, "address");
    }

    /** An address given as the named argument, with its EIP-55 checksum checked when it has upper-case letters. */
    static String checked(String address, String argument) {
        if (address == null || !address.matches("0x[0-9a-fA-F]{40}")) {
            throw ToolException.badArgument(
                    argument,
                    "must be an EVM address, 0x and 40 hex digits, not '" + address + "'"
                            + (address != null
                                            && (address.startsWith("EQ")
                                                    || address.startsWith("UQ")
                                                    || address.startsWith("0:"))
                                    ? " (that is a TON address)"
                                    : ""));
        }
        String lower = address.substring(2).toLowerCase(Locale.ROOT);
        String expected = EvmSigner.checksum(lower);
        boolean mixed =
                !address.substring(2).equals(lower) && !address.substring(2).equals(lower.toUpperCase(Locale.ROOT));
        if (mixed && !expected.equals(address)) {
            throw ToolException.badArgument(
                    argument, address + " has a wrong EIP-55 checksum (a typo?); copy the address again");
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
