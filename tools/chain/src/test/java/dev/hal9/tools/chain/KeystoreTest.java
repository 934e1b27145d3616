package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The keystore v3 files: what goes in, what never does, and who can read them. */
class KeystoreTest {

    /**
     * The PBKDF2 test vector of the Web3 Secret Storage Definition (Ethereum's keystore v3 specification): passphrase
     * "testpassword", key 7a28b5ba…14fe9d. It has no address field, as the specification's examples do not.
     */
    private static final String SPEC_PBKDF2_VECTOR = """
            {"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},
             "ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2",
             "kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256",
             "salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
             "mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},
             "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
            """;

    private static final String SPEC_KEY = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
    private static final String SPEC_ADDRESS = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b";
    private static final char[] SPEC_PASSPHRASE = "testpassword".toCharArray();

    /** Anvil's (and Hardhat's) first development account: a well-known key and address. */
    private static final String ANVIL_KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private static final String ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    private static final char[] PASSPHRASE = "correct horse battery".toCharArray();

    private final Keystore keystore;
    private final Path folder;

    KeystoreTest() throws Exception {
        folder = Files.createTempDirectory("hal9-keystore");
        keystore = new Keystore(folder, 1 << 12); // a small scrypt cost keeps the test fast
    }

    @Test
    void importedKeysHaveTheirWellKnownChecksummedAddress() {
        Keystore.WalletInfo wallet =
                keystore.importKey("alice", "dev", HexFormat.of().parseHex(ANVIL_KEY), PASSPHRASE);
        assertThat(wallet.address()).isEqualTo(ANVIL_ADDRESS);
        assertThat(HexFormat.of().formatHex(keystore.unlock("alice", ANVIL_ADDRESS, PASSPHRASE)))
                .isEqualTo(ANVIL_KEY);
        assertThatThrownBy(() ->
                        keystore.importKey("alice", "again", HexFormat.of().parseHex(ANVIL_KEY), PASSPHRASE))
                .hasMessageContaining("already in the keystore");
    }

