package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hal9 wallet}: keys go in and out only on the command line, encrypted at rest, never in listings; keystore
 * files that other wallets wrote (ethers, @ethereumjs/wallet, run by clients/keystore-writer.mjs) import.
 */
class WalletCliTest {

    private static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    private static final JsonMapper JSON = JsonMapper.builder().build();

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

    /**
     * Regression: a keystore file another wallet wrote, copied into hal9's keystore folder (the only way to bring one
     * in before {@code --keystore-file}), made {@code hal9 wallet list} and {@code export} die with a
     * NullPointerException. Now the list names the file and says how to import it.
     */
    @Test
    void aKeystoreFileCopiedIntoTheKeystoreFolderIsNamedNotANullPointer() throws Exception {
        Path home = PackagedServer.newHome();
        Peers.Result created = hal9(home, "hunter2-hunter2", "wallet", "create", "--principal", "alice");
        assertThat(created.exit()).as(created.stderr()).isZero();
        Path folder;
        try (var files = Files.walk(home.resolve("data"))) {
            folder = files.filter(p -> p.toString().endsWith(".json"))
                    .findFirst()
                    .orElseThrow()
                    .getParent();
        }
        String key = randomKey();
        Written written = write("ethers", key, "its own passphrase", 1 << 10);
        Path copied = Files.writeString(folder.resolve(written.address().toLowerCase() + ".json"), written.file());

        Peers.Result listed = hal9(home, null, "wallet", "list", "--principal", "alice");
        assertThat(listed.exit()).as(listed.stderr()).isZero();
        assertThat(listed.stdout()).contains(created.stdout().strip()).doesNotContain(written.address());
        assertThat(listed.stderr())
                .contains(copied.toString(), "not a hal9 wallet", "hal9 wallet import --keystore-file")
                .doesNotContain("Exception");
        Peers.Result exported = hal9(
                home,
                "hunter2-hunter2",
                "wallet",
                "export",
                "--principal",
                "alice",
                "--address",
                written.address(),
                "--i-understand");
        assertThat(exported.exit()).isEqualTo(1);
        assertThat(exported.stderr()).contains("not a hal9 wallet").doesNotContain("Exception");
        assertThat(exported.stdout()).doesNotContain(key.substring(2));
    }

    /**
     * Keystore files written by two wallets nobody here wrote import with their own passphrase and come back out of
     * {@code hal9 wallet export} as the exact key: ethers (scrypt at its default cost, and "Crypto" capitalised, as
     * ethers and older geth write it) and @ethereumjs/wallet (PBKDF2, "crypto"), one of them through standard input.
     */
    @Test
    void keystoreFilesFromOtherWalletsImportAndExportTheSameKey() throws Exception {
        Path home = PackagedServer.newHome();
        record Source(String writer, Integer cost, boolean stdin) {}
        List<Source> sources = List.of(
                new Source("ethers", null, false),
                new Source("ethereumjs", 262_144, false),
                new Source("ethereumjs", 4_096, true));
        for (Source source : sources) {
            String key = randomKey();
            String filePassphrase = "file passphrase of " + source.writer() + " ✓";
            Written written = write(source.writer(), key, filePassphrase, source.cost());
            Map<String, Object> parsed = parse(written.file());
            assertThat(parsed).containsKey(source.writer().equals("ethers") ? "Crypto" : "crypto");
            assertThat(written.file()).contains(source.writer().equals("ethers") ? "\"scrypt\"" : "\"pbkdf2\"");

            Path file = Files.writeString(home.resolve("keystore-" + UUID.randomUUID() + ".json"), written.file());
            Peers.Result imported = hal9Importing(
                    home,
                    "hunter2-hunter2",
                    filePassphrase,
                    source.stdin() ? written.file() : null,
                    "wallet",
                    "import",
                    "--principal",
                    "alice",
                    "--keystore-file",
                    source.stdin() ? "-" : file.toString(),
                    "--label",
                    source.writer());
            assertThat(imported.exit()).as(imported.stderr()).isZero();
            assertThat(imported.stdout().strip())
                    .isEqualTo(written.address())
                    .isEqualToIgnoringCase("0x" + parsed.get("address"));
            assertThat(imported.stdout() + imported.stderr())
                    .doesNotContain(key.substring(2), filePassphrase, "hunter2-hunter2");

            Peers.Result exported = hal9(
                    home,
                    "hunter2-hunter2",
                    "wallet",
                    "export",
                    "--principal",
                    "alice",
                    "--address",
                    written.address(),
                    "--i-understand");
            assertThat(exported.stdout().strip()).as(exported.stderr()).isEqualTo(key);
        }
        assertThat(hal9(home, null, "wallet", "list", "--principal", "alice").stdout())
                .contains("ethers", "ethereumjs");
        try (var files = Files.walk(home.resolve("data"))) {
            for (Path stored : files.filter(Files::isRegularFile).toList()) {
                // stored under hal9's passphrase: scrypt, whatever the file had
                assertThat(Files.readString(stored))
                        .contains("\"kdf\":\"scrypt\"")
                        .doesNotContain("pbkdf2");
            }
        }
    }

