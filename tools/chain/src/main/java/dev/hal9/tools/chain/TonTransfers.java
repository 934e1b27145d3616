package dev.hal9.tools.chain;

import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.ton.ton4j.address.Address;
import org.ton.ton4j.cell.Cell;
import org.ton.ton4j.cell.CellBuilder;
import org.ton.ton4j.smartcontract.token.ft.JettonWallet;
import org.ton.ton4j.smartcontract.types.Destination;
import org.ton.ton4j.smartcontract.types.WalletV4R2Config;
import org.ton.ton4j.smartcontract.types.WalletV5Config;
import org.ton.ton4j.smartcontract.wallet.v4.WalletV4R2;
import org.ton.ton4j.smartcontract.wallet.v5.WalletV5;
import org.ton.ton4j.tlb.Message;
import org.ton.ton4j.toncenter.TonCenter;
import org.ton.ton4j.toncenter.TonCenterApiException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * TON transfers from a V4R2 wallet over the toncenter v2 API: {@link #prepare} validates one into a guard intent;
 * as the guard's settlement it signs an external message (with the wallet's state init when the wallet is not
 * deployed yet, so the first transfer deploys it), broadcasts it and follows the wallet's seqno. A signed
 * message carries its seqno, so broadcasting it twice moves nothing twice.
 */
final class TonTransfers implements Guard.Settlement {

    static final String KIND = "ton.transfer";
    static final String NETWORK = "ton";
    static final int DECIMALS = 9;

    /** What a transfer may cost in fees at most, kept free in the balance check (0.05 TON). */
    static final BigInteger FEE_RESERVE = BigInteger.valueOf(50_000_000L);

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final BigInteger MAX = BigInteger.TWO.pow(120);

    /** Send mode 3 (pay fees separately, ignore errors), as wallet apps use: the recipient gets the whole amount. */
    static final int SEND_MODE = 3;

    /** TON attached to a jetton transfer for the jetton wallets' fees; the excess comes back. */
    static final BigInteger JETTON_ATTACHED = BigInteger.valueOf(50_000_000L);

    private final Keystore keystore;
    private final Supplier<TonCenter> client;
    private final Supplier<Optional<char[]>> passphrase;
    private final Map<String, Jetton> jettons;

    /** A jetton the operator named: its symbol, master contract and decimals. */
    record Jetton(String symbol, Address master, int decimals) {}

    TonTransfers(
            Keystore keystore,
            Supplier<TonCenter> client,
            Supplier<Optional<char[]>> passphrase,
            Map<String, Jetton> jettons) {
        this.keystore = keystore;
        this.client = client;
        this.passphrase = passphrase;
        this.jettons = jettons;
    }

    /** {@code families.chain.ton.jettons}: "USDT=EQ…:6,NOT=EQ…:9". */
    static Map<String, Jetton> jettons(String setting) {
        Map<String, Jetton> jettons = new LinkedHashMap<>();
        for (String entry : setting.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split("[=:]");
            try {
                String symbol = parts[0].trim().toUpperCase(java.util.Locale.ROOT);
                String master = entry.substring(entry.indexOf('=') + 1, entry.lastIndexOf(':'))
                        .trim();
                int decimals = Integer.parseInt(
                        entry.substring(entry.lastIndexOf(':') + 1).trim());
                jettons.put(symbol, new Jetton(symbol, Address.of(master), decimals));
            } catch (RuntimeException | Error e) {
                throw new IllegalArgumentException("families.chain.ton.jettons takes SYMBOL=MASTER_ADDRESS:DECIMALS "
                        + "entries separated by commas (e.g. USDT=EQCxE6…:6), not '" + entry.trim() + "'");
            }
        }
        return Map.copyOf(jettons);
    }

    /** The jetton a request names, by symbol or master address; null for TON itself. */
    Jetton jetton(String requested) {
        if (requested == null || requested.isBlank() || requested.equalsIgnoreCase("TON")) {
            return null;
        }
        Jetton bySymbol = jettons.get(requested.trim().toUpperCase(java.util.Locale.ROOT));
        if (bySymbol != null) {
            return bySymbol;
        }
        // a short word is a symbol the operator did not name; anything longer must be a master address
        String raw = requested.trim().matches("[A-Za-z0-9$._-]{1,16}")
                ? null
                : TonWallets.parse(requested, "token").toRaw();
        return jettons.values().stream()
                .filter(j -> j.master().toRaw().equals(raw))
                .findFirst()
                .orElseThrow(() -> ToolException.badArgument(
                        "token",
                        "'" + requested + "' is not a jetton the operator configured"
                                + (jettons.isEmpty() ? "" : " (" + String.join(", ", jettons.keySet()) + ")")
                                + "; ask them to add it to families.chain.ton.jettons as SYMBOL=MASTER:DECIMALS"));
    }