    @Test
    void createdWalletsRoundTripAndTheFileHoldsNoKey() throws Exception {
        Keystore.WalletInfo wallet = keystore.create("alice", "savings", PASSPHRASE);
        assertThat(wallet.address()).matches("0x[0-9a-fA-F]{40}");
        byte[] key = keystore.unlock("alice", wallet.address(), PASSPHRASE);
        assertThat(EvmSigner.address(key)).isEqualTo(wallet.address());
        assertThat(keystore.list("alice"))
                .extracting(Keystore.WalletInfo::address)
                .containsExactly(wallet.address());

        try (Stream<Path> files = Files.walk(folder)) {
            Path file = files.filter(p -> p.toString().endsWith(".json"))
                    .findFirst()
                    .orElseThrow();
            String content = Files.readString(file);
            assertThat(content)
                    .doesNotContain(HexFormat.of().formatHex(key))
                    .contains("\"kdf\":\"scrypt\"", "aes-128-ctr");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void tonWalletsAreV4r2ContractsOfTheirSeedAndListedApart() {
        Keystore.WalletInfo evm = keystore.create("alice", "evm", PASSPHRASE);
        Keystore.WalletInfo ton = keystore.create("alice", "ton", PASSPHRASE, Keystore.TON);
        assertThat(ton.address()).matches("0:[0-9a-f]{64}");
        assertThat(ton.chain()).isEqualTo("ton");
        assertThat(keystore.list("alice", Keystore.TON))
                .extracting(Keystore.WalletInfo::address)
                .containsExactly(ton.address());
        assertThat(keystore.list("alice", Keystore.EVM))
                .extracting(Keystore.WalletInfo::address)
                .containsExactly(evm.address());
        byte[] seed = keystore.unlock("alice", ton.address(), PASSPHRASE);
        assertThat(seed).hasSize(32);
        // the address is the V4R2 wallet (id 698983191) of the seed's Ed25519 key, as wallet apps derive it
        assertThat(TonWallets.v4r2(seed).getAddress().toRaw()).isEqualTo(ton.address());
        assertThat(ton.contract()).isEqualTo("v4r2");

        Keystore.WalletInfo w5 = keystore.create("alice", "w5", PASSPHRASE, Keystore.TON, "v5r1");
        byte[] w5seed = keystore.unlock("alice", w5.address(), PASSPHRASE);
        assertThat(w5.contract()).isEqualTo("v5r1");
        assertThat(TonWallets.v5r1(w5seed, null).getAddress().toRaw()).isEqualTo(w5.address());
        assertThatThrownBy(() -> keystore.create("alice", "x", PASSPHRASE, Keystore.TON, "v3"))
                .hasMessageContaining("v4r2 or v5r1");
    }

    @Test
    void aWrongPassphraseOrADamagedFileIsRefused() throws Exception {
        Keystore.WalletInfo wallet = keystore.create("alice", "x", PASSPHRASE);
        assertThatThrownBy(() -> keystore.unlock("alice", wallet.address(), "wrong passphrase".toCharArray()))
                .hasMessageContaining("wrong passphrase");
        try (Stream<Path> files = Files.walk(folder)) {
            Path file = files.filter(p -> p.toString().endsWith(".json"))
                    .findFirst()
                    .orElseThrow();
            String content = Files.readString(file);
            String ciphertext = content.replaceAll("(?s).*\"ciphertext\":\"([0-9a-f]+)\".*", "$1");
            String flipped = (ciphertext.charAt(0) == '0' ? "1" : "0") + ciphertext.substring(1);
            Files.writeString(file, content.replace(ciphertext, flipped));
        }
        assertThatThrownBy(() -> keystore.unlock("alice", wallet.address(), PASSPHRASE))
                .hasMessageContaining("damaged");
    }

    /**
     * Regression: a standard keystore v3 file (no hal9 block, geth's older capitalised "Crypto") in a principal's
     * folder, where a geth user would put it, made {@code list} and {@code unlock} fail with a NullPointerException.
     */
    @Test
    void aForeignKeystoreFileInTheFolderIsNamedNotANullPointer() throws Exception {
        Keystore.WalletInfo mine = keystore.create("alice", "mine", PASSPHRASE);
        Keystore.WalletInfo other = keystore.create("alice", "other", PASSPHRASE);
        Path file;
        try (Stream<Path> files = Files.walk(folder)) {
            file = files.filter(p -> p.getFileName().toString().equalsIgnoreCase(other.address() + ".json"))
                    .findFirst()
                    .orElseThrow();
        }
        // rewritten the way geth writes it: version, id, address and Crypto, nothing of hal9's
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode geth = (ObjectNode) json.readTree(Files.readString(file));
        geth.remove("hal9");
        geth.set("Crypto", geth.remove("crypto"));
        Files.writeString(file, json.writeValueAsString(geth));

        assertThat(keystore.list("alice"))
                .extracting(Keystore.WalletInfo::address)
                .containsExactly(mine.address());
        assertThat(keystore.foreignFiles("alice")).containsExactly(file);
        assertThatThrownBy(() -> keystore.unlock("alice", other.address(), PASSPHRASE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a hal9 wallet")
                .hasMessageContaining("hal9 wallet import --keystore-file");
    }

    @Test
    void theSpecificationsPbkdf2VectorImportsWithCryptoInEitherCase() {
        Keystore.WalletInfo wallet =
                keystore.importKeystoreFile("alice", "spec", SPEC_PBKDF2_VECTOR, SPEC_PASSPHRASE, PASSPHRASE);
        assertThat(wallet.address()).isEqualTo(SPEC_ADDRESS);
        assertThat(wallet.chain()).isEqualTo(Keystore.EVM);
        // stored again under hal9's passphrase: the file's own one no longer opens it
        assertThat(HexFormat.of().formatHex(keystore.unlock("alice", SPEC_ADDRESS, PASSPHRASE)))
                .isEqualTo(SPEC_KEY);
        assertThatThrownBy(() -> keystore.unlock("alice", SPEC_ADDRESS, SPEC_PASSPHRASE))
                .hasMessageContaining("wrong passphrase");

        String capitalised = SPEC_PBKDF2_VECTOR.replace("{\"crypto\":", "{\"Crypto\":");
        assertThat(keystore.importKeystoreFile("bob", "", capitalised, SPEC_PASSPHRASE, PASSPHRASE)
                        .address())
                .isEqualTo(SPEC_ADDRESS);
    }

    @Test
    void aKeystoreFileThatCannotBeImportedSaysWhyAndStoresNothing() throws Exception {
        assertRefused("0x" + ANVIL_KEY + "\n", SPEC_PASSPHRASE, "not JSON", "--private-key-file");
        assertRefused("", SPEC_PASSPHRASE, "empty");
        assertRefused("[1,2,3]", SPEC_PASSPHRASE, "JSON but not a keystore");
        assertRefused(SPEC_PBKDF2_VECTOR.replace("\"version\":3", "\"version\":2"), SPEC_PASSPHRASE, "version is '2'");
        assertRefused(SPEC_PBKDF2_VECTOR.replace(",\"version\":3", ""), SPEC_PASSPHRASE, "no \"version\"");
        assertRefused(SPEC_PBKDF2_VECTOR.replace("\"crypto\"", "\"cryptography\""), SPEC_PASSPHRASE, "no \"crypto\"");
        assertRefused(
                SPEC_PBKDF2_VECTOR.replace("\"kdf\":\"pbkdf2\"", "\"kdf\":\"argon2id\""),
                SPEC_PASSPHRASE,
                "kdf is 'argon2id'",
                "scrypt or pbkdf2");
        assertRefused(
                SPEC_PBKDF2_VECTOR.replace("aes-128-ctr", "aes-256-gcm"),
                SPEC_PASSPHRASE,
                "cipher is 'aes-256-gcm'",
                "aes-128-ctr");
        assertRefused(
                SPEC_PBKDF2_VECTOR.replace("hmac-sha256", "hmac-sha512"), SPEC_PASSPHRASE, "prf is 'hmac-sha512'");
        assertRefused(SPEC_PBKDF2_VECTOR.replace("\"c\":262144", "\"c\":\"many\""), SPEC_PASSPHRASE, "kdfparams.c");
        assertRefused(
                SPEC_PBKDF2_VECTOR
                        .replace("\"kdf\":\"pbkdf2\"", "\"kdf\":\"scrypt\"")
                        .replace("\"c\":262144", "\"n\":1073741824,\"r\":8,\"p\":1"),
                SPEC_PASSPHRASE,
                "more than 1 GiB");
        assertRefused(SPEC_PBKDF2_VECTOR, "testpassword!".toCharArray(), "wrong passphrase", "nothing was imported");
        assertRefused(
                SPEC_PBKDF2_VECTOR.replace(
                        "\"version\":3", "\"version\":3,\"address\":\"" + ANVIL_ADDRESS.substring(2) + "\""),
                SPEC_PASSPHRASE,
                "says it is for " + ANVIL_ADDRESS.toLowerCase(),
                "but its key is for " + SPEC_ADDRESS);
        assertThatThrownBy(() -> keystore.importKeystoreFile(
                        "alice", "", SPEC_PBKDF2_VECTOR, SPEC_PASSPHRASE, "short".toCharArray()))
                .hasMessageContaining("at least 8");
        try (Stream<Path> files = Files.walk(folder)) {
            assertThat(files.filter(Files::isRegularFile)).as("nothing stored").isEmpty();
        }

        keystore.importKeystoreFile("alice", "", SPEC_PBKDF2_VECTOR, SPEC_PASSPHRASE, PASSPHRASE);
        assertRefused(SPEC_PBKDF2_VECTOR, SPEC_PASSPHRASE, "already in the keystore");
        assertThat(keystore.list("alice")).hasSize(1);
    }

    private void assertRefused(String file, char[] filePassphrase, String... phrases) {
        assertThatThrownBy(() -> keystore.importKeystoreFile("alice", "", file, filePassphrase, PASSPHRASE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(phrases)
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(ANVIL_KEY, SPEC_KEY, new String(filePassphrase), new String(PASSPHRASE)));
    }

    @Test
    void principalsDoNotSeeEachOthersWallets() {
        Keystore.WalletInfo wallet = keystore.create("alice", "mine", PASSPHRASE);
        assertThat(keystore.list("bob")).isEmpty();
        assertThatThrownBy(() -> keystore.unlock("bob", wallet.address(), PASSPHRASE))
                .hasMessageContaining("no wallet");
    }

    @Test
    void badInputSaysWhatIsWrong() {
        assertThatThrownBy(() -> keystore.create("alice", "x", "short".toCharArray()))
                .hasMessageContaining("at least 8");
        assertThatThrownBy(() -> keystore.importKey("alice", "x", new byte[31], PASSPHRASE))
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> keystore.importKey("alice", "x", new byte[32], PASSPHRASE))
                .hasMessageContaining("outside the secp256k1 range");
        assertThatThrownBy(() -> keystore.unlock("alice", "0x123", PASSPHRASE))
                .hasMessageContaining("is not a wallet address");
    }
}
