package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Guard;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.ton.ton4j.address.Address;
import org.ton.ton4j.cell.Cell;
import org.ton.ton4j.cell.CellSlice;
import org.ton.ton4j.toncenter.TonCenter;

/**
 * {@code ton_wallet} (the caller's TON wallets, their addresses in every form and balances) and {@code ton_send}
 * (TON through the guard), over a toncenter v2 endpoint ({@code families.chain.ton.endpoint}, {@code api-key}).
 */
final class TonTools {

    enum Action {
        LIST,
        BALANCE,
        TRANSACTIONS
    }

    record WalletInput(
            @Param(
                    value = "list your TON wallets; balance of an address or of all your wallets; transactions: the "
                            + "recent transfers in and out of an address (default: your only wallet).",
                    required = true)
            Action action,

            @Param(
                    value = "balance, transactions: a TON address (UQ…/EQ… or 0:<hex>); omit for your own wallets.",
                    maxLength = 80)
            String address,

            @Param(value = "transactions: how many, newest first.", minimum = 1, maximum = 50, defaultValue = "10")
            Integer limit,

            @Param(
                    value = "balance: a jetton (e.g. USDT) by configured symbol or master address, read through the "
                            + "master's get_wallet_address; omit for TON.",
                    maxLength = 80)
            String token) {}

    record TonWallet(
            @Param("Non-bounceable form (UQ…), the one to give people who send you TON.")
            String address,

            @Param("Bounceable form (EQ…).") String bounceable,
            @Param("Raw form (0:<hex>).") String raw,

            @Param("The wallet contract: v4r2 or v5r1 (W5).")
            String version,

            @Param("The owner's label for it.") String label) {}

    record TonBalance(
            @Param("The address (non-bounceable form).") String address,
            @Param("TON, or the jetton's symbol.") String asset,

            @Param("The balance in whole units, as a decimal string.")
            String amount,

            @Param("The balance in the smallest unit (nanotons, or the jetton's), as a decimal string.")
            String units,

            @Param("active, uninitialized (no contract yet: it deploys with its first transfer) or frozen.")
            String state) {}

    record TonTransaction(
            @Param(value = "When it ran.", format = "date-time")
            String time,

            @Param("in (received) or out (sent).") String direction,
            @Param("The other side (non-bounceable form).") String counterparty,
            @Param("TON moved, as a decimal string.") String amount,
            @Param("The text comment, if any.") String comment,
            @Param("The fee this account paid, in TON.") String fee,

            @Param("The transaction's logical time and hash (base64), as explorers show them.")
            String id) {}

    record WalletOutput(
            @Param("list: your TON wallets.") List<TonWallet> wallets,
            @Param("balance: one per address.") List<TonBalance> balances,
            @Param("transactions: newest first.") List<TonTransaction> transactions) {}

    record SendInput(
            @Param(
                    value = "The recipient: UQ… (non-bounceable, for wallets) or EQ… (bounceable, for deployed "
                            + "contracts) or 0:<hex>.",
                    required = true,
                    maxLength = 80)
            String to,

            @Param(
                    value = "How much TON, as a decimal string (at most 9 decimals), e.g. \"1.5\".",
                    required = true,
                    maxLength = 40)
            String amount,

            @Param(value = "A text comment the recipient sees (exchanges often require one).", maxLength = 120)
            String comment,

            @Param(
                    value = "A jetton to send instead of TON, by the symbol the operator configured (e.g. USDT) or its "
                            + "master address; omit to send TON.",
                    maxLength = 80)
            String token,

            @Param(value = "Which of your TON wallets pays; needed only if you have more than one.", maxLength = 80)
            String from,

            @Param(
                    value = "Your key for this payment: sending again with the same key returns the first payment "
                            + "instead of paying twice.",
                    maxLength = 200)
            String idempotencyKey) {}

    private TonTools() {}

