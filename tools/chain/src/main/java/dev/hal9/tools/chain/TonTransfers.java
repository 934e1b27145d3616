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
import org.ton.ton4j.smartcontract.types.WalletV4R2Config;
import org.ton.ton4j.smartcontract.wallet.v4.WalletV4R2;
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

    private final Keystore keystore;
    private final Supplier<TonCenter> client;
    private final Supplier<Optional<char[]>> passphrase;

    TonTransfers(Keystore keystore, Supplier<TonCenter> client, Supplier<Optional<char[]>> passphrase) {
        this.keystore = keystore;
        this.client = client;
        this.passphrase = passphrase;
    }

    record Request(String from, String to, String amount, String comment, String idempotencyKey) {}

    Guard.Intent prepare(String principal, Request request) {
        Address to = TonWallets.parse(request.to(), "to");
        String from = sender(principal, request.from());
        if (passphrase.get().isEmpty()) {
            throw new ToolException("this server cannot sign: the operator started it without "
                    + "HAL9_KEYSTORE_PASSPHRASE, so no wallet can be unlocked");
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
            WalletV4R2 wallet = TonWallets.v4r2(seed, ton);
            boolean deployed = "active".equals(call(() -> ton.getState(payment.sender())));
            long seqno = deployed ? call(() -> ton.getSeqno(payment.sender())) : 0;
            seqno = Math.max(seqno, previous + 1);
            String comment =
                    payload.path("comment").isString() ? payload.path("comment").asString() : null;
            WalletV4R2Config config = WalletV4R2Config.builder()
                    .walletId(TonWallets.V4R2_WALLET_ID)
                    .seqno(seqno)
                    .destination(Address.of(payment.recipient()))
                    .amount(payment.amount())
                    .bounce(payload.path("bounce").asBoolean(false))
                    .validUntil(Instant.now().getEpochSecond() + 600)
                    .comment(comment)
                    .build();
            Message message = wallet.prepareExternalMsg(config);
            if (!deployed) {
                message = Message.builder()
                        .info(message.getInfo())
                        .init(wallet.getStateInit())
                        .body(message.getBody())
                        .build();
            }
            byte[] boc = message.toCell().toBoc();
            String hash = HexFormat.of().formatHex(message.toCell().getHash());
            return new Guard.Signed(hash, Base64.getEncoder().encodeToString(boc), seqno);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(secret, '\0');
        }
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
