package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The keystore v3 files: what goes in, what never does, and who can read them. */
class KeystoreTest {

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