    static List<Tool<?, ?>> tools(FamilyContext context, ChainSettings settings, Keystore keystore) {
        String endpoint = settings.tonEndpoint();
        Optional<String> apiKey = settings.tonApiKey();
        Duration timeout = settings.rpcTimeout();
        Supplier<TonCenter> client = new Supplier<>() {
            private volatile TonCenter built;

            @Override
            public TonCenter get() {
                if (built == null) {
                    synchronized (this) {
                        if (built == null) {
                            TonCenter.TonCenterBuilder builder = TonCenter.builder()
                                    .endpoint(endpoint)
                                    .connectTimeout(timeout)
                                    .readTimeout(timeout)
                                    .writeTimeout(timeout);
                            apiKey.ifPresent(builder::apiKey);
                            built = builder.build();
                        }
                    }
                }
                return built;
            }
        };
        TonTransfers jettons =
                new TonTransfers(keystore, client, ChainFamily::passphrase, settings.jettons(), context.clock());
        List<Tool<?, ?>> tools = new ArrayList<>();
        tools.add(Tool.builder("ton_wallet", WalletInput.class, WalletOutput.class)
                .title("TON wallets and balances")
                .description("List your TON wallets (each address in its non-bounceable UQ…, bounceable EQ… and raw "
                        + "forms), read TON or jetton (e.g. USDT) balances, and list an address's recent transfers. Read-only: it never moves funds. Wallets are made by the "
                        + "operator with 'hal9 wallet create --chain ton'; no tool ever shows a key.")
                .kind(ToolKind.READ_ONLY)
                .capability("chain.read")
                .handler((input, call) -> wallet(keystore, client, jettons, input, call))
                .render(TonTools::render)
                .build());
        context.guard().ifPresent(guard -> {
            TonTransfers transfers = jettons;
            guard.register(TonTransfers.KIND, transfers);
            context.publish(Ton.class, new Ton() {
                @Override
                public Guard.Intent prepare(String principal, Ton.Payment payment) {
                    return transfers.prepare(
                            principal,
                            new TonTransfers.Request(
                                    payment.from(),
                                    payment.to(),
                                    payment.amount(),
                                    payment.comment(),
                                    payment.token(),
                                    payment.idempotencyKey()));
                }

                @Override
                public String wallet(String principal, String requested) {
                    return TonWallets.parse(transfers.sender(principal, requested), "from")
                            .toNonBounceable();
                }

                @Override
                public Ton.JettonMaster jettonMaster(String address) {
                    Address master = TonWallets.parse(address, "address");
                    TonCenter ton = client.get();
                    String state;
                    try {
                        state = ton.getState(master.toRaw());
                    } catch (RuntimeException e) {
                        throw new ToolException("toncenter (" + endpoint + ") could not be asked about " + address
                                + ": " + e.getMessage());
                    }
                    if (!"active".equals(state)) {
                        throw ToolException.badArgument(
                                "address",
                                address + " has no active contract on TON (it is " + state + "): check the address");
                    }
                    // read the stack here rather than through ton4j's getJettonData, which takes the supply
                    // as a long (it overflows past 9.2e18 smallest units, 9.2 billion of a 9-decimal jetton)
                    List<List<Object>> stack;
                    try {
                        var answer = ton.runGetMethod(master.toRaw(), "get_jetton_data", new ArrayList<>())
                                .getResult();
                        if (answer.getExitCode() != null && answer.getExitCode() != 0
                                || answer.getStack().size() < 4) {
                            throw new IllegalStateException("exit code " + answer.getExitCode());
                        }
                        stack = answer.getStack();
                    } catch (RuntimeException e) {
                        throw ToolException.badArgument(
                                "address",
                                address + " is a contract but not a TEP-74 jetton "
                                        + "master: its get_jetton_data failed (" + e.getMessage() + ")");
                    }
                    BigInteger supply = signedHex(stack.get(0).get(1));
                    boolean mintable = signedHex(stack.get(1).get(1)).signum() != 0;
                    Address admin = cell(stack.get(2).get(1)).loadAddress();
                    CellSlice content = cell(stack.get(3).get(1));
                    String uri =
                            content.getRestBits() >= 8 && content.loadUint(8).intValue() == 1
                                    ? content.loadSnakeString()
                                    : null;
                    return new Ton.JettonMaster(
                            master.toBounceable(), supply, mintable, admin == null ? null : admin.toBounceable(), uri);
                }

                private static BigInteger signedHex(Object value) {
                    String text = String.valueOf(value).trim();
                    boolean negative = text.startsWith("-");
                    String digits = text.replaceFirst("^-?0x", "");
                    BigInteger number = new BigInteger(digits.isEmpty() ? "0" : digits, 16);
                    return negative ? number.negate() : number;
                }

                private static CellSlice cell(Object entry) {
                    if (!(entry instanceof Map<?, ?> map) || !(map.get("bytes") instanceof String bytes)) {
                        throw new ToolException("toncenter sent a stack entry that is not a cell: " + entry);
                    }
                    return CellSlice.beginParse(Cell.fromBocBase64(bytes));
                }
            });
            tools.add(GuardedSend.tool(
                    "ton_send",
                    SendInput.class,
                    "Send TON or a jetton",
                    "Send TON, or a jetton such as USDT (TEP-74), from one of your TON wallets, with an "
                            + "optional comment. It checks the "
                            + "address (a bounceable EQ… address to an undeployed wallet is refused: the coins would "
                            + "bounce), the amount and the balance, then the server's guard checks the operator's "
                            + "limits and asks a person to approve; small amounts may be approved by policy. A new "
                            + "wallet deploys with its first transfer. 'pending' means a person must approve it (tell "
                            + "the user how, as the result says; you cannot approve it). Give an idempotencyKey so "
                            + "that a retry never pays twice.",
                    guard,
                    (input, principal) -> transfers.prepare(
                            principal,
                            new TonTransfers.Request(
                                    input.from(),
                                    input.to(),
                                    input.amount(),
                                    input.comment(),
                                    input.token(),
                                    input.idempotencyKey()))));
        });
        return tools;
    }

