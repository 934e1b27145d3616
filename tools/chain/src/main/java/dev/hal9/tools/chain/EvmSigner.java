package dev.hal9.tools.chain;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.utils.Numeric;

/**
 * EVM keys and signatures, done by web3j's {@code crypto} module: the one place hal9 turns a private key into an
 * address or a signed EIP-1559 (type 2) transaction. web3j signs with RFC 6979 deterministic ECDSA over secp256k1
 * and a low s (EIP-2), so the same transaction signed twice is the same bytes and a retry cannot become a second
 * payment. Stateless and thread-safe.
 */
final class EvmSigner {

    private static final BigInteger CURVE_ORDER = Sign.CURVE_PARAMS.getN();

    /** EIP-2294's bound on chain ids, (2^64 - 1) / 2 - 36, so that a legacy {@code v} still fits in 64 bits. */
    private static final long MAX_CHAIN_ID = Long.MAX_VALUE - 36;

    private static final BigInteger MAX_UINT256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private EvmSigner() {}

    /**
     * A signed transaction.
     *
     * @param raw the transaction as {@code eth_sendRawTransaction} takes it: 0x, then {@code 02 || rlp(...)} in hex
     * @param hash the hash nodes know it by: 0x and the Keccak-256 of the raw bytes, in hex
     */
    record Signed(String raw, String hash) {}

    /**
     * Signs an EIP-1559 transaction with an empty access list.
     *
     * @param chainId the EIP-155 chain id (1 … 2^63 - 37)
     * @param nonce the sender's nonce (below 2^64, EIP-2681)
     * @param maxPriorityFeePerGas the tip, in wei per gas
     * @param maxFeePerGas the fee cap, in wei per gas (at least the tip)
     * @param gasLimit the gas limit (below 2^64)
     * @param to the recipient, 0x and 40 hex digits, or null to create a contract
     * @param value wei sent (below 2^256)
     * @param data call data in hex with 0x ({@code "0x"} for none)
     * @param privateKey the sender's 32-byte secp256k1 key; the caller owns it and wipes it after
     * @throws IllegalArgumentException if a field is outside what the transaction type can carry
     */
    static Signed sign(
            long chainId,
            BigInteger nonce,
            BigInteger maxPriorityFeePerGas,
            BigInteger maxFeePerGas,
            BigInteger gasLimit,
            String to,
            BigInteger value,
            String data,
            byte[] privateKey) {
        // web3j encodes whatever it is given; out-of-range fields would give a transaction no node accepts, or one
        // that means something else, so they are refused here with the field's name
        if (chainId <= 0 || chainId > MAX_CHAIN_ID) {
            throw new IllegalArgumentException(
                    "the chain id must be between 1 and " + MAX_CHAIN_ID + ", not " + chainId);
        }
        requireRange("nonce", nonce, MAX_UINT64);
        requireRange("gas limit", gasLimit, MAX_UINT64);
        requireRange("max priority fee per gas", maxPriorityFeePerGas, MAX_UINT256);
        requireRange("max fee per gas", maxFeePerGas, MAX_UINT256);
        requireRange("value", value, MAX_UINT256);
        if (maxFeePerGas.compareTo(maxPriorityFeePerGas) < 0) {
            throw new IllegalArgumentException("the max fee per gas (" + maxFeePerGas + ") is below the priority fee ("
                    + maxPriorityFeePerGas + "); nodes refuse such a transaction");
        }
        if (to != null && !to.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException(
                    "the recipient must be 0x and 40 hex digits, or none to create a contract");
        }
        if (!isHexBytes(data)) {
            throw new IllegalArgumentException("call data must be 0x and whole bytes in hex");
        }
        requireValidKey(privateKey);
        RawTransaction transaction = RawTransaction.createTransaction(
                chainId,
                nonce,
                gasLimit,
                to == null ? "" : to, // web3j writes an empty "to" (a contract creation) for ""
                value,
                data,
                maxPriorityFeePerGas,
                maxFeePerGas);
        // ECKeyPair keeps the key as a BigInteger, which cannot be wiped; it is dropped when this method returns
        byte[] raw = TransactionEncoder.signMessage(transaction, Credentials.create(ECKeyPair.create(privateKey)));
        return new Signed(Numeric.toHexString(raw), Numeric.toHexString(Hash.sha3(raw)));
    }

    /** A new private key, uniformly in [1, n), from the given source of randomness. */
    static byte[] newPrivateKey(SecureRandom random) {
        while (true) {
            byte[] candidate = new byte[32];
            random.nextBytes(candidate);
            BigInteger k = new BigInteger(1, candidate);
            if (k.signum() > 0 && k.compareTo(CURVE_ORDER) < 0) {
                return candidate;
            }
            Arrays.fill(candidate, (byte) 0);
        }
    }

    /**
     * Checks that 32 bytes are a valid secp256k1 private key.
     *
     * @throws IllegalArgumentException if they are not, saying why (never showing the key)
     */
    static void requireValidKey(byte[] privateKey) {
        if (privateKey == null || privateKey.length != 32) {
            throw new IllegalArgumentException("a private key is 32 bytes (64 hex digits), not "
                    + (privateKey == null ? "none" : privateKey.length));
        }
        BigInteger k = new BigInteger(1, privateKey);
        if (k.signum() == 0 || k.compareTo(CURVE_ORDER) >= 0) {
            throw new IllegalArgumentException("the private key is outside the secp256k1 range");
        }
    }

    /** The EIP-55 address of a private key, e.g. 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266. */
    static String address(byte[] privateKey) {
        requireValidKey(privateKey);
        return Keys.toChecksumAddress(Keys.getAddress(Sign.publicKeyFromPrivate(new BigInteger(1, privateKey))));
    }

    /** EIP-55: an address (40 hex digits, with or without 0x, any case) in its checksummed form, with 0x. */
    static String checksum(String address) {
        return Keys.toChecksumAddress(address.toLowerCase(Locale.ROOT));
    }

    /** 0x and whole bytes in hex; a loop rather than a regex, since contract init code runs to tens of kilobytes. */
    private static boolean isHexBytes(String text) {
        if (text == null || !text.startsWith("0x") || text.length() % 2 != 0) {
            return false;
        }
        for (int i = 2; i < text.length(); i++) {
            char c = text.charAt(i);
            // ASCII only: Character.digit would also take other scripts' digits
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    private static void requireRange(String field, BigInteger number, BigInteger max) {
        if (number == null || number.signum() < 0 || number.compareTo(max) > 0) {
            throw new IllegalArgumentException("the " + field + " must be between 0 and " + max + ", not " + number);
        }
    }
}
