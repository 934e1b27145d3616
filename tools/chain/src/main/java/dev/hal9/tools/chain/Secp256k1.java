package dev.hal9.tools.chain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;

/** secp256k1 keys and Ethereum addresses (Keccak-256 of the public key, EIP-55 checksummed). Stateless. */
final class Secp256k1 {

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secp256k1() {}

    /** A new private key, uniformly in [1, n). */
    static byte[] newPrivateKey() {
        BigInteger n = CURVE.getN();
        while (true) {
            byte[] candidate = new byte[32];
            RANDOM.nextBytes(candidate);
            BigInteger k = new BigInteger(1, candidate);
            if (k.signum() > 0 && k.compareTo(n) < 0) {
                return candidate;
            }
        }
    }

    /** Checks that 32 bytes are a valid private key. */
    static void requireValid(byte[] privateKey) {
        if (privateKey.length != 32) {
            throw new IllegalArgumentException("a private key is 32 bytes (64 hex digits), not " + privateKey.length);
        }
        BigInteger k = new BigInteger(1, privateKey);
        if (k.signum() == 0 || k.compareTo(CURVE.getN()) >= 0) {
            throw new IllegalArgumentException("the private key is outside the secp256k1 range");
        }
    }

    /** The EIP-55 address of a private key, e.g. 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266. */
    static String address(byte[] privateKey) {
        requireValid(privateKey);
        ECPoint point = CURVE.getG().multiply(new BigInteger(1, privateKey)).normalize();
        byte[] encoded = point.getEncoded(false); // 0x04 || x || y
        byte[] hash = keccak256(Arrays.copyOfRange(encoded, 1, encoded.length));
        return checksum(HexFormat.of().formatHex(Arrays.copyOfRange(hash, 12, 32)));
    }

    /** EIP-55: upper-case the hex letters whose nibble in the hash of the lower-case address is 8 or more. */
    static String checksum(String lowerHex) {
        String hash = HexFormat.of().formatHex(keccak256(lowerHex.getBytes(StandardCharsets.US_ASCII)));
        StringBuilder out = new StringBuilder("0x");
        for (int i = 0; i < lowerHex.length(); i++) {
            char c = lowerHex.charAt(i);
            out.append(Character.digit(hash.charAt(i), 16) >= 8 ? Character.toUpperCase(c) : c);
        }
        return out.toString();
    }

    static byte[] keccak256(byte[] input) {
        KeccakDigest digest = new KeccakDigest(256);
        digest.update(input, 0, input.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }
}
