package dev.hal9.tools.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;
import org.web3j.crypto.Hash;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wallet keys encrypted at rest, one file per wallet in the Web3 Secret Storage (keystore v3) format: scrypt
 * derives a key from the passphrase, AES-128-CTR encrypts the private key, and a Keccak MAC detects a wrong
 * passphrase or a damaged file. Wallets belong to a principal; one principal never sees another's. Private
 * keys leave this class only through {@link #unlock}, which the CLI's export and the signer use, never a tool.
 * Thread-safe: every operation is a file read or an atomic file write.
 */
public final class Keystore {

    /** scrypt's work factor for new wallets: 2^18, the keystore v3 "standard". */
    public static final int STANDARD_SCRYPT_N = 1 << 18;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    /** Made on first use: building a mapper costs start-up time that listing tools should not pay. */
    private static final class Mapper {
        static final JsonMapper JSON = JsonMapper.builder().build();
    }

    private final Path directory;
    private final int scryptN;

    /** A keystore in a folder, with the standard scrypt cost. */
    public Keystore(Path directory) {
        this(directory, STANDARD_SCRYPT_N);
    }

    /** A keystore with another scrypt cost (a power of two; tests use a small one to run fast). */
    public Keystore(Path directory, int scryptN) {
        if (scryptN < 2 || Integer.bitCount(scryptN) != 1) {
            throw new IllegalArgumentException("scrypt N must be a power of two, not " + scryptN);
        }
        this.directory = directory;
        this.scryptN = scryptN;
    }

    /**
     * A wallet as listed: never its key.
     *
     * @param address the EIP-55 address
     * @param chain the chain family (evm)
     * @param label the owner's name for it
     * @param createdAt when it was made or imported
     */
    public record WalletInfo(String address, String chain, String contract, String label, Instant createdAt) {}

    /** The chains a wallet can be for. */
    public static final String EVM = "evm";

    public static final String TON = "ton";

    /** Makes a new EVM wallet for a principal. */
    public WalletInfo create(String principal, String label, char[] passphrase) {
        return create(principal, label, passphrase, EVM);
    }

    /**
     * Makes a new wallet for a principal: {@code evm} (a secp256k1 key) or {@code ton} (an Ed25519 seed behind
     * a V4R2 wallet on the basechain).
     */
    public WalletInfo create(String principal, String label, char[] passphrase, String chain) {
        return create(principal, label, passphrase, chain, TON.equals(chain) ? TonWallets.V4R2 : "");
    }

    /**
     * Makes a new wallet; for TON, {@code contract} is the wallet contract: {@code v4r2} or {@code v5r1}.
     */
    public WalletInfo create(String principal, String label, char[] passphrase, String chain, String contract) {
        if (TON.equals(chain) && !TonWallets.CONTRACTS.contains(contract)) {
            throw new IllegalArgumentException("a TON wallet contract is v4r2 or v5r1, not '" + contract + "'");
        }
        byte[] key =
                switch (chain) {
                    case EVM -> EvmSigner.newPrivateKey(RANDOM);
                    case TON -> random(32);
                    default -> throw new IllegalArgumentException("the chain is evm or ton, not '" + chain + "'");
                };
        try {
            return store(principal, label, key, passphrase, chain, contract);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The principal's wallets on one chain, oldest first. */
    public List<WalletInfo> list(String principal, String chain) {
        return list(principal).stream().filter(w -> w.chain().equals(chain)).toList();
    }

    /** A wallet's address from its key: EIP-55 for EVM, the raw form (0:hex) of the wallet contract for TON. */
    static String addressOf(String chain, String contract, byte[] key) {
        return TON.equals(chain) ? TonWallets.address(key, contract).toRaw() : EvmSigner.address(key);
    }

    /** Imports an EVM private key (32 bytes) for a principal. */
    public WalletInfo importKey(String principal, String label, byte[] privateKey, char[] passphrase) {
        EvmSigner.requireValidKey(privateKey);
        String address = EvmSigner.address(privateKey);
        if (Files.exists(file(principal, address))) {
            throw new IllegalArgumentException("wallet " + address + " is already in the keystore");
        }
        return store(principal, label, privateKey, passphrase, EVM, "");
    }

    /**
     * Imports a TON wallet from its 24-word mnemonic (TON's own scheme, not BIP-39): the Ed25519 seed is derived
     * here and only the seed is stored, encrypted.
     */
    public WalletInfo importTonMnemonic(
            String principal, String label, List<String> words, char[] passphrase, String contract) {
        if (!TonWallets.CONTRACTS.contains(contract)) {
            throw new IllegalArgumentException("a TON wallet contract is v4r2 or v5r1, not '" + contract + "'");
        }
        byte[] seed = TonWallets.seedOf(words);
        try {
            String address = addressOf(TON, contract, seed);
            if (Files.exists(file(principal, address))) {
                throw new IllegalArgumentException("wallet " + address + " is already in the keystore");
            }
            return store(principal, label, seed, passphrase, TON, contract);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** A TON wallet's public key (hex), stored in the clear beside the encrypted seed; empty if unknown. */
    public String publicKey(String principal, String address) {
        Path path = file(principal, address);
        if (!Files.isRegularFile(path)) {
            return "";
        }
        Object key = ((Map<?, ?>) read(path).get("hal9")).get("publicKey");
        return key == null ? "" : (String) key;
    }

    /** The principal's wallets, oldest first. */
    public List<WalletInfo> list(String principal) {
        Path folder = folder(principal);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<WalletInfo> wallets = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path path :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                wallets.add(info(read(path)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the keystore at " + folder, e);
        }
        wallets.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
        return wallets;
    }

    /**
     * The private key of a principal's wallet.
     *
     * @throws IllegalArgumentException if the principal has no such wallet or the passphrase is wrong
     */
    public byte[] unlock(String principal, String address, char[] passphrase) {
        Path path = file(principal, address);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no wallet " + address + " in this principal's keystore");
        }
        Map<String, Object> wallet = read(path);
        Map<?, ?> crypto = (Map<?, ?>) wallet.get("crypto");
        Map<?, ?> kdf = (Map<?, ?>) crypto.get("kdfparams");
        HexFormat hex = HexFormat.of();
        byte[] derived = SCrypt.generate(
                bytes(passphrase),
                hex.parseHex((String) kdf.get("salt")),
                ((Number) kdf.get("n")).intValue(),
                ((Number) kdf.get("r")).intValue(),
                ((Number) kdf.get("p")).intValue(),
                ((Number) kdf.get("dklen")).intValue());
        byte[] ciphertext = hex.parseHex((String) crypto.get("ciphertext"));
        byte[] mac = mac(derived, ciphertext);
        if (!MessageDigest.isEqual(mac, hex.parseHex((String) crypto.get("mac")))) {
            throw new IllegalArgumentException(
                    "wrong passphrase for " + address + " (or the keystore file is damaged)");
        }
        byte[] key = aes(
                Cipher.DECRYPT_MODE,
                derived,
                hex.parseHex((String) ((Map<?, ?>) crypto.get("cipherparams")).get("iv")),
                ciphertext);
        WalletInfo info = info(wallet);
        if (!addressOf(info.chain(), info.contract(), key).equalsIgnoreCase(address)) {
            throw new IllegalArgumentException("the keystore file for " + address + " holds another key");
        }
        return key;
    }

    private WalletInfo store(
            String principal, String label, byte[] key, char[] passphrase, String chain, String contract) {
        if (passphrase == null || passphrase.length < 8) {
            throw new IllegalArgumentException("the keystore passphrase must have at least 8 characters");
        }
        String address = addressOf(chain, contract, key);
        HexFormat hex = HexFormat.of();
        byte[] salt = random(32);
        byte[] iv = random(16);
        byte[] derived = SCrypt.generate(bytes(passphrase), salt, scryptN, 8, 1, 32);
        byte[] ciphertext = aes(Cipher.ENCRYPT_MODE, derived, iv, key);
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
        Instant now = Instant.now();
        Map<String, Object> wallet = new LinkedHashMap<>();
        wallet.put("version", 3);
        wallet.put("id", UUID.randomUUID().toString());
        wallet.put("address", address.substring(2).toLowerCase(Locale.ROOT));
        wallet.put("crypto", crypto);
        wallet.put(
                "hal9",
                Map.of(
                        "chain",
                        chain,
                        "contract",
                        contract,
                        "publicKey",
                        TON.equals(chain) ? TonWallets.publicKeyHex(key) : "",
                        "label",
                        label == null ? "" : label,
                        "createdAt",
                        now.toString(),
                        "checksumAddress",
                        address));
        write(file(principal, address), Mapper.JSON.writeValueAsString(wallet));
        return new WalletInfo(address, chain, contract, label == null ? "" : label, now);
    }

    private static WalletInfo info(Map<String, Object> wallet) {
        Map<?, ?> meta = (Map<?, ?>) wallet.get("hal9");
        String chain = (String) meta.get("chain");
        Object contract = meta.get("contract");
        return new WalletInfo(
                (String) meta.get("checksumAddress"),
                chain,
                contract != null ? (String) contract : TON.equals(chain) ? TonWallets.V4R2 : "",
                (String) meta.get("label"),
                Instant.parse((String) meta.get("createdAt")));
    }

    private Path folder(String principal) {
        return directory.resolve(sha256(principal).substring(0, 32));
    }

    private Path file(String principal, String address) {
        String normalized = address.toLowerCase(Locale.ROOT);
        if (normalized.matches("0:[0-9a-f]{64}")) {
            return folder(principal).resolve("ton-" + normalized.substring(2) + ".json");
        }
        if (!normalized.matches("0x[0-9a-f]{40}")) {
            throw new IllegalArgumentException("'" + address + "' is not a wallet address (0x and 40 hex digits, or "
                    + "a TON address in raw form 0:<64 hex>)");
        }
        return folder(principal).resolve(normalized + ".json");
    }

    private static Map<String, Object> read(Path path) {
        try {
            return Mapper.JSON.readValue(Files.readString(path), MAP);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static void write(Path path, String content) {
        try {
            Files.createDirectories(path.getParent());
            Path temporary = Files.createTempFile(path.getParent(), "wallet", ".tmp");
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the data directory's own permissions apply
            }
            Files.writeString(temporary, content);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    private static byte[] mac(byte[] derived, byte[] ciphertext) {
        byte[] input = new byte[16 + ciphertext.length];
        System.arraycopy(derived, 16, input, 0, 16);
        System.arraycopy(ciphertext, 0, input, 16, ciphertext.length);
        return Hash.sha3(input);
    }

    private static byte[] aes(int mode, byte[] derived, byte[] iv, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(mode, new SecretKeySpec(Arrays.copyOfRange(derived, 0, 16), "AES"), new IvParameterSpec(iv));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-CTR is part of every JDK", e);
        }
    }

    private static byte[] bytes(char[] passphrase) {
        return new String(passphrase).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