    private static WalletOutput wallet(
            Keystore keystore, Supplier<TonCenter> client, TonTransfers transfers, WalletInput input, ToolCall call) {
        String principal = call.principal().id();
        List<Keystore.WalletInfo> mine = keystore.list(principal, Keystore.TON);
        return switch (input.action()) {
            case LIST ->
                new WalletOutput(
                        mine.stream()
                                .map(w -> {
                                    Address address = Address.of(w.address());
                                    return new TonWallet(
                                            address.toNonBounceable(),
                                            address.toBounceable(),
                                            address.toRaw(),
                                            w.contract(),
                                            w.label());
                                })
                                .toList(),
                        null,
                        null);
            case BALANCE -> {
                List<Address> addresses = input.address() != null
                        ? List.of(TonWallets.parse(input.address(), "address"))
                        : mine.stream().map(w -> Address.of(w.address())).toList();
                if (addresses.isEmpty()) {
                    throw new ToolException("you have no TON wallets; give an address, or ask the operator to run "
                            + "'hal9 wallet create --chain ton --principal " + principal + "'");
                }
                TonCenter ton = client.get();
                TonTransfers.Jetton jetton = transfers.jetton(input.token());
                List<TonBalance> balances = new ArrayList<>();
                for (Address address : addresses) {
                    call.checkCancelled();
                    String state = TonTransfers.call(() -> ton.getState(address.toRaw()));
                    BigInteger units = jetton == null
                            ? TonTransfers.call(() -> ton.getBalance(address.toRaw()))
                            : TonTransfers.jettonWallet(ton, jetton, address).getValue();
                    balances.add(new TonBalance(
                            address.toNonBounceable(),
                            jetton == null ? "TON" : jetton.symbol(),
                            Amounts.format(units, jetton == null ? TonTransfers.DECIMALS : jetton.decimals()),
                            units.toString(),
                            state));
                }
                yield new WalletOutput(null, balances, null);
            }
            case TRANSACTIONS -> {
                Address address;
                if (input.address() != null) {
                    address = TonWallets.parse(input.address(), "address");
                } else if (mine.size() == 1) {
                    address = Address.of(mine.get(0).address());
                } else {
                    throw ToolException.badArgument(
                            "address", "is needed for transactions: you have " + mine.size() + " TON wallets");
                }
                int limit = input.limit() == null ? 10 : input.limit();
                TonCenter ton = client.get();
                var history = TonTransfers.call(() -> ton.getTransactions(address.toRaw(), limit));
                List<TonTransaction> rows = new ArrayList<>();
                for (var tx : history.getResult()) {
                    String time = java.time.Instant.ofEpochSecond(tx.getUtime()).toString();
                    String id = tx.getTransactionId().getLt() + ":"
                            + tx.getTransactionId().getHash();
                    String fee = Amounts.format(new BigInteger(tx.getFee()), TonTransfers.DECIMALS);
                    var in = tx.getInMsg();
                    if (in != null && in.getSource() != null && !in.getSource().isEmpty()) {
                        rows.add(new TonTransaction(
                                time,
                                "in",
                                friendly(in.getSource()),
                                nanotons(in.getValue()),
                                in.getMessage(),
                                fee,
                                id));
                    }
                    if (tx.getOutMsgs() != null) {
                        for (var out : tx.getOutMsgs()) {
                            rows.add(new TonTransaction(
                                    time,
                                    "out",
                                    friendly(out.getDestination()),
                                    nanotons(out.getValue()),
                                    out.getMessage(),
                                    fee,
                                    id));
                        }
                    }
                }
                yield new WalletOutput(null, null, rows);
            }
        };
    }

    private static String friendly(String raw) {
        try {
            return Address.of(raw).toNonBounceable();
        } catch (RuntimeException | Error e) {
            return raw;
        }
    }

    private static String nanotons(String value) {
        return Amounts.format(new BigInteger(value == null || value.isEmpty() ? "0" : value), TonTransfers.DECIMALS);
    }

    private static String render(WalletOutput output) {
        StringBuilder text = new StringBuilder();
        if (output.wallets() != null) {
            text.append(
                    output.wallets().isEmpty()
                            ? "no TON wallets"
                            : output.wallets().size() + " TON wallet(s)");
            output.wallets().forEach(w -> text.append('\n')
                    .append(w.address())
                    .append(w.label().isEmpty() ? "" : " (" + w.label() + ")"));
        }
        if (output.balances() != null) {
            output.balances().forEach(b -> text.append(b.address())
                    .append(": ")
                    .append(b.amount())
                    .append(' ')
                    .append(b.asset())
                    .append(" (")
                    .append(b.state())
                    .append(")\n"));
        }
        if (output.transactions() != null) {
            text.append(output.transactions().isEmpty() ? "no transactions" : "");
            output.transactions().forEach(t -> text.append(t.time())
                    .append(' ')
                    .append(t.direction())
                    .append(' ')
                    .append(t.amount())
                    .append(" TON ")
                    .append(t.direction().equals("in") ? "from " : "to ")
                    .append(t.counterparty())
                    .append(t.comment() == null || t.comment().isEmpty() ? "" : " \"" + t.comment() + "\"")
                    .append('\n'));
        }
        return text.toString().strip();
    }
}