    @Test
    void aKeystoreFileThatCannotBeImportedSaysWhyAndStoresNothing() throws Exception {
        Path home = PackagedServer.newHome();
        String key = randomKey();
        String good = write("ethers", key, "right passphrase", 1 << 10).file();
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put(key + "\n", "not JSON");
        refusals.put(good.replace("\"version\":3", "\"version\":4"), "version is '4'");
        refusals.put(good.replace("\"kdf\":\"scrypt\"", "\"kdf\":\"argon2id\""), "kdf is 'argon2id'");
        refusals.put(good.replace("aes-128-ctr", "aes-256-cbc"), "cipher is 'aes-256-cbc'");
        String address = (String) parse(good).get("address");
        String other = address.substring(0, 39) + (address.charAt(39) == '0' ? '1' : '0');
        refusals.put(good.replace(address, other), "says it is for 0x" + other);
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            Path file = Files.writeString(home.resolve("bad.json"), refusal.getKey());
            assertImportRefused(home, file, "right passphrase", refusal.getValue(), key);
        }
        Path file = Files.writeString(home.resolve("good.json"), good);
        assertImportRefused(home, file, "wrong passphrase!", "wrong passphrase", key);
        assertImportRefused(home, home.resolve("missing.json"), "right passphrase", "no file", key);
        assertThat(home.resolve("data")).as("nothing stored, not even a folder").doesNotExist();

        // no passphrase for the file: neither the variable nor a terminal
        List<String> command = new ArrayList<>(List.of("env", "-u", "HAL9_IMPORT_PASSPHRASE", PackagedServer.java()));
        command.addAll(List.of("-jar", PackagedServer.jar().toString(), "wallet", "import", "--principal", "alice"));
        command.addAll(List.of("--keystore-file", file.toString()));
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        environment.put("HAL9_KEYSTORE_PASSPHRASE", "hunter2-hunter2");
        Peers.Result unasked = Peers.run(command, environment, Duration.ofSeconds(60));
        assertThat(unasked.exit()).isEqualTo(2);
        assertThat(unasked.stderr()).contains("HAL9_IMPORT_PASSPHRASE");

        Peers.Result imported = hal9Importing(
                home,
                "hunter2-hunter2",
                "right passphrase",
                null,
                "wallet",
                "import",
                "--principal",
                "alice",
                "--keystore-file",
                file.toString());
        assertThat(imported.exit()).as(imported.stderr()).isZero();
        assertImportRefused(home, file, "right passphrase", "already in the keystore", key);
    }

    private static void assertImportRefused(Path home, Path file, String filePassphrase, String why, String key) {
        Peers.Result refused = hal9Importing(
                home,
                "hunter2-hunter2",
                filePassphrase,
                null,
                "wallet",
                "import",
                "--principal",
                "alice",
                "--keystore-file",
                file.toString());
        assertThat(refused.exit()).as(refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).startsWith("hal9: ").contains(why).doesNotContain("Exception");
        assertThat(refused.stdout() + refused.stderr())
                .doesNotContain(key.substring(2), filePassphrase, "hunter2-hunter2");
    }

    /** A keystore file as another wallet wrote it, and the key's EIP-55 address as that wallet computes it. */
    private record Written(String file, String address) {}

    private static Written write(String writer, String key, String password, Integer cost) {
        Map<String, Object> request = new HashMap<>();
        request.put("writer", writer);
        request.put("privateKey", key);
        request.put("password", password);
        if (cost != null) {
            request.put(writer.equals("ethers") ? "n" : "c", cost);
        }
        Peers.Result result = Peers.run(
                List.of(Peers.node22(), "clients/keystore-writer.mjs"),
                Map.of(),
                toJson(request),
                Duration.ofSeconds(60));
        assertThat(result.exit()).as(result.stderr()).isZero();
        Map<String, Object> written = parse(result.stdout());
        return new Written((String) written.get("file"), (String) written.get("address"));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        key[0] &= 0x7f; // below the curve order n, which starts 0xffff…
        return "0x" + HexFormat.of().formatHex(key);
    }

    private static String toJson(Map<String, Object> map) {
        return JSON.writeValueAsString(map);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) {
        return JSON.readValue(json, Map.class);
    }

    /** Runs the packaged CLI with hal9's passphrase, a keystore file's passphrase and text on standard input. */
    private static Peers.Result hal9Importing(
            Path home, String passphrase, String importPassphrase, String input, String... arguments) {
        List<String> command = new ArrayList<>(
                List.of(PackagedServer.java(), "-jar", PackagedServer.jar().toString()));
        command.addAll(List.of(arguments));
        Map<String, String> environment = new HashMap<>(PackagedServer.environment(home));
        environment.put("HAL9_KEYSTORE_PASSPHRASE", passphrase);
        environment.put("HAL9_IMPORT_PASSPHRASE", importPassphrase);
        return Peers.run(command, environment, input, Duration.ofSeconds(60));
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