    /** The owner's jetton wallet and its balance (0 when it does not exist yet). */
    static Map.Entry<Address, BigInteger> jettonWallet(TonCenter ton, Jetton jetton, Address owner) {
        Address wallet = call(() -> ton.getJettonWalletAddress(jetton.master().toRaw(), owner.toRaw()));
        if (!"active".equals(call(() -> ton.getState(wallet.toRaw())))) {
            return Map.entry(wallet, BigInteger.ZERO);
        }
        var result = call(() -> ton.runGetMethod(wallet.toRaw(), "get_wallet_data", List.of()));
        List<Object> first = result.getResult().getStack().get(0);
        String hex = String.valueOf(first.get(1));
        return Map.entry(wallet, new BigInteger(hex.startsWith("0x") ? hex.substring(2) : hex, 16));
    }

    record Request(String from, String to, String amount, String comment, String token, String idempotencyKey) {}

    Guard.Intent prepare(String principal, Request request) {
        Address to = TonWallets.parse(request.to(), "to");
        String from = sender(principal, request.from());
        if (passphrase.get().isEmpty()) {
            throw new ToolException("this server cannot sign: the operator started it without "
                    + "HAL9_KEYSTORE_PASSPHRASE, so no wallet can be unlocked");
        }
        Jetton jetton = jetton(request.token());
        if (jetton != null) {
            return prepareJetton(principal, request, to, from, jetton);
        }
        BigInteger amount = Amounts.parse(request.amount(), DECIMALS, "TON", MAX);
        TonCenter ton = client.get();
        String recipientState = call(() -> ton.getState(to.toRaw()));
        boolean recipientActive = "active".equals(recipientState);
        boolean bounceable = TonWallets.bounceable(request.to(), to);
        if (bounceable && !recipientActive) {
            throw ToolException.badArgument(
                    "to",
                    request.to() + " is a bounceable address, but no contract is deployed there yet, so the coins "
                            + "would bounce back (less fees). Send to its non-bounceable form "
                            + to.toNonBounceable() + " if this is a new wallet");
        }
        Address sender = Address.of(from);
        BigInteger balance = call(() -> ton.getBalance(sender.toRaw()));
        boolean deployed = "active".equals(call(() -> ton.getState(sender.toRaw())));
        if (balance.compareTo(amount.add(FEE_RESERVE)) < 0) {
            throw new ToolException("insufficient TON: " + sender.toNonBounceable() + " has "
                    + Amounts.format(balance, DECIMALS) + " TON, the transfer needs "
                    + Amounts.format(amount, DECIMALS) + " plus up to " + Amounts.format(FEE_RESERVE, DECIMALS)
                    + " TON for fees");
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("network", NETWORK);
        preview.put("recipient", to.toNonBounceable() + (recipientActive ? " (active)" : " (not deployed yet)"));
        preview.put("fee at most", Amounts.format(FEE_RESERVE, DECIMALS) + " TON (estimate)");
        if (!deployed) {
            preview.put("wallet", "this transfer also deploys your wallet contract (V4R2)");
        }
        if (request.comment() != null && !request.comment().isBlank()) {
            preview.put("comment", request.comment());
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("bounce", bounceable && recipientActive);
        payload.put("comment", request.comment());
        String summary = "send " + Amounts.format(amount, DECIMALS) + " TON on ton from " + sender.toNonBounceable()
                + " to " + to.toNonBounceable();
        return new Guard.Intent(
                KIND,
                NETWORK,
                "TON",
                DECIMALS,
                amount,
                sender.toRaw(),
                to.toRaw(),
                summary,
                preview,
                JSON.writeValueAsString(payload),
                request.idempotencyKey());
    }

    private Guard.Intent prepareJetton(String principal, Request request, Address to, String from, Jetton jetton) {
        BigInteger amount = Amounts.parse(request.amount(), jetton.decimals(), jetton.symbol(), MAX);
        TonCenter ton = client.get();
        Address sender = Address.of(from);
        var mine = jettonWallet(ton, jetton, sender);
        if (mine.getValue().compareTo(amount) < 0) {
            throw new ToolException("insufficient " + jetton.symbol() + ": " + sender.toNonBounceable() + " has "
                    + Amounts.format(mine.getValue(), jetton.decimals()) + " " + jetton.symbol()
                    + ", the transfer needs " + Amounts.format(amount, jetton.decimals()));
        }
        BigInteger tonBalance = call(() -> ton.getBalance(sender.toRaw()));
        BigInteger tonNeeded = JETTON_ATTACHED.add(FEE_RESERVE);
        if (tonBalance.compareTo(tonNeeded) < 0) {
            throw new ToolException("insufficient TON for the fees: " + sender.toNonBounceable() + " has "
                    + Amounts.format(tonBalance, DECIMALS) + " TON, a jetton transfer needs up to "
                    + Amounts.format(tonNeeded, DECIMALS) + " TON");
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("network", NETWORK);
        preview.put("jetton master", jetton.master().toBounceable());
        preview.put("from jetton wallet", mine.getKey().toBounceable());
        preview.put("fee at most", Amounts.format(tonNeeded, DECIMALS) + " TON (the unused part comes back)");
        if (request.comment() != null && !request.comment().isBlank()) {
            preview.put("comment", request.comment());
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("jettonWallet", mine.getKey().toRaw());
        payload.put("comment", request.comment());
        return new Guard.Intent(
                KIND,
                NETWORK,
                jetton.symbol(),
                jetton.decimals(),
                amount,
                sender.toRaw(),
                to.toRaw(),
                "send " + Amounts.format(amount, jetton.decimals()) + " " + jetton.symbol() + " on ton from "
                        + sender.toNonBounceable() + " to " + to.toNonBounceable(),
                preview,
                JSON.writeValueAsString(payload),
                request.idempotencyKey());
    }

    private String sender(String principal, String requested) {
        List<Keystore.WalletInfo> wallets = keystore.list(principal, Keystore.TON);
        if (requested == null || requested.isBlank()) {
            if (wallets.size() == 1) {
                return wallets.get(0).address();
            }
            throw wallets.isEmpty()
                    ? new ToolException("you have no TON wallet; ask the operator to run 'hal9 wallet create "
                            + "--chain ton --principal " + principal + "'")
                    : ToolException.badArgument("from", "is needed: you have " + wallets.size() + " TON wallets");
        }
        String raw = TonWallets.parse(requested, "from").toRaw();
        return wallets.stream()
                .map(Keystore.WalletInfo::address)
                .filter(raw::equalsIgnoreCase)
                .findFirst()
                .orElseThrow(() -> ToolException.badArgument(
                        "from", requested + " is not one of your TON wallets; ton_wallet with action=list shows them"));
    }

    // ---- settlement

    @Override
    public Guard.Signed sign(Guard.Payment payment, long previous) {
        TonCenter ton = client.get();
        JsonNode payload = JSON.readTree(payment.payload());
        char[] secret = passphrase
                .get()
                .orElseThrow(() -> new IllegalStateException("HAL9_KEYSTORE_PASSPHRASE is not set; cannot sign"));
        byte[] seed = keystore.unlock(payment.principal(), payment.sender(), secret);
        try {
            String contract = keystore.list(payment.principal(), Keystore.TON).stream()
                    .filter(w -> w.address().equalsIgnoreCase(payment.sender()))
                    .map(Keystore.WalletInfo::contract)
                    .findFirst()
                    .orElse(TonWallets.V4R2);
            boolean deployed = "active".equals(call(() -> ton.getState(payment.sender())));
            long seqno = deployed ? call(() -> ton.getSeqno(payment.sender())) : 0;
            seqno = Math.max(seqno, previous + 1);
            long validUntil = Instant.now().getEpochSecond() + 600;
            String comment =
                    payload.path("comment").isString() ? payload.path("comment").asString() : null;
            // what the wallet sends: TON to the recipient, or (TEP-74) a transfer order to our jetton wallet,
            // which moves the jettons to the recipient's and returns the excess TON to us
            boolean jetton = payload.has("jettonWallet");
            Address destination =
                    jetton ? Address.of(payload.path("jettonWallet").asString()) : Address.of(payment.recipient());
            BigInteger value = jetton ? JETTON_ATTACHED : payment.amount();
            boolean bounce = jetton || payload.path("bounce").asBoolean(false);
            Cell body = jetton
                    ? JettonWallet.createTransferBody(
                            seqno,
                            payment.amount(),
                            Address.of(payment.recipient()),
                            Address.of(payment.sender()),
                            null,
                            BigInteger.ONE,
                            comment == null ? null : commentCell(comment))
                    : comment == null ? null : commentCell(comment);
            Message message;
            if (TonWallets.V5R1.equals(contract)) {
                WalletV5 wallet = TonWallets.v5r1(seed, ton);
                Destination.DestinationBuilder to = Destination.builder()
                        .address(destination.toRaw())
                        .amount(value)
                        .mode(SEND_MODE)
                        .bounce(bounce);
                if (body != null) {
                    to.body(body);
                }
                message = wallet.prepareExternalMsg(WalletV5Config.builder()
                        .walletId(TonWallets.V5R1_WALLET_ID)
                        .seqno(seqno)
                        .validUntil(validUntil)
                        .body(wallet.createBulkTransfer(List.of(to.build())).toCell())
                        .build());
                message = withStateInit(message, wallet.getStateInit(), deployed);
            } else {
                WalletV4R2 wallet = TonWallets.v4r2(seed, ton);
                WalletV4R2Config.WalletV4R2ConfigBuilder config = WalletV4R2Config.builder()
                        .walletId(TonWallets.V4R2_WALLET_ID)
                        .seqno(seqno)
                        .validUntil(validUntil)
                        .destination(destination)
                        .amount(value)
                        .mode(SEND_MODE)
                        .bounce(bounce);
                if (body != null) {
                    config.body(body);
                }
                message = withStateInit(wallet.prepareExternalMsg(config.build()), wallet.getStateInit(), deployed);
            }
            byte[] boc = message.toCell().toBoc();
            String hash = HexFormat.of().formatHex(message.toCell().getHash());
            return new Guard.Signed(hash, Base64.getEncoder().encodeToString(boc), seqno);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(secret, '\0');
        }
    }

    /** A text comment as TON wallets encode it: op 0, then the text. */
    private static Cell commentCell(String comment) {
        return CellBuilder.beginCell().storeUint(0, 32).storeString(comment).endCell();
    }

    /** The first message of an undeployed wallet carries its state init, so the transfer deploys it. */
    private static Message withStateInit(Message message, org.ton.ton4j.tlb.StateInit init, boolean deployed) {
        if (deployed || message.getInit() != null) {
            return message;
        }
        return Message.builder()
                .info(message.getInfo())
                .init(init)
                .body(message.getBody())
                .build();
    }

    @Override
    public void broadcast(Guard.Payment payment, Guard.Signed signed) {
        TonCenter ton = client.get();
        try {
            ton.sendBoc(signed.raw());
        } catch (TonCenterApiException e) {
            if (seqnoPassed(ton, payment, signed)) {
                return; // the wallet took this very message already
            }
            throw new Guard.Rejected(
                    String.valueOf(e.getMessage()).lines().findFirst().orElse("refused"));
        }
    }

    @Override
    public Guard.Outcome check(Guard.Payment payment, Guard.Signed signed) {
        return seqnoPassed(client.get(), payment, signed)
                ? new Guard.Outcome(Guard.Outcome.Status.CONFIRMED, "wallet seqno passed " + signed.sequence())
                : Guard.Outcome.of(Guard.Outcome.Status.UNKNOWN);
    }

    private static boolean seqnoPassed(TonCenter ton, Guard.Payment payment, Guard.Signed signed) {
        if (!"active".equals(call(() -> ton.getState(payment.sender())))) {
            return false;
        }
        return call(() -> ton.getSeqno(payment.sender())) > signed.sequence();
    }

    /** Runs a toncenter call, turning its failures into errors that name the endpoint's trouble. */
    static <T> T call(Supplier<T> request) {
        try {
            return request.get();
        } catch (TonCenterApiException e) {
            throw new ToolException("the TON API refused the request: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        } catch (ToolException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ToolException("the TON API (families.chain.ton.endpoint) failed: " + e.getMessage());
        }
    }
}
