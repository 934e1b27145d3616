package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * hal9's signer, checksums and keystore files against ethers (npm, pinned in package.json), an implementation
 * nobody here wrote: 1,000 random EIP-1559 transactions from a fixed seed must be the same bytes and hashes on both
 * sides, random addresses must get the same EIP-55 form, and each side must open the other's keystore files. One
 * Node process answers every request (src/test/resources/ethers-peer.mjs), a JSON line in, a JSON line out.
 */
class EthersDifferentialTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HexFormat HEX = HexFormat.of();
    private static final BigInteger CURVE_ORDER =
            new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
    private static final BigInteger MAX_UINT256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final long MAX_CHAIN_ID = Long.MAX_VALUE - 36;

    /** ethers keeps a nonce as a JavaScript number, so the nonces compared stay at or below 2^53 - 1. */
    private static final long MAX_SAFE_NONCE = (1L << 53) - 1;

    private static Process ethers;
    private static Writer toEthers;
    private static BufferedReader fromEthers;

    @BeforeAll
    static void startEthers() throws Exception {
        Path script = Path.of(
                EthersDifferentialTest.class.getResource("/ethers-peer.mjs").toURI());
        // Node finds ethers by walking up from the script (target/test-classes) to tools/chain/node_modules
        if (!Files.isRegularFile(
                script.resolve("../../../node_modules/ethers/package.json").normalize())) {
            throw new IllegalStateException("ethers is missing from tools/chain/node_modules: run install-peers.sh");
        }
        ethers = new ProcessBuilder(System.getProperty("node.binary", "node"), script.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        toEthers = new OutputStreamWriter(ethers.getOutputStream(), StandardCharsets.UTF_8);
        fromEthers = new BufferedReader(new InputStreamReader(ethers.getInputStream(), StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopEthers() throws Exception {
        toEthers.close();
        if (!ethers.waitFor(10, TimeUnit.SECONDS)) {
            ethers.destroyForcibly();
        }
    }

    /** One random transaction, as both sides get it. */
    private record Case(
            String key,
            long chainId,
            BigInteger nonce,
            BigInteger tip,
            BigInteger maxFee,
            BigInteger gasLimit,
            String to,
            BigInteger value,
            String data) {}

    @Test
    void aThousandRandomTransactionsAreTheSameBytesAndHashesAsEthers() throws Exception {
        Random random = new Random(1559);
        List<Case> cases = new ArrayList<>(edgeCases(random));
        while (cases.size() < 1_000) {
            cases.add(randomCase(random));
        }
        List<Map<String, Object>> requests = new ArrayList<>();
        for (Case c : cases) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("op", "sign");
            request.put("key", c.key());
            request.put("chainId", Long.toString(c.chainId()));
            request.put("nonce", c.nonce().toString());
            request.put("tip", c.tip().toString());
            request.put("maxFee", c.maxFee().toString());
            request.put("gasLimit", c.gasLimit().toString());
            request.put("to", c.to());
            request.put("value", c.value().toString());
            request.put("data", c.data());
            requests.add(request);
        }
        List<JsonNode> answers = exchange(requests);

        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            JsonNode theirs = answers.get(i);
            assertThat(theirs.has("error"))
                    .as("ethers refused case %d: %s", i, theirs)
                    .isFalse();
            EvmSigner.Signed ours = EvmSigner.sign(
                    c.chainId(),
                    c.nonce(),
                    c.tip(),
                    c.maxFee(),
                    c.gasLimit(),
                    c.to(),
                    c.value(),
                    c.data(),
                    HEX.parseHex(c.key().substring(2)));
            assertThat(ours.raw())
                    .as("raw transaction of case %d: %s", i, c)
                    .isEqualTo(theirs.get("raw").asString());
            assertThat(ours.hash())
                    .as("hash of case %d", i)
                    .isEqualTo(theirs.get("hash").asString());
            assertThat(ours.raw()).startsWith("0x02");
            hashes.add(ours.hash());
        }
        // the cases really differ: a generator stuck on one transaction would compare nothing
        assertThat(hashes).hasSize(cases.size());
    }

    @Test
    void randomAddressesGetTheSameEip55FormAsEthers() throws Exception {
        Random random = new Random(55);
        List<String> addresses = new ArrayList<>(List.of(
                "0x" + "0".repeat(40),
                "0x" + "f".repeat(40),
                "0x" + "1234567890".repeat(4),
                "0x52908400098527886e0f7030069857d2e4169ee7"));
        while (addresses.size() < 300) {
            addresses.add("0x" + HEX.formatHex(bytes(random, 20)));
        }
        List<JsonNode> answers = exchange(addresses.stream()
                .map(a -> Map.<String, Object>of("op", "checksum", "address", a))
                .toList());
        for (int i = 0; i < addresses.size(); i++) {
            assertThat(EvmSigner.checksum(addresses.get(i)))
                    .as(addresses.get(i))
                    .isEqualTo(answers.get(i).get("address").asString());
            // the tools accept ethers' form as it is, and refuse it with one letter's case flipped
            String checksummed = answers.get(i).get("address").asString();
            assertThat(ChainFamily.checked(checksummed)).isEqualTo(checksummed);
            String flipped = flipFirstLetter(checksummed);
            String digits = flipped.substring(2);
            if (!digits.equals(digits.toLowerCase()) && !digits.equals(digits.toUpperCase())) {
                assertThatThrownBy(() -> ChainFamily.checked(flipped)).hasMessageContaining("EIP-55 checksum");
            }
        }
    }

    @Test
    void ethersOpensTheKeystoreFilesHal9Writes() throws Exception {
        Random random = new Random(3);
        Path folder = Files.createTempDirectory("hal9-keystore-interop");
        Keystore keystore = new Keystore(folder, 1 << 10); // a small scrypt cost keeps both sides fast
        char[] passphrase = "pässwörd, ünïcode ✓".toCharArray();
        List<byte[]> keys = List.of(randomKey(random), randomKey(random), randomKey(random));
        List<Map<String, Object>> requests = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (byte[] key : keys) {
            String address = keystore.importKey("alice", "", key, passphrase).address();
            addresses.add(address);
            requests.add(
                    Map.of("op", "decrypt", "json", walletFile(folder, address), "password", new String(passphrase)));
        }
        List<JsonNode> answers = exchange(requests);
        for (int i = 0; i < keys.size(); i++) {
            assertThat(answers.get(i).has("error"))
                    .as(answers.get(i).toString())
                    .isFalse();
            assertThat(answers.get(i).get("privateKey").asString()).isEqualTo("0x" + HEX.formatHex(keys.get(i)));
            assertThat(answers.get(i).get("address").asString()).isEqualTo(addresses.get(i));
        }
    }

    @Test
    void hal9ImportsTheKeystoreFilesEthersWrites() throws Exception {
        Random random = new Random(4);
        Keystore keystore = new Keystore(Files.createTempDirectory("hal9-keystore-interop"), 1 << 10);
        String filePassphrase = "ethers' own passphrase, ünïcode ✓";
        char[] passphrase = "hal9's keystore passphrase".toCharArray();
        List<byte[]> keys = List.of(randomKey(random), randomKey(random), randomKey(random));
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("op", "encrypt");
            request.put("privateKey", hex(keys.get(i)));
            request.put("password", filePassphrase);
            // the first at ethers' default scrypt cost, as a real wallet writes it; the others cheaper
            request.put("n", i == 0 ? null : 1 << (10 + i));
            requests.add(request);
        }
        List<JsonNode> files = exchange(requests);
        for (int i = 0; i < keys.size(); i++) {
            String json = files.get(i).get("json").asString();
            Keystore.WalletInfo wallet =
                    keystore.importKeystoreFile("alice", "", json, filePassphrase.toCharArray(), passphrase);
            assertThat(wallet.address()).isEqualTo(EvmSigner.address(keys.get(i)));
            assertThat(wallet.address().substring(2).toLowerCase())
                    .isEqualTo(JSON.readTree(json).get("address").asString());
            assertThat(keystore.unlock("alice", wallet.address(), passphrase)).isEqualTo(keys.get(i));
        }
    }

    private static String flipFirstLetter(String address) {
        char[] chars = address.toCharArray();
        for (int i = 2; i < chars.length; i++) {
            if (Character.isLetter(chars[i])) {
                chars[i] = Character.isUpperCase(chars[i])
                        ? Character.toLowerCase(chars[i])
                        : Character.toUpperCase(chars[i]);
                break;
            }
        }
        return new String(chars);
    }

    private static String walletFile(Path folder, String address) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            Path file = files.filter(p -> p.getFileName().toString().equalsIgnoreCase(address + ".json"))
                    .findFirst()
                    .orElseThrow();
            return Files.readString(file);
        }
    }

    /** The boundaries where encodings change: RLP's single byte, 55/56-byte and 2^16 lengths; zero; the maxima. */
    private static List<Case> edgeCases(Random random) {
        List<Case> cases = new ArrayList<>();
        byte[] one = new byte[32];
        one[31] = 1;
        byte[] highest = toKey(CURVE_ORDER.subtract(BigInteger.ONE));
        String zero = "0x" + "00".repeat(20);
        int[] lengths = {0, 1, 2, 55, 56, 255, 256, 1024, 65_535, 65_536, 100_000};
        for (int length : lengths) {
            cases.add(new Case(
                    hex(randomKey(random)),
                    1,
                    BigInteger.ZERO,
                    BigInteger.ZERO,
                    BigInteger.ZERO,
                    BigInteger.valueOf(21_000),
                    length % 2 == 0 ? null : zero,
                    BigInteger.ZERO,
                    "0x" + HEX.formatHex(bytes(random, length))));
        }
        for (int b : new int[] {0x00, 0x7f, 0x80, 0xff}) {
            cases.add(new Case(
                    hex(randomKey(random)),
                    31337,
                    BigInteger.valueOf(b),
                    BigInteger.valueOf(b),
                    BigInteger.valueOf(b),
                    BigInteger.valueOf(b),
                    "0x" + "00".repeat(19) + String.format("%02x", b),
                    BigInteger.valueOf(b),
                    String.format("0x%02x", b)));
        }
        cases.add(new Case(
                hex(one),
                MAX_CHAIN_ID,
                BigInteger.valueOf(MAX_SAFE_NONCE),
                MAX_UINT256,
                MAX_UINT256,
                MAX_UINT64,
                "0x" + "ff".repeat(20),
                MAX_UINT256,
                "0x"));
        cases.add(new Case(
                hex(highest),
                Integer.MAX_VALUE,
                BigInteger.ONE,
                BigInteger.ONE,
                BigInteger.TWO,
                BigInteger.ONE,
                null,
                MAX_UINT256,
                "0x00"));
        return cases;
    }

    private static Case randomCase(Random random) {
        long chainId =
                switch (random.nextInt(6)) {
                    case 0 -> new long[] {1, 10, 56, 137, 8453, 42161, 31337, 11155111}[random.nextInt(8)];
                    case 1 -> 1 + random.nextInt(1 << 16);
                    case 2 -> 1 + (random.nextLong() & 0xffffffffL);
                    default -> 1 + Math.floorMod(random.nextLong(), MAX_CHAIN_ID);
                };
        BigInteger tip = randomNumber(random, 80);
        BigInteger maxFee = tip.add(randomNumber(random, 80)).min(MAX_UINT256);
        if (random.nextInt(20) == 0) {
            maxFee = randomNumber(random, 256).max(tip); // fee fields are 256-bit in the encoding
        }
        int dataLength =
                switch (random.nextInt(10)) {
                    case 0, 1 -> 0;
                    case 2, 3, 4, 5 -> random.nextInt(100);
                    case 6, 7, 8 -> random.nextInt(2_000);
                    default -> random.nextInt(70_000);
                };
        return new Case(
                hex(randomKey(random)),
                chainId,
                BigInteger.valueOf(random.nextLong(MAX_SAFE_NONCE + 1) >> random.nextInt(53)),
                tip,
                maxFee,
                randomNumber(random, 64),
                random.nextInt(7) == 0 ? null : "0x" + HEX.formatHex(bytes(random, 20)),
                randomNumber(random, 256),
                "0x" + HEX.formatHex(bytes(random, dataLength)));
    }

    /** A number of a random bit length up to {@code bits}, so small and large quantities are both common. */
    private static BigInteger randomNumber(Random random, int bits) {
        return new BigInteger(random.nextInt(bits + 1), random);
    }

    private static byte[] randomKey(Random random) {
        return toKey(new BigInteger(256, random)
                .mod(CURVE_ORDER.subtract(BigInteger.ONE))
                .add(BigInteger.ONE));
    }

    private static String hex(byte[] key) {
        return "0x" + HEX.formatHex(key);
    }

    private static byte[] toKey(BigInteger k) {
        byte[] key = new byte[32];
        byte[] magnitude = k.toByteArray();
        int length = Math.min(magnitude.length, 32);
        System.arraycopy(magnitude, magnitude.length - length, key, 32 - length, length);
        return key;
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * Sends every request to ethers and reads as many answers. Writing happens on its own thread so that neither
     * side blocks on a full pipe while the other is still writing.
     */
    private static List<JsonNode> exchange(List<Map<String, Object>> requests) throws Exception {
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (Map<String, Object> request : requests) {
                    toEthers.write(JSON.writeValueAsString(request));
                    toEthers.write('\n');
                }
                toEthers.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<JsonNode> answers = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            String line = fromEthers.readLine();
            if (line == null) {
                throw new IllegalStateException("ethers stopped after " + i + " of " + requests.size() + " answers");
            }
            answers.add(JSON.readTree(line));
        }
        writer.join();
        return answers;
    }
}
