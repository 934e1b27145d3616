package dev.hal9.tools.chain;

import com.iwebpp.crypto.TweetNaclFast;
import dev.hal9.api.ToolException;
import org.ton.ton4j.address.Address;
import org.ton.ton4j.smartcontract.wallet.v4.WalletV4R2;
import org.ton.ton4j.smartcontract.wallet.v5.WalletV5;
import org.ton.ton4j.toncenter.TonCenter;

/** TON wallet contracts (ton4j): a V4R2 wallet from an Ed25519 seed, and addresses as people write them. */
final class TonWallets {

    static final String V4R2 = "v4r2";
    static final String V5R1 = "v5r1";
    static final java.util.Set<String> CONTRACTS = java.util.Set.of(V4R2, V5R1);

    /** The subwallet id of V4R2 wallets on the basechain, as wallet apps use it. */
    static final long V4R2_WALLET_ID = 698_983_191L;

    /** The wallet id of V5R1 (W5) wallets on mainnet's basechain: network -239, subwallet 0. */
    static final long V5R1_WALLET_ID = 2_147_483_409L;

    /** The Ed25519 seed of a TON mnemonic (24 words, no mnemonic password). */
    static byte[] seedOf(java.util.List<String> words) {
        try {
            if (words.size() != 24 || !org.ton.ton4j.mnemonic.Mnemonic.isValid(words, "")) {
                throw new IllegalArgumentException("that is not a valid 24-word TON mnemonic (a typo, a missing word, "
                        + "or a mnemonic with a password, which hal9 does not import)");
            }
            byte[] seed = org.ton.ton4j.mnemonic.Mnemonic.toSeed(words);
            return java.util.Arrays.copyOf(seed, 32);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HMAC-SHA512 or PBKDF2", e);
        }
    }

    static String publicKeyHex(byte[] seed) {
        return java.util.HexFormat.of()
                .formatHex(TweetNaclFast.Signature.keyPair_fromSeed(seed).getPublicKey());
    }

    static Address address(byte[] seed, String contract) {
        return V5R1.equals(contract)
                ? v5r1(seed, null).getAddress()
                : v4r2(seed).getAddress();
    }

    static WalletV5 v5r1(byte[] seed, TonCenter client) {
        return WalletV5.builder()
                .keyPair(TweetNaclFast.Signature.keyPair_fromSeed(seed))
                .walletId(V5R1_WALLET_ID)
                .isSigAuthAllowed(true)
                .tonCenterClient(client)
                .build();
    }

    private TonWallets() {}

    static WalletV4R2 v4r2(byte[] seed) {
        return v4r2(seed, null);
    }

    static WalletV4R2 v4r2(byte[] seed, TonCenter client) {
        TweetNaclFast.Signature.KeyPair keyPair = TweetNaclFast.Signature.keyPair_fromSeed(seed);
        return WalletV4R2.builder()
                .keyPair(keyPair)
                .walletId(V4R2_WALLET_ID)
                .tonCenterClient(client)
                .build();
    }

    /**
     * Parses an address in any of its forms (EQ…/UQ… user-friendly, or raw 0:hex), with an error that says
     * what went wrong.
     */
    static Address parse(String text, String argument) {
        if (text == null || text.isBlank()) {
            throw ToolException.badArgument(argument, "is required");
        }
        if (text.startsWith("0x")) {
            throw ToolException.badArgument(
                    argument,
                    text + " is an EVM address; TON addresses look like UQ… or EQ… (48 characters) or 0:<64 hex>");
        }
        try {
            return Address.of(text.trim());
        } catch (RuntimeException | Error e) { // ton4j reports a malformed address with java.lang.Error
            throw ToolException.badArgument(
                    argument,
                    "'" + text + "' is not a TON address (a typo, or a damaged checksum?); TON addresses look like "
                            + "UQ… or EQ… (48 characters) or 0:<64 hex>");
        }
    }

    /** Whether the text is a user-friendly address with the bounceable flag (EQ… on mainnet). */
    static boolean bounceable(String text, Address address) {
        return !text.contains(":") && address.isBounceable();
    }
}
