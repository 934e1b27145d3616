package dev.hal9.tools.chain;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.params.KeyParameter;
import org.web3j.crypto.Hash;

/**
 * The {@code crypto} section of a Web3 Secret Storage (keystore v3) file, the format geth, ethers, web3j and MetaMask
 * export: a key derived from a passphrase (scrypt or PBKDF2-HMAC-SHA256) encrypts the secret with AES-128-CTR, and
 * Keccak-256 of the derived key's second half and the ciphertext is a MAC that tells a wrong passphrase from a right
 * one. Reading is strict, and every refusal says which field is wrong; no message ever contains a secret or a
 * passphrase. Stateless and thread-safe.
 *
 * <p>web3j's own reader ({@code Wallet}/{@code WalletFile}) is in its {@code core} artifact, which hal9 keeps out
 * (it brings OkHttp, netty and vert.x); this class uses web3j's Keccak and BouncyCastle's KDFs instead.
 */
final class SecretStorage {

    /** What a wrong passphrase (or a damaged file) looks like: the MAC does not match. */
    static final class WrongPassphrase extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        WrongPassphrase() {
            super("the passphrase does not open the file (its MAC does not match)");
        }
    }

    /** scrypt needs 128 · N · r bytes; files that ask for more than 1 GiB are refused, not tried. */
    private static final long MAX_SCRYPT_MEMORY = 1L << 30;

    private static final int MAX_SCRYPT_P = 16;
    private static final int MAX_PBKDF2_ROUNDS = 10_000_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretStorage() {}

    /**
     * The crypto section of a parsed keystore file: version 3, and {@code crypto} (or {@code Crypto}, as geth wrote
     * it until 2016).
     *
     * @throws IllegalArgumentException if the file is not a version 3 keystore
     */
    static Map<?, ?> cryptoSection(Map<?, ?> file) {
        Object version = file.get("version");
        if (version == null) {
            throw new IllegalArgumentException(
                    "it is not a keystore v3 file: it has no \"version\" (expected 3, Web3 Secret Storage)");
        }
        // geth writes the number 3; ethers also reads the text "3", and so does hal9
        if (!Integer.valueOf(3).equals(version) && !"3".equals(version)) {
            throw new IllegalArgumentException("its version is " + printable(version)
                    + "; hal9 imports version 3 keystore files (Web3 Secret Storage, as geth, ethers, web3j and"
                    + " MetaMask export them)");
        }
        Object lower = file.get("crypto");
        Object upper = file.get("Crypto");
        if (lower != null && upper != null) {
            throw new IllegalArgumentException("it has both \"crypto\" and \"Crypto\"; a keystore file has one");
        }
        Object crypto = lower != null ? lower : upper;
        if (!(crypto instanceof Map<?, ?> section)) {
            throw new IllegalArgumentException("it is not a keystore v3 file: it has no \"crypto\" object");
        }
        return section;
    }

    /**
     * Decrypts a crypto section with a passphrase.
     *
     * @return the secret (the caller wipes it)
     * @throws WrongPassphrase if the MAC does not match
     * @throws IllegalArgumentException if a field is missing, malformed or names a kdf or cipher hal9 does not support
     */
    static byte[] decrypt(Map<?, ?> crypto, char[] passphrase) {
        String cipher = text(crypto, "cipher", "crypto");
        if (!cipher.equals("aes-128-ctr")) {
            throw new IllegalArgumentException("its cipher is " + printable(cipher)
                    + ", which hal9 does not support; keystore v3 files use aes-128-ctr");
        }
        byte[] iv = hex(map(crypto, "cipherparams", "crypto"), "iv", "crypto.cipherparams");
        if (iv.length != 16) {
            throw new IllegalArgumentException("crypto.cipherparams.iv must be 16 bytes, not " + iv.length);
        }
        byte[] ciphertext = hex(crypto, "ciphertext", "crypto");
        byte[] mac = hex(crypto, "mac", "crypto");
        byte[] derived = derive(crypto, passphrase);
        try {
            if (!MessageDigest.isEqual(mac(derived, ciphertext), mac)) {
                throw new WrongPassphrase();
            }
            return aes(Cipher.DECRYPT_MODE, derived, iv, ciphertext);
        } finally {
            Arrays.fill(derived, (byte) 0);
        }
    }

    /** A new crypto section for a secret: scrypt (cost n, r 8, p 1), AES-128-CTR, a fresh salt and IV. */
    static Map<String, Object> encrypt(byte[] secret, char[] passphrase, int scryptN) {
        HexFormat hex = HexFormat.of();
        byte[] salt = random(32);
        byte[] iv = random(16);
        byte[] password = utf8(passphrase);
        byte[] derived = SCrypt.generate(password, salt, scryptN, 8, 1, 32);
        Arrays.fill(password, (byte) 0);
        try {
            byte[] ciphertext = aes(Cipher.ENCRYPT_MODE, derived, iv, secret);
            Map<String, Object> kdf = new LinkedHashMap<>();
            kdf.put("dklen", 32);
            kdf.put("salt", hex.formatHex(salt));
            kdf.put("n", scryptN);
            kdf.put("r", 8);
            kdf.put("p", 1);
            Map<String, Object> crypto = new LinkedHashMap<>();
            crypto.put("cipher", "aes-128-ctr");
            crypto.put("ciphertext", hex.formatHex(ciphertext));
            crypto.put("cipherparams", Map.of("iv", hex.formatHex(iv)));
            crypto.put("kdf", "scrypt");
            crypto.put("kdfparams", kdf);
            crypto.put("mac", hex.formatHex(mac(derived, ciphertext)));
            return crypto;
        } finally {
            Arrays.fill(derived, (byte) 0);
        }
    }

    private static byte[] derive(Map<?, ?> crypto, char[] passphrase) {
        String kdf = text(crypto, "kdf", "crypto");
        Map<?, ?> params = map(crypto, "kdfparams", "crypto");
        int length = integer(params, "dklen", "crypto.kdfparams");
        // AES-128 takes the first 16 bytes and the MAC the next 16
        if (length < 32 || length > 64) {
            throw new IllegalArgumentException("crypto.kdfparams.dklen must be 32 (keystore v3), not " + length);
        }
        byte[] salt = hex(params, "salt", "crypto.kdfparams");
        byte[] password = utf8(passphrase);
        try {
            switch (kdf) {
                case "scrypt" -> {
                    int n = integer(params, "n", "crypto.kdfparams");
                    int r = integer(params, "r", "crypto.kdfparams");
                    int p = integer(params, "p", "crypto.kdfparams");
                    if (n < 2 || Integer.bitCount(n) != 1 || r < 1 || p < 1) {
                        throw new IllegalArgumentException("crypto.kdfparams must have n a power of two above 1 and r,"
                                + " p at least 1; they are n " + n + ", r " + r + ", p " + p);
                    }
                    if (128L * n * r > MAX_SCRYPT_MEMORY || p > MAX_SCRYPT_P) {
                        throw new IllegalArgumentException("its scrypt cost (n " + n + ", r " + r + ", p " + p
                                + ") asks for more than 1 GiB or 16 lanes; re-export it with the standard n 262144,"
                                + " r 8, p 1");
                    }
                    return SCrypt.generate(password, salt, n, r, p, length);
                }
                case "pbkdf2" -> {
                    String prf = text(params, "prf", "crypto.kdfparams");
                    if (!prf.equals("hmac-sha256")) {
                        throw new IllegalArgumentException(
                                "its pbkdf2 prf is " + printable(prf) + "; keystore v3 files use hmac-sha256");
                    }
                    int rounds = integer(params, "c", "crypto.kdfparams");
                    if (rounds < 1 || rounds > MAX_PBKDF2_ROUNDS) {
                        throw new IllegalArgumentException(
                                "crypto.kdfparams.c must be between 1 and " + MAX_PBKDF2_ROUNDS + ", not " + rounds);
                    }
                    PKCS5S2ParametersGenerator generator = new PKCS5S2ParametersGenerator(new SHA256Digest());
                    generator.init(password, salt, rounds);
                    return ((KeyParameter) generator.generateDerivedParameters(length * 8)).getKey();
                }
                default ->
                    throw new IllegalArgumentException("its kdf is " + printable(kdf)
                            + ", which hal9 does not support; keystore v3 files use scrypt or pbkdf2");
            }
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static byte[] mac(byte[] derived, byte[] ciphertext) {
        byte[] input = new byte[16 + ciphertext.length];
        System.arraycopy(derived, 16, input, 0, 16);
        System.arraycopy(ciphertext, 0, input, 16, ciphertext.length);
        return Hash.sha3(input);
    }

    private static byte[] aes(int mode, byte[] derived, byte[] iv, byte[] input) {
        byte[] key = Arrays.copyOfRange(derived, 0, 16);
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-CTR is part of every JDK", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The passphrase as UTF-8 without a String in between, so the caller's bytes can be wiped. */
    private static byte[] utf8(char[] passphrase) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] bytes = Arrays.copyOfRange(encoded.array(), encoded.position(), encoded.limit());
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }

    private static String text(Map<?, ?> section, String field, String where) {
        Object value = section.get(field);
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(where + "." + field + " is " + (value == null ? "missing" : "not text"));
        }
        return text;
    }

    private static Map<?, ?> map(Map<?, ?> section, String field, String where) {
        Object value = section.get(field);
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(
                    where + "." + field + " is " + (value == null ? "missing" : "not an object"));
        }
        return map;
    }

    private static int integer(Map<?, ?> section, String field, String where) {
        Object value = section.get(field);
        if (!(value instanceof Integer number)) {
            throw new IllegalArgumentException(where + "." + field + " is "
                    + (value == null ? "missing" : "not a whole number below 2^31: " + printable(value)));
        }
        return number;
    }

    private static byte[] hex(Map<?, ?> section, String field, String where) {
        String text = text(section, field, where).toLowerCase(Locale.ROOT);
        if (text.startsWith("0x")) {
            text = text.substring(2);
        }
        if (!text.matches("(?:[0-9a-f]{2})+")) {
            throw new IllegalArgumentException(where + "." + field + " is not hex");
        }
        return HexFormat.of().parseHex(text);
    }

    /**
     * A value from the file for a message: short ones as they are, long ones only by their length, since whatever
     * was put in the wrong field (a key, a passphrase) must not be echoed.
     */
    private static String printable(Object value) {
        String text = String.valueOf(value).replaceAll("[^\\x20-\\x7e]", "?");
        return text.length() <= 16 ? "'" + text + "'" : "a " + text.length() + "-character value";
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
