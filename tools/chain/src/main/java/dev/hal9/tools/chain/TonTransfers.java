package dev.hal9.tools.chain;

import com.iwebpp.crypto.TweetNaclFast;
import dev.hal9.api.Guard;
import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.InstantSource;
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

    static final String KIND = Ton.KIND;
    static final String NETWORK = "ton";
    static final int DECIMALS = 9;

    /** What a transfer may cost in fees at most, kept free in the balance check (0.05 TON). */
    static final BigInteger FEE_RESERVE = BigInteger.valueOf(50_000_000L);

    /** Made at first use: a family's tools are declared at every start, its payments settled far fewer times. */
    private static final class Mapper {
        static final JsonMapper JSON = JsonMapper.builder().build();
    }

    private static final BigInteger MAX = BigInteger.TWO.pow(120);

    /** How long a signed message may wait for the wallet to take it; after that it can never run. */
    static final long VALID_SECONDS = 600;

    /** Send mode 3 (pay fees separately, ignore errors), as wallet apps use: the recipient gets the whole amount. */
    static final int SEND_MODE = 3;

    /** TON attached to a jetton transfer for the jetton wallets' fees; the excess comes back. */
    static final BigInteger JETTON_ATTACHED = BigInteger.valueOf(50_000_000L);

    private final Keystore keystore;
    private final Supplier<TonCenter> client;
    private final Supplier<Optional<char[]>> passphrase;
    private final Map<String, Jetton> jettons;
    private final InstantSource clock;

    /** A jetton the operator named: its symbol, master contract and decimals. */
    record Jetton(String symbol, Address master, int decimals) {}

    TonTransfers(
            Keystore keystore,
            Supplier<TonCenter> client,
            Supplier<Optional<char[]>> passphrase,
            Map<String, Jetton> jettons,
            InstantSource clock) {
        this.clock = clock;
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
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("bounce", bounceable && recipientActive);
        payload.put("comment", request.comment());
        BigInteger fee = estimateFee(principal, sender, deployed, to.toRaw(), amount, payload);
        if (balance.compareTo(amount.add(fee)) < 0) {
            throw new ToolException("insufficient TON: " + sender.toNonBounceable() + " has "
                    + Amounts.format(balance, DECIMALS) + " TON, the transfer needs "
                    + Amounts.format(amount, DECIMALS) + " plus " + Amounts.format(fee, DECIMALS)
                    + " TON in fees");
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("network", NETWORK);
        preview.put("recipient", to.toNonBounceable() + (recipientActive ? " (active)" : " (not deployed yet)"));
        preview.put("fee", Amounts.format(fee, DECIMALS) + " TON (the network's estimate)");
        if (!deployed) {
            preview.put(
                    "wallet",
                    "this transfer also deploys your wallet contract (" + contractOf(principal, sender.toRaw()) + ")");
        }
        if (request.comment() != null && !request.comment().isBlank()) {
            preview.put("comment", request.comment());
        }
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
                Mapper.JSON.writeValueAsString(payload),
                request.idempotencyKey(),
                List.of(
                        // raw, like the intent's recipient: guard.recipients compares them as written
                        Guard.Effect.transfer("TON", DECIMALS, amount, to.toRaw()),
                        Guard.Effect.fee("TON", DECIMALS, fee)),
                true);
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
        boolean deployed = "active".equals(call(() -> ton.getState(sender.toRaw())));
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("jettonWallet", mine.getKey().toRaw());
        payload.put("comment", request.comment());
        BigInteger tonNeeded =
                JETTON_ATTACHED.add(estimateFee(principal, sender, deployed, to.toRaw(), amount, payload));
        if (tonBalance.compareTo(tonNeeded) < 0) {
            throw new ToolException("insufficient TON for the fees: " + sender.toNonBounceable() + " has "
                    + Amounts.format(tonBalance, DECIMALS) + " TON, a jetton transfer needs up to "
                    + Amounts.format(tonNeeded, DECIMALS) + " TON");
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("network", NETWORK);
        preview.put("jetton master", jetton.master().toBounceable());
        preview.put("from jetton wallet", mine.getKey().toBounceable());
        preview.put(
                "fee at most",
                Amounts.format(tonNeeded, DECIMALS) + " TON (the network's estimate plus "
                        + Amounts.format(JETTON_ATTACHED, DECIMALS) + " for the jetton wallets; the rest comes back)");
        if (request.comment() != null && !request.comment().isBlank()) {
            preview.put("comment", request.comment());
        }
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
                Mapper.JSON.writeValueAsString(payload),
                request.idempotencyKey(),
                List.of(
                        Guard.Effect.transfer(jetton.symbol(), jetton.decimals(), amount, to.toRaw()),
                        // the attached TON pays the jetton wallets; what they do not use comes back, but may not
                        Guard.Effect.fee("TON", DECIMALS, tonNeeded)),
                true);
    }

    String sender(String principal, String requested) {
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
        JsonNode payload = Mapper.JSON.readTree(payment.payload());
        char[] secret = passphrase
                .get()
                .orElseThrow(() -> new IllegalStateException("HAL9_KEYSTORE_PASSPHRASE is not set; cannot sign"));
        byte[] seed = keystore.unlock(payment.principal(), payment.sender(), secret);
        try {
            String contract = contractOf(payment.principal(), payment.sender());
            boolean deployed = "active".equals(call(() -> ton.getState(payment.sender())));
            long seqno = deployed ? call(() -> ton.getSeqno(payment.sender())) : 0;
            seqno = Math.max(seqno, previous + 1);
            TweetNaclFast.Signature.KeyPair keys = TweetNaclFast.Signature.keyPair_fromSeed(seed);
            long validUntil = clock.instant().getEpochSecond() + VALID_SECONDS;
            Message message = external(
                    contract,
                    keys,
                    keys.getPublicKey(),
                    deployed,
                    seqno,
                    validUntil,
                    order(payment.sender(), payment.recipient(), payment.amount(), payload, seqno));
            byte[] boc = message.toCell().toBoc();
            String hash = HexFormat.of().formatHex(message.toCell().getHash());
            // what check needs to find this very message on chain, and to know when it can no longer run
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("validUntil", validUntil);
            context.put("bodyHash", HexFormat.of().formatHex(message.getBody().getHash()));
            context.put("signedAt", clock.instant().getEpochSecond());
            return new Guard.Signed(
                    hash, Base64.getEncoder().encodeToString(boc), seqno, Mapper.JSON.writeValueAsString(context));
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(secret, '\0');
        }
    }

    /**
     * The fee of a transfer as the network computes it (toncenter's estimateFee, signature not checked): the
     * same message, signed by a throwaway key, since no key is unlocked before a person approves.
     */
    private BigInteger estimateFee(
            String principal,
            Address sender,
            boolean deployed,
            String recipient,
            BigInteger amount,
            Map<String, Object> payload) {
        String publicKey = keystore.publicKey(principal, sender.toRaw());
        if (publicKey.isEmpty()) {
            return FEE_RESERVE; // a wallet stored before public keys were kept: the conservative reserve
        }
        TonCenter ton = client.get();
        long seqno = deployed ? call(() -> ton.getSeqno(sender.toRaw())) : 0;
        byte[] throwaway = new byte[32];
        new java.security.SecureRandom().nextBytes(throwaway);
        Message message = external(
                contractOf(principal, sender.toRaw()),
                TweetNaclFast.Signature.keyPair_fromSeed(throwaway),
                HexFormat.of().parseHex(publicKey),
                deployed,
                seqno,
                clock.instant().getEpochSecond() + VALID_SECONDS,
                order(sender.toRaw(), recipient, amount, Mapper.JSON.valueToTree(payload), seqno));
        String body = Base64.getEncoder().encodeToString(message.getBody().toBoc());
        String code = message.getInit() == null
                ? null
                : Base64.getEncoder().encodeToString(message.getInit().getCode().toBoc());
        String data = message.getInit() == null
                ? null
                : Base64.getEncoder().encodeToString(message.getInit().getData().toBoc());
        var fees = call(() -> ton.estimateFee(sender.toRaw(), body, code, data, true))
                .getResult()
                .getSourceFees();
        long total = nonNull(fees.getInFwdFee())
                + nonNull(fees.getStorageFee())
                + nonNull(fees.getGasFee())
                + nonNull(fees.getFwdFee());
        return BigInteger.valueOf(total);
    }

    private static long nonNull(Long value) {
        return value == null ? 0 : value;
    }

    private String contractOf(String principal, String address) {
        return keystore.list(principal, Keystore.TON).stream()
                .filter(w -> w.address().equalsIgnoreCase(address))
                .map(Keystore.WalletInfo::contract)
                .findFirst()
                .orElse(TonWallets.V4R2);
    }

    /** What the wallet sends: TON to the recipient, or (TEP-74) a transfer order to the sender's jetton wallet. */
    private record Order(Address destination, BigInteger value, boolean bounce, Cell body) {}

    private static Order order(String sender, String recipient, BigInteger amount, JsonNode payload, long queryId) {
        String comment =
                payload.path("comment").isString() ? payload.path("comment").asString() : null;
        if (payload.has("jettonWallet")) {
            // our jetton wallet moves the jettons to the recipient's and returns the excess TON to us
            return new Order(
                    Address.of(payload.path("jettonWallet").asString()),
                    JETTON_ATTACHED,
                    true,
                    JettonWallet.createTransferBody(
                            queryId,
                            amount,
                            Address.of(recipient),
                            Address.of(sender),
                            null,
                            BigInteger.ONE,
                            comment == null ? null : commentCell(comment)));
        }
        return new Order(
                Address.of(recipient),
                amount,
                payload.path("bounce").asBoolean(false),
                comment == null ? null : commentCell(comment));
    }

    /**
     * The external message a wallet contract takes: signed by {@code signer}, carrying the state init of the
     * wallet of {@code publicKey} when it is not deployed, so that the transfer deploys it.
     */
    private static Message external(
            String contract,
            TweetNaclFast.Signature.KeyPair signer,
            byte[] publicKey,
            boolean deployed,
            long seqno,
            long validUntil,
            Order order) {
        Message message;
        org.ton.ton4j.tlb.StateInit init;
        if (TonWallets.V5R1.equals(contract)) {
            WalletV5 wallet = WalletV5.builder()
                    .keyPair(signer)
                    .walletId(TonWallets.V5R1_WALLET_ID)
                    .isSigAuthAllowed(true)
                    .build();
            Destination.DestinationBuilder to = Destination.builder()
                    .address(order.destination().toRaw())
                    .amount(order.value())
                    .mode(SEND_MODE)
                    .bounce(order.bounce());
            if (order.body() != null) {
                to.body(order.body());
            }
            message = wallet.prepareExternalMsg(WalletV5Config.builder()
                    .walletId(TonWallets.V5R1_WALLET_ID)
                    .seqno(seqno)
                    .validUntil(validUntil)
                    .body(wallet.createBulkTransfer(List.of(to.build())).toCell())
                    .build());
            // ton4j's W5 takes the key for its data cell from a key pair, which we do not have here: the same
            // layout by hand (signature auth allowed, seqno 0, wallet id, public key, no extensions)
            init = org.ton.ton4j.tlb.StateInit.builder()
                    .code(wallet.createCodeCell())
                    .data(CellBuilder.beginCell()
                            .storeBit(true)
                            .storeUint(0, 32)
                            .storeUint(TonWallets.V5R1_WALLET_ID, 32)
                            .storeBytes(publicKey)
                            .storeBit(false)
                            .endCell())
                    .build();
        } else {
            WalletV4R2 wallet = WalletV4R2.builder()
                    .keyPair(signer)
                    .walletId(TonWallets.V4R2_WALLET_ID)
                    .build();
            WalletV4R2Config.WalletV4R2ConfigBuilder config = WalletV4R2Config.builder()
                    .walletId(TonWallets.V4R2_WALLET_ID)
                    .seqno(seqno)
                    .validUntil(validUntil)
                    .destination(order.destination())
                    .amount(order.value())
                    .mode(SEND_MODE)
                    .bounce(order.bounce());
            if (order.body() != null) {
                config.body(order.body());
            }
            message = wallet.prepareExternalMsg(config.build());
            init = WalletV4R2.builder()
                    .publicKey(publicKey)
                    .walletId(TonWallets.V4R2_WALLET_ID)
                    .build()
                    .getStateInit();
        }
        return Message.builder()
                .info(message.getInfo())
                .init(deployed ? null : init)
                .body(message.getBody())
                .build();
    }

    /** A text comment as TON wallets encode it: op 0, then the text. */
    private static Cell commentCell(String comment) {
        return CellBuilder.beginCell().storeUint(0, 32).storeString(comment).endCell();
    }

    @Override
    public void broadcast(Guard.Payment payment, Guard.Signed signed) {
        TonCenter ton = client.get();
        try {
            ton.sendBoc(signed.raw());
        } catch (TonCenterApiException e) {
            if (seqnoPassed(ton, payment, signed)) {
                return; // the wallet took this very message already, or another with its seqno: check decides
            }
            throw new Guard.Rejected(
                    String.valueOf(e.getMessage()).lines().findFirst().orElse("refused"));
        }
    }

    /**
     * Follows the very message on chain, not the wallet's seqno: the wallet's transaction that took the signed
     * message (found by the body's hash), the internal message it sent, and the destination's transaction that
     * received it, each read from the transaction itself (its compute and action phases, aborted or not). For a
     * jetton, the sender's jetton wallet must pass it on (internal_transfer) and the recipient's jetton wallet must
     * take it; a refusal anywhere bounces the jettons back, and the payment failed. Send mode 3 ignores errors, so a
     * wallet that sent nothing (e.g. too little TON) is found here too.
     */
    @Override
    public Guard.Outcome check(Guard.Payment payment, Guard.Signed signed) {
        TonCenter ton = client.get();
        JsonNode context =
                signed.context() == null ? Mapper.JSON.createObjectNode() : Mapper.JSON.readTree(signed.context());
        String bodyHash = context.path("bodyHash").asString("");
        long signedAt = context.path("signedAt").asLong(0);
        Optional<TonChain.Tx> taken = TonChain.find(
                ton,
                payment.sender(),
                signedAt,
                tx -> tx.external() && tx.inBodyHash().equals(bodyHash));
        if (taken.isEmpty()) {
            if (seqnoPassed(ton, payment, signed)) {
                return new Guard.Outcome(
                        Guard.Outcome.Status.UNRESOLVED,
                        "the wallet's seqno passed " + signed.sequence() + ", but the API does not show the wallet's "
                                + "transaction for this message yet");
            }
            long validUntil = context.path("validUntil").asLong(Long.MAX_VALUE);
            if (clock.instant().getEpochSecond() > validUntil + 60) {
                return new Guard.Outcome(
                        Guard.Outcome.Status.FAILED,
                        "the wallet never took the message before it expired at " + Instant.ofEpochSecond(validUntil)
                                + ", and it can no longer run; nothing was sent");
            }
            return Guard.Outcome.of(Guard.Outcome.Status.UNKNOWN);
        }
        TonChain.Tx wallet = taken.get();
        if (!wallet.succeeded()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.FAILED,
                    "the wallet's transaction failed (" + wallet.why() + "); nothing was sent");
        }
        JsonNode payload = Mapper.JSON.readTree(payment.payload());
        boolean jetton = payload.has("jettonWallet");
        String first =
                jetton ? Address.of(payload.path("jettonWallet").asString()).toRaw() : payment.recipient();
        Optional<TonChain.Out> sent = wallet.out().stream()
                .filter(o -> o.destination().equalsIgnoreCase(first))
                .findFirst();
        if (sent.isEmpty()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.FAILED,
                    "the wallet took the message but sent nothing (" + wallet.why() + "; send mode 3 skips a "
                            + "message it cannot pay, e.g. with too little TON); nothing was delivered");
        }
        Optional<TonChain.Tx> received = TonChain.receiving(ton, payment.sender(), sent.get(), signedAt);
        if (received.isEmpty()) {
            return new Guard.Outcome(Guard.Outcome.Status.PENDING, "the message to " + first + " is on its way");
        }
        if (!jetton) {
            TonChain.Tx arrived = received.get();
            if (!arrived.succeeded() && sent.get().bounce()) {
                return new Guard.Outcome(
                        Guard.Outcome.Status.FAILED,
                        "it bounced: the recipient refused it (" + arrived.why() + "), and the coins came back less "
                                + "fees");
            }
            return new Guard.Outcome(
                    Guard.Outcome.Status.CONFIRMED, "delivered in the recipient's transaction lt " + arrived.lt());
        }
        TonChain.Tx ours = received.get();
        if (!ours.succeeded()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.FAILED,
                    "your jetton wallet refused the transfer (" + ours.why() + ", e.g. not enough " + payment.asset()
                            + "); it bounced back and nothing was delivered");
        }
        Optional<TonChain.Out> passed = ours.out().stream()
                .filter(o -> o.op() == TonChain.OP_INTERNAL_TRANSFER)
                .findFirst();
        if (passed.isEmpty()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.FAILED, "your jetton wallet passed nothing on (" + ours.why() + ")");
        }
        Optional<TonChain.Tx> credited = TonChain.receiving(ton, first, passed.get(), signedAt);
        if (credited.isEmpty()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.PENDING,
                    "the jettons are on their way to the recipient's jetton wallet "
                            + passed.get().destination());
        }
        if (!credited.get().succeeded()) {
            return new Guard.Outcome(
                    Guard.Outcome.Status.FAILED,
                    "the recipient's jetton wallet refused it ("
                            + credited.get().why() + "); the jettons bounced " + "back and nothing was delivered");
        }
        boolean notified = credited.get().out().stream()
                .anyMatch(o -> o.op() == TonChain.OP_TRANSFER_NOTIFICATION
                        && o.destination().equalsIgnoreCase(payment.recipient()));
        return new Guard.Outcome(
                Guard.Outcome.Status.CONFIRMED,
                "delivered: the recipient's jetton wallet took it in lt "
                        + credited.get().lt() + (notified ? " and notified the recipient" : ""));
    }

    private static boolean seqnoPassed(TonCenter ton, Guard.Payment payment, Guard.Signed signed) {
        if (!"active".equals(call(() -> ton.getState(payment.sender())))) {
            return false;
        }
        return call(() -> ton.getSeqno(payment.sender())) > signed.sequence();
    }

    /** A transfer is paid back by the owner of the receiving wallet, in the same asset, to the paying wallet. */
    @Override
    public Optional<Guard.Refund> refund(Guard.Payment original) {
        Optional<String> payee = keystore.ownerOf(original.recipient());
        if (payee.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Guard.Refund(
                payee.get(),
                prepare(
                        payee.get(),
                        new Request(
                                Address.of(original.recipient()).toRaw(),
                                Address.of(original.sender()).toNonBounceable(),
                                Amounts.format(original.amount(), original.decimals()),
                                "refund " + original.id(),
                                "TON".equals(original.asset()) ? null : original.asset(),
                                "refund-" + original.id()))));
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
