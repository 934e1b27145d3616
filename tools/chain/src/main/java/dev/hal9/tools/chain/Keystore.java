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
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wallet keys encrypted at rest, one file per wallet in the Web3 Secret Storage (keystore v3) format: scrypt
 * derives a key from the passphrase, AES-128-CTR encrypts the private key, and a Keccak MAC detects a wrong
 * passphrase or a damaged file ({@link SecretStorage}). Beside the standard fields each file has a {@code hal9}
 * block (chain, label, creation time); a file without it was not written here and is never taken for a wallet.
 * Wallets belong to a principal; one principal never sees another's. Private keys leave this class only through
 * {@link #unlock}, which the CLI's export and the signer use, never a tool. Thread-safe: every operation is a file
 * read or an atomic file write.
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

    /**
     * Who owns the wallet at an address, as the operator set it up ({@code hal9 wallet create/import}); empty when
     * no wallet of this keystore has that address, or it was stored before owners were recorded. A payment to
     * such a wallet can be paid back by its owner (a refund).
     */
    public Optional<String> ownerOf(String address) {
        Path file;
        try {
            file = file("-", address).getFileName();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try (var folders = Files.list(directory)) {
            for (Path folder : folders.filter(Files::isDirectory).toList()) {
                Path candidate = folder.resolve(file);
                Map<String, Object> wallet = Files.isRegularFile(candidate) ? walletOrNull(candidate) : null;
                if (wallet != null
                        && wallet.get("hal9") instanceof Map<?, ?> meta
                        && meta.get("principal") instanceof String owner
                        && folder.equals(folder(owner))) {
                    return Optional.of(owner);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Optional.empty();
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
        requireAbsent(principal, address);
        return store(principal, label, privateKey, passphrase, EVM, "");
    }

    /**
     * Imports an EVM wallet from a Web3 Secret Storage (keystore v3) file that another wallet wrote (geth, ethers,
     * web3j, MetaMask, …): the file is decrypted with its own passphrase (scrypt or PBKDF2-HMAC-SHA256, then
     * AES-128-CTR), its key is checked against the address the file names, and the key is stored again under this
     * keystore's passphrase. Nothing is stored unless every check passes.
     *
     * @param json the file's text
     * @param filePassphrase the passphrase the file was encrypted with
     * @param passphrase this keystore's passphrase, which protects the key from now on
     * @throws IllegalArgumentException saying what is wrong: not JSON, not version 3, an unsupported kdf or cipher,
     *     a wrong passphrase, an address that does not match the key, or a wallet that is already here
     */
    public WalletInfo importKeystoreFile(
            String principal, String label, String json, char[] filePassphrase, char[] passphrase) {
        requirePassphrase(passphrase); // before the file's KDF, which may take seconds
        Map<String, Object> file = parseKeystoreFile(json);
        byte[] key;
        try {
            key = SecretStorage.decrypt(SecretStorage.cryptoSection(file), filePassphrase);
        } catch (SecretStorage.WrongPassphrase e) {
            throw new IllegalArgumentException("wrong passphrase for the keystore file (its MAC does not match), or the"
                    + " file is damaged; nothing was imported. The passphrase needed is the one the file was exported"
                    + " with, not hal9's");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot import the keystore file: " + e.getMessage());
        }
        try {
            if (key.length != 32) {
                throw new IllegalArgumentException("the keystore file holds " + key.length
                        + " bytes, not a 32-byte secp256k1 key (is it an EVM wallet's keystore?)");
            }
            EvmSigner.requireValidKey(key);
            String address = EvmSigner.address(key);
            Object named = file.get("address");
            if (named != null) {
                String claimed = String.valueOf(named).toLowerCase(Locale.ROOT).replaceFirst("^0x", "");
                if (!claimed.matches("[0-9a-f]{40}")) {
                    throw new IllegalArgumentException(
                            "the keystore file's \"address\" is not 40 hex digits; nothing was imported");
                }
                if (!("0x" + claimed).equalsIgnoreCase(address)) {
                    throw new IllegalArgumentException("the keystore file says it is for 0x" + claimed
                            + " but its key is for " + address
                            + "; the file was edited or damaged, so nothing was imported");
                }
            }
            requireAbsent(principal, address);
            return store(principal, label, key, passphrase, EVM, "");
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * Files in a principal's keystore folder that are not hal9 wallets (a keystore file from another wallet copied in
     * by hand, say): {@link #list} leaves them out, so that a caller can name them.
     */
    public List<Path> foreignFiles(String principal) {
        Path folder = folder(principal);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".json"))
                    .sorted()
                    .filter(p -> walletOrNull(p) == null)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the keystore at " + folder, e);
        }
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
            requireAbsent(principal, address);
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
        Map<String, Object> wallet = walletOrNull(path);
        Object key = wallet == null ? null : ((Map<?, ?>) wallet.get("hal9")).get("publicKey");
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
                Map<String, Object> wallet = walletOrNull(path);
                if (wallet != null) {
                    wallets.add(info(wallet));
                }
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
        Map<String, Object> wallet = walletOrNull(path);
        if (wallet == null) {
            throw new IllegalArgumentException(path.getFileName() + " in the keystore folder is not a hal9 wallet (a"
                    + " keystore file from another wallet copied in by hand, or a damaged file); move it out of "
                    + path.getParent() + " and import it with 'hal9 wallet import --keystore-file FILE'");
        }
        byte[] key;
        try {
            key = SecretStorage.decrypt(SecretStorage.cryptoSection(wallet), passphrase);
        } catch (SecretStorage.WrongPassphrase e) {
            throw new IllegalArgumentException(
                    "wrong passphrase for " + address + " (or the keystore file is damaged)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the keystore file for " + address + " is damaged: " + e.getMessage());
        }
        WalletInfo info = info(wallet);
        if (!addressOf(info.chain(), info.contract(), key).equalsIgnoreCase(address)) {
            Arrays.fill(key, (byte) 0);
            throw new IllegalArgumentException("the keystore file for " + address + " holds another key");
        }
        return key;
    }

    private WalletInfo store(
            String principal, String label, byte[] key, char[] passphrase, String chain, String contract) {
        requirePassphrase(passphrase);
        String address = addressOf(chain, contract, key);
        Map<String, Object> crypto = SecretStorage.encrypt(key, passphrase, scryptN);
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
                        address,
                        "principal",
                        principal));
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

    private static void requirePassphrase(char[] passphrase) {
        if (passphrase == null || passphrase.length < 8) {
            throw new IllegalArgumentException("the keystore passphrase must have at least 8 characters");
        }
    }

    /** Refuses an address that already has a file: a wallet of this principal, or a foreign file in its place. */
    private void requireAbsent(String principal, String address) {
        Path path = file(principal, address);
        if (!Files.exists(path)) {
            return;
        }
        if (walletOrNull(path) != null) {
            throw new IllegalArgumentException("wallet " + address + " is already in the keystore");
        }
        throw new IllegalArgumentException(path.getFileName() + " in the keystore folder is a file hal9 did not write;"
                + " move it out of " + path.getParent() + " first");
    }

    /** A file of this keystore (parsed, with its hal9 block), or null for anything else in the folder. */
    private static Map<String, Object> walletOrNull(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        try {
            Map<String, Object> wallet = Mapper.JSON.readValue(text, MAP);
            return wallet != null && wallet.get("hal9") instanceof Map<?, ?> ? wallet : null;
        } catch (JacksonException e) {
            return null; // not JSON, or not an object: not a file hal9 wrote
        }
    }

    /**
     * A keystore file given to import, as a map; Jackson's own messages are not passed on, since they quote the
     * input and the input may be a key in the wrong place.
     */
    private static Map<String, Object> parseKeystoreFile(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException("the keystore file is empty");
        }
        JsonNode tree;
        try {
            tree = Mapper.JSON.readTree(json);
        } catch (JacksonException e) {
            TokenStreamLocation where = e.getLocation();
            throw new IllegalArgumentException("the keystore file is not JSON"
                    + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")")
                    + "; give the keystore v3 file your wallet exported, or a raw key with --private-key-file");
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("the keystore file is JSON but not a keystore (that is one JSON object"
                    + " with version, crypto and address)");
        }
        return Mapper.JSON.convertValue(tree, MAP);
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
