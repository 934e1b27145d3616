package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hal9 wallet}: create, import, list and export wallets. Keys enter and leave hal9 only here, on the
 * operator's command line, never through a tool, so no mnemonic or private key passes through a model.
 */
@Command(
        name = "wallet",
        mixinStandardHelpOptions = true,
        description = {
            "Manage the encrypted keystore (scrypt + AES-128-CTR, keystore v3) in the data directory.",
            "The passphrase comes from HAL9_KEYSTORE_PASSPHRASE, or is asked for on the terminal."
        })
final class WalletCommands implements Runnable {

    static final String PASSPHRASE_VARIABLE = "HAL9_KEYSTORE_PASSPHRASE";

    /** The passphrase of a keystore file being imported, which is not hal9's own. */
    static final String IMPORT_PASSPHRASE_VARIABLE = "HAL9_IMPORT_PASSPHRASE";

    /** Keystore v3 files are about 500 bytes; anything far bigger is not one, and is not read into memory. */
    private static final int MAX_KEYSTORE_FILE_BYTES = 64 * 1024;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "name a wallet command: create, import, list or export");
    }

    /** {@code hal9 wallet} and its subcommands, each reading the chain family's context when it runs. */
    static CommandLine line(Supplier<FamilyContext> context) {
        return new CommandLine(new WalletCommands())
                .addSubcommand(new Create(context))
                .addSubcommand(new Import(context))
                .addSubcommand(new ListWallets(context))
                .addSubcommand(new Export(context));
    }

    /** Options every wallet command takes. */
    static final class Owner {
        @Option(
                names = "--principal",
                required = true,
                paramLabel = "ID",
                description = "Whose wallet it is (a token's principal, or the OS user for stdio).")
        String principal;

        Supplier<FamilyContext> context;

        Keystore keystore() {
            return ChainFamily.keystore(context.get());
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Make a new wallet and print its address (EVM: 0x…; TON: the raw form 0:…).")
    static final class Create implements Callable<Integer> {
        @CommandLine.Mixin
        Owner owner = new Owner();

        Create(Supplier<FamilyContext> context) {
            owner.context = context;
        }

        @Option(
                names = "--chain",
                paramLabel = "CHAIN",
                description = "evm (default: one key for Ethereum, Polygon, BSC, Mantle, …) or ton (a V4R2 wallet).")
        String chain = Keystore.EVM;

        @Option(
                names = "--ton-contract",
                paramLabel = "CONTRACT",
                description = "With --chain ton: the wallet contract, v4r2 (default) or v5r1 (W5).")
        String tonContract = "v4r2";

        @Option(names = "--label", paramLabel = "TEXT", description = "A name to recognise it by.")
        String label = "";

        @Override
        public Integer call() {
            char[] passphrase = passphrase(true);
            try {
                if (!chain.equals(Keystore.EVM) && !chain.equals(Keystore.TON)) {
                    System.err.println("hal9: --chain is evm or ton, not '" + chain + "'");
                    return 2;
                }
                Keystore.WalletInfo wallet = chain.equals(Keystore.TON)
                        ? owner.keystore().create(owner.principal, label, passphrase, chain, tonContract)
                        : owner.keystore().create(owner.principal, label, passphrase, chain);
                System.out.println(wallet.address());
                System.err.println("Created wallet " + wallet.address() + " for " + owner.principal
                        + ". Its key is encrypted in the keystore; 'hal9 wallet export' is the only way out.");
                return 0;
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description = {
                "Import an EVM private key, a keystore v3 file another wallet exported (geth, ethers, MetaMask, …),",
                "or a TON wallet's 24-word mnemonic, from a file (never from the command line, where it would land in",
                "shell history). Only the key is kept, encrypted under hal9's keystore passphrase."
            })
    static final class Import implements Callable<Integer> {
        @CommandLine.Mixin
        Owner owner = new Owner();

        Import(Supplier<FamilyContext> context) {
            owner.context = context;
        }

        @Option(
                names = "--private-key-file",
                paramLabel = "FILE",
                description = "EVM: a file holding the key as 64 hex digits (0x optional); - reads standard input.")
        String file;

        @Option(
                names = "--keystore-file",
                paramLabel = "FILE",
                description = {
                    "EVM: a keystore v3 (Web3 Secret Storage) JSON file; - reads standard input. Its own passphrase",
                    "comes from " + IMPORT_PASSPHRASE_VARIABLE + ", or is asked for on the terminal."
                })
        String keystoreFile;

        @Option(
                names = "--mnemonic-file",
                paramLabel = "FILE",
                description = "TON: a file holding the wallet's 24 words; - reads standard input.")
        String mnemonicFile;

        @Option(
                names = "--ton-contract",
                paramLabel = "CONTRACT",
                description = "With --mnemonic-file: the wallet contract, v4r2 (default) or v5r1 (W5).")
        String tonContract = "v4r2";

        @Option(names = "--label", paramLabel = "TEXT", description = "A name to recognise it by.")
        String label = "";

        @Override
        public Integer call() throws IOException {
            int given = (file == null ? 0 : 1) + (keystoreFile == null ? 0 : 1) + (mnemonicFile == null ? 0 : 1);
            if (given != 1) {
                System.err.println(
                        "hal9: give one of --private-key-file (EVM), --keystore-file (EVM) or --mnemonic-file (TON)");
                return 2;
            }
            if (mnemonicFile != null) {
                return importMnemonic();
            }
            if (keystoreFile != null) {
                return importKeystoreFile();
            }
            String text = file.equals("-")
                    ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            String hex = text.strip().toLowerCase();
            if (hex.startsWith("0x")) {
                hex = hex.substring(2);
            }
            if (!hex.matches("[0-9a-f]{64}")) {
                System.err.println("hal9: the key file must hold 64 hex digits (a secp256k1 private key); "
                        + "a TON mnemonic goes in --mnemonic-file");
                return 2;
            }
            byte[] key = HexFormat.of().parseHex(hex);
            char[] passphrase = passphrase(true);
            try {
                Keystore.WalletInfo wallet = owner.keystore().importKey(owner.principal, label, key, passphrase);
                System.out.println(wallet.address());
                System.err.println("Imported wallet " + wallet.address() + " for " + owner.principal + ".");
                return 0;
            } finally {
                Arrays.fill(key, (byte) 0);
                Arrays.fill(passphrase, '\0');
            }
        }

        private int importKeystoreFile() throws IOException {
            byte[] content;
            if (keystoreFile.equals("-")) {
                content = System.in.readNBytes(MAX_KEYSTORE_FILE_BYTES + 1);
            } else {
                Path path = Path.of(keystoreFile);
                if (!Files.isRegularFile(path)) {
                    System.err.println("hal9: there is no file " + path + " to import");
                    return 2;
                }
                // a size check first, so a wrong path to a large file is not read into memory
                content = Files.size(path) > MAX_KEYSTORE_FILE_BYTES
                        ? new byte[MAX_KEYSTORE_FILE_BYTES + 1]
                        : Files.readAllBytes(path);
            }
            if (content.length > MAX_KEYSTORE_FILE_BYTES) {
                System.err.println("hal9: that is not a keystore file: it is over " + MAX_KEYSTORE_FILE_BYTES / 1024
                        + " KiB, and keystore v3 files are about half a KiB");
                return 2;
            }
            String json = new String(content, StandardCharsets.UTF_8);
            char[] filePassphrase = importPassphrase();
            if (filePassphrase == null) {
                System.err.println("hal9: no passphrase for the keystore file: set " + IMPORT_PASSPHRASE_VARIABLE
                        + " or run this in a terminal");
                return 2;
            }
            char[] passphrase = null;
            try {
                passphrase = passphrase(true);
                Keystore.WalletInfo wallet =
                        owner.keystore().importKeystoreFile(owner.principal, label, json, filePassphrase, passphrase);
                System.out.println(wallet.address());
                System.err.println("Imported wallet " + wallet.address() + " for " + owner.principal
                        + " from a keystore file; its key is now encrypted under hal9's keystore passphrase.");
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("hal9: " + e.getMessage());
                return 2;
            } finally {
                Arrays.fill(filePassphrase, '\0');
                if (passphrase != null) {
                    Arrays.fill(passphrase, '\0');
                }
            }
        }

        private int importMnemonic() throws IOException {
            String text = mnemonicFile.equals("-")
                    ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(mnemonicFile));
            List<String> words =
                    Arrays.stream(text.strip().toLowerCase().split("\\s+")).toList();
            char[] passphrase = passphrase(true);
            try {
                Keystore.WalletInfo wallet =
                        owner.keystore().importTonMnemonic(owner.principal, label, words, passphrase, tonContract);
                System.out.println(wallet.address());
                System.err.println("Imported TON wallet " + wallet.address() + " (" + wallet.contract() + ") for "
                        + owner.principal + ".");
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("hal9: " + e.getMessage());
                return 2;
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List a principal's wallets (addresses only).")
    static final class ListWallets implements Callable<Integer> {
        @CommandLine.Mixin
        Owner owner = new Owner();

        ListWallets(Supplier<FamilyContext> context) {
            owner.context = context;
        }

        @Override
        public Integer call() {
            Keystore keystore = owner.keystore();
            List<Keystore.WalletInfo> wallets = keystore.list(owner.principal);
            for (Path foreign : keystore.foreignFiles(owner.principal)) {
                System.err.println(
                        "hal9: " + foreign + " is not a hal9 wallet (a keystore file from another wallet, or damaged);"
                                + " move it out of the keystore folder and import it with 'hal9 wallet import --keystore-file'");
            }
            if (wallets.isEmpty()) {
                System.out.println("no wallets for " + owner.principal + "; make one with 'hal9 wallet create'");
            }
            for (Keystore.WalletInfo wallet : wallets) {
                System.out.printf(
                        "%s  %-4s %-20s created %s%n",
                        wallet.address(), wallet.chain(), wallet.label(), wallet.createdAt());
            }
            return 0;
        }
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Print a wallet's private key. Only here, never through a tool.")
    static final class Export implements Callable<Integer> {
        @CommandLine.Mixin
        Owner owner = new Owner();

        Export(Supplier<FamilyContext> context) {
            owner.context = context;
        }

        @Option(names = "--address", required = true, paramLabel = "0x...", description = "The wallet to export.")
        String address;

        @Option(
                names = "--i-understand",
                required = true,
                description = "Confirms that whoever sees the output controls the wallet's funds.")
        boolean understood;

        @Override
        public Integer call() {
            char[] passphrase = passphrase(false);
            try {
                byte[] key = owner.keystore().unlock(owner.principal, address, passphrase);
                System.out.println("0x" + HexFormat.of().formatHex(key));
                Arrays.fill(key, (byte) 0);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("hal9: " + e.getMessage());
                return 1;
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    /**
     * The passphrase of a keystore file to import: from the environment (set, even if empty, since a file may have
     * been encrypted with an empty one), else asked for once; null when neither is possible.
     */
    private static char[] importPassphrase() {
        String fromEnvironment = System.getenv(IMPORT_PASSPHRASE_VARIABLE);
        if (fromEnvironment != null) {
            return fromEnvironment.toCharArray();
        }
        Console console = System.console();
        return console == null ? null : console.readPassword("Passphrase of the keystore file: ");
    }

    /** The keystore passphrase: from the environment, else asked for (twice when it protects a new key). */
    private static char[] passphrase(boolean confirm) {
        String fromEnvironment = System.getenv(PASSPHRASE_VARIABLE);
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            return fromEnvironment.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw new CommandLine.ExecutionException(
                    new CommandLine(new WalletCommands()),
                    "no keystore passphrase: set " + PASSPHRASE_VARIABLE + " or run this in a terminal");
        }
        char[] first = console.readPassword("Keystore passphrase: ");
        if (confirm) {
            char[] second = console.readPassword("Again: ");
            if (!Arrays.equals(first, second)) {
                throw new CommandLine.ExecutionException(
                        new CommandLine(new WalletCommands()), "the passphrases differ");
            }
        }
        return first;
    }
}
