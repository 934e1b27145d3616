package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code hal9 wallet}: keys go in and out only on the command line, encrypted at rest, never in listings. */
class WalletCliTest {

    private static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    @Test
    void importListExportAndNothingLeaks() throws Exception {
        Path home = PackagedServer.newHome();
        Path keyFile = Files.writeString(home.resolve("key.hex"), ANVIL_KEY + "\n");
        Peers.Result imported = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "import",
                "--principal",
                "alice",
                "--private-key-file",
                keyFile.toString(),
                "--label",
                "dev");
        assertThat(imported.exit()).as(imported.stderr()).isZero();
        assertThat(imported.stdout().strip()).isEqualTo(ANVIL_ADDRESS);

        Peers.Result created =
                hal9(home, "hunter2-hunter2", "wallet", "create", "--principal", "alice", "--label", "new");
        assertThat(created.exit()).as(created.stderr()).isZero();
        String fresh = created.stdout().strip();
        assertThat(fresh).matches("0x[0-9a-fA-F]{40}");

        Peers.Result listed = hal9(home, null, "wallet", "list", "--principal", "alice");
        assertThat(listed.stdout()).contains(ANVIL_ADDRESS, fresh, "dev", "new").doesNotContain(ANVIL_KEY.substring(2));
        assertThat(hal9(home, null, "wallet", "list", "--principal", "bob").stdout())
                .contains("no wallets for bob");

        assertThat(hal9(
                                home,
                                "wrong-passphrase",
                                "wallet",
                                "export",
                                "--principal",
                                "alice",
                                "--address",
                                ANVIL_ADDRESS,
                                "--i-understand")
                        .stderr())
                .contains("wrong passphrase");
        Peers.Result exported = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "export",
                "--principal",
                "alice",
                "--address",
                ANVIL_ADDRESS,
                "--i-understand");
        assertThat(exported.stdout().strip()).isEqualTo(ANVIL_KEY);

        // the key is nowhere in the data directory in clear
        try (var files = Files.walk(home.resolve("data"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(file.toString())
                        .doesNotContain(ANVIL_KEY.substring(2));
            }
        }
    }

    @Test
    void keysAreNeverTakenFromArgumentsOrWithoutAPassphrase() throws Exception {
        Path home = PackagedServer.newHome();
        Path keyFile = Files.writeString(home.resolve("bad.hex"), "abandon abandon abandon ability");
        Peers.Result mnemonic = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "import",
                "--principal",
                "alice",
                "--private-key-file",
                keyFile.toString());
        assertThat(mnemonic.exit()).isEqualTo(2);
        assertThat(mnemonic.stderr()).contains("64 hex digits");
        Peers.Result noPassphrase = hal9(home, null, "wallet", "create", "--principal", "alice");
        assertThat(noPassphrase.exit()).isNotZero();
        assertThat(noPassphrase.stderr()).contains("HAL9_KEYSTORE_PASSPHRASE");
    }

    @Test
    void aTonMnemonicIsImportedAsItsWalletAndKeptOnlyAsAnEncryptedSeed() throws Exception {
        Path home = PackagedServer.newHome();
        List<String> words = org.ton.ton4j.mnemonic.Mnemonic.generate(24);
        Path mnemonic = Files.writeString(home.resolve("words.txt"), String.join(" ", words) + "\n");
        Peers.Result imported = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "import",
                "--principal",
                "alice",
                "--mnemonic-file",
                mnemonic.toString(),
                "--ton-contract",
                "v5r1");
        assertThat(imported.exit()).as(imported.stderr()).isZero();
        // the W5 wallet a TON wallet app shows for these words: TON's seed derivation, wallet id 2147483409
        byte[] seed = java.util.Arrays.copyOf(org.ton.ton4j.mnemonic.Mnemonic.toSeed(words), 32);
        var keyPair = com.iwebpp.crypto.TweetNaclFast.Signature.keyPair_fromSeed(seed);
        assertThat(keyPair.getPublicKey())
                .isEqualTo(org.ton.ton4j.mnemonic.Mnemonic.toKeyPair(words).getPublicKey());
        String expected = org.ton.ton4j.smartcontract.wallet.v5.WalletV5.builder()
                .keyPair(keyPair)
                .walletId(2_147_483_409L)
                .isSigAuthAllowed(true)
                .build()
                .getAddress()
                .toRaw();
        assertThat(imported.stdout().strip()).isEqualTo(expected);
        assertThat(hal9(home, null, "wallet", "list", "--principal", "alice").stdout())
                .contains(expected, "ton")
                .doesNotContain(words.get(0) + " " + words.get(1));

        Path broken = Files.writeString(home.resolve("broken.txt"), String.join(" ", words.subList(0, 23)));
        Peers.Result refused = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "import",
                "--principal",
                "alice",
                "--mnemonic-file",
                broken.toString());
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.stderr()).contains("not a valid 24-word TON mnemonic");

        try (var files = Files.walk(home.resolve("data"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(file.toString())
                        .doesNotContain(String.join(" ", words.subList(0, 3)))
                        .doesNotContain(java.util.HexFormat.of().formatHex(seed));
            }
        }
    }

    private static Peers.Result hal9(Path home, String passphrase, String... arguments) {
        List<String> command = new ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        if (passphrase != null) {
            environment.put("HAL9_KEYSTORE_PASSPHRASE", passphrase);
        }
        return Peers.run(command, environment, Duration.ofSeconds(60));
    }
}
