package dev.hal9.tools.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.ToolException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * hal9's ABI codec against ethers 6.17.0 (pinned in {@code test-peers}), an implementation nobody here wrote. From a
 * fixed seed, random types (every integer width, address, bool, bytesN, bytes, string with non-ASCII text, fixed and
 * dynamic arrays, tuples nested a few levels) and random values are encoded by both and compared byte for byte;
 * ethers' encodings are decoded by hal9 and compared value by value; and corrupted encodings are decoded by both.
 * Whatever ethers refuses, hal9 must refuse; whatever both accept must decode to the same values; where only hal9
 * refuses, the reason must be one of the places where hal9, like Solidity's own {@code abi.decode}, is deliberately
 * stricter than ethers ({@link #STRICTER_THAN_ETHERS}). Arguments ethers refuses to encode, hal9 must refuse too.
 */
class AbiAgainstEthersTest {

    private static final long SEED = 20261201L;
    private static final int CASES = 2_500;
    private static final int CORRUPTIONS_PER_CASE = 6;
    private static final int MAX_DEPTH = 3;
    private static final HexFormat HEX = HexFormat.of();

    /**
     * Where hal9 refuses data that ethers 6 decodes, by a phrase of hal9's message, with the reason. The four
     * word-level ones follow Solidity's decoder, which since 0.5.8 (ABI coder v2, the default since 0.8) reverts on
     * dirty higher-order bits instead of ignoring them; ethers masks or ignores those bits, so two different words
     * decode to one value there. The overlap cap is hal9's bound on data crafted to inflate; ethers has one too, looser.
     */
    private static final Map<String, String> STRICTER_THAN_ETHERS = Map.of(
            "range 0 to", "a uintN word with bits above N (ethers masks them away)",
            "is not the sign extension", "an intN word that is not a sign extension (ethers masks and re-extends it)",
            "a bool is 0 or 1", "a bool word other than 0 or 1 (ethers reads any nonzero word as true)",
            "left-aligned and zero-padded", "a bytesN word with nonzero padding (ethers ignores the padding)",
            "offsets overlap", "offsets reused past 8 times the data's size (ethers allows 1024 times)");

    private static EthersPeer ethers;

    private final Random random = new Random(SEED);

    @BeforeAll
    static void startEthers(@TempDir Path home) throws IOException, URISyntaxException {
        ethers = new EthersPeer(home);
        assertThat(ethers.ask(Map.of("id", 0, "version", true)).path("version").asString())
                .isEqualTo("6.17.0");
    }

    @AfterAll
    static void stopEthers() {
        if (ethers != null) {
            ethers.close();
        }
    }

    @Test
    void randomValuesEncodeToEthersBytesAndCorruptionsEthersRefusesAreRefused(TestReporter reporter) {
        Comparison comparison = new Comparison();
        long started = System.nanoTime();
        for (int c = 1; c <= CASES; c++) {
            int count = 1 + random.nextInt(4);
            List<Abi.Param> params = new ArrayList<>();
            List<Object> json = new ArrayList<>();
            List<Object> hal9Values = new ArrayList<>();
            List<Object> ethersValues = new ArrayList<>();
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Gen type = type(0);
                String name = random.nextInt(3) == 0 ? "" : "p" + i;
                params.add(type.param(name));
                json.add(type.json(name));
                Value value = value(type);
                hal9Values.add(value.hal9());
                ethersValues.add(value.ethers());
                expected.add(value.expected());
            }
            String what = "case " + c + " " + canonical(params);
            String encoded;
            try {
                encoded = Abi.encode(params, hal9Values, what);
            } catch (RuntimeException e) {
                comparison.failures.add(what + ": hal9 refused valid values " + hal9Values + ": " + e.getMessage());
                continue;
            }
            List<String> corrupted = corruptions(HEX.parseHex(encoded, 2, encoded.length()));
            JsonNode answer =
                    ethers.ask(Map.of("id", c, "types", json, "values", ethersValues, "corrupted", corrupted));
            if (answer.has("fault") || answer.has("encodeError")) {
                comparison.failures.add(what + ": ethers refused " + ethersValues + ": " + answer);
                continue;
            }
            String ethersEncoded = answer.path("encoded").asString();
            if (!encoded.equals(ethersEncoded)) {
                comparison.failures.add(
                        what + " with " + ethersValues + ": hal9 encodes " + encoded + ", ethers " + ethersEncoded);
            }
            Object ethersDecoded =
                    Json.MAPPER.convertValue(answer.path("decoded").path("values"), Object.class);
            if (!expected.equals(ethersDecoded)) {
                comparison.failures.add(
                        what + ": ethers decodes its own encoding to " + ethersDecoded + ", not " + expected);
            }
            try {
                Object decoded = plain(Abi.decode(params, ethersEncoded));
                if (!expected.equals(decoded)) {
                    comparison.failures.add(
                            what + ": hal9 decodes ethers' " + ethersEncoded + " to " + decoded + ", not " + expected);
                }
            } catch (RuntimeException e) {
                comparison.failures.add(what + ": hal9 cannot decode ethers' " + ethersEncoded + ": " + e.getMessage());
            }
            for (int k = 0; k < corrupted.size(); k++) {
                comparison.decoded(
                        what, params, corrupted.get(k), answer.path("corrupted").get(k));
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String summary = CASES + " random cases in " + millis + " ms, each encoded and decoded by both; "
                + CASES * CORRUPTIONS_PER_CASE + " corruptions: " + comparison;
        reporter.publishEntry("abi-vs-ethers", summary);
        System.out.println(summary);
        comparison.assertNoFailures(summary);
        // random mutation must reach every word-level refusal, or "refused by hal9 only" would prove little
        assertThat(comparison.stricter.keySet())
                .containsAll(STRICTER_THAN_ETHERS.entrySet().stream()
                        .filter(e -> !e.getKey().equals("offsets overlap"))
                        .map(Map.Entry::getValue)
                        .toList());
        assertThat(comparison.refusedByBoth).isGreaterThan(CASES);
    }

    /** Written-out corruptions of each kind the issue names, decoded by both under the same rule. */
    @Test
    void handWrittenCorruptionsEthersRefusesAreRefused(TestReporter reporter) {
        String one = word(1);
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("uint8 word of 256", new Object[] {"uint8", word(256)});
        cases.put("uint128 with bit 128 set", new Object[] {"uint128", "0".repeat(31) + "1" + "0".repeat(32)});
        cases.put("int8 word 0x80 not sign-extended", new Object[] {"int8", word(0x80)});
        cases.put("int8 word ff..7f", new Object[] {"int8", "f".repeat(62) + "7f"});
        cases.put("address with a dirty high byte", new Object[] {"address", "01" + "0".repeat(22) + "ab".repeat(20)});
        cases.put("bool of 2", new Object[] {"bool", word(2)});
        cases.put("bool of all ones", new Object[] {"bool", "f".repeat(64)});
        cases.put("bytes4 with dirty padding", new Object[] {"bytes4", "deadbeef" + "0".repeat(55) + "1"});
        cases.put("string length past the data", new Object[] {"string", word(32) + word(100) + "41".repeat(32)});
        cases.put("string cut short of its padding", new Object[] {"string", word(32) + word(3) + "414243"});
        cases.put("string not UTF-8", new Object[] {"string", word(32) + word(2) + "c328" + "0".repeat(60)});
        cases.put("bytes offset past the end", new Object[] {"bytes", word(4096)});
        cases.put("bytes offset 2^255", new Object[] {"bytes", "8" + "0".repeat(63) + word(0)});
        cases.put("bytes offset 2^32 + 32", new Object[] {"bytes", word((1L << 32) + 32) + word(0)});
        cases.put("array length 2^64", new Object[] {"uint256[]", word(32) + "0".repeat(47) + "1" + "0".repeat(16)});
        cases.put("array length 3, two items", new Object[] {"uint256[]", word(32) + word(3) + one + one});
        cases.put("short data", new Object[] {"uint256", "00".repeat(31)});
        cases.put("no data", new Object[] {"uint256", ""});
        cases.put("trailing bytes", new Object[] {"uint256", one + "ffff"});
        cases.put("offsets in reverse order", new Object[] {"uint256[][]", overlapping(1)});
        cases.put("one array behind 40 offsets", new Object[] {"uint256[][]", overlapping(40)});
        Comparison comparison = new Comparison();
        int id = 0;
        for (Map.Entry<String, Object[]> entry : cases.entrySet()) {
            String type = (String) entry.getValue()[0];
            String data = "0x" + entry.getValue()[1];
            JsonNode theirs = ethers.ask(Map.of(
                            "id", ++id, "types", List.of(Map.of("name", "", "type", type)), "corrupted", List.of(data)))
                    .path("corrupted")
                    .get(0);
            comparison.decoded(entry.getKey(), List.of(new Abi.Param("", type, List.of())), data, theirs);
        }
        String summary = cases.size() + " written-out encodings: " + comparison;
        reporter.publishEntry("abi-corruptions-vs-ethers", summary);
        System.out.println(summary);
        comparison.assertNoFailures(summary);
        assertThat(comparison.stricter).containsKey(STRICTER_THAN_ETHERS.get("offsets overlap"));
    }

    /**
     * A uint256[][] of {@code count} items whose offsets all point at one array of {@code count} numbers; with one
     * item it is a canonical encoding.
     */
    private static String overlapping(int count) {
        StringBuilder hex = new StringBuilder(word(32)).append(word(count));
        for (int i = 0; i < count; i++) {
            hex.append(word(32L * count));
        }
        hex.append(word(count));
        for (int i = 0; i < count; i++) {
            hex.append(word(i));
        }
        return hex.toString();
    }

    private static String word(long value) {
        return String.format("%064x", value);
    }

    /**
     * The rule for one encoding both decoders were given: whatever ethers refuses hal9 must refuse; whatever both
     * accept must decode to equal values; what only hal9 refuses must be refused for a reason in
     * {@link #STRICTER_THAN_ETHERS}. Failures are collected, so one run shows them all.
     */
    private static final class Comparison {

        final List<String> failures = new ArrayList<>();
        final Map<String, Integer> stricter = new TreeMap<>();
        int refusedByBoth;
        int acceptedByBoth;

        void decoded(String what, List<Abi.Param> params, String data, JsonNode theirs) {
            Object ours;
            try {
                ours = plain(Abi.decode(params, data));
            } catch (ToolException e) {
                ours = e;
            } catch (RuntimeException e) {
                failures.add(what + ": hal9 failed on " + data + " with " + e + " instead of a ToolException");
                return;
            }
            boolean ethersAccepts = theirs.path("ok").asBoolean();
            if (!ethersAccepts && ours instanceof ToolException) {
                refusedByBoth++;
            } else if (!ethersAccepts) {
                failures.add(what + ": ethers refuses " + data + " ("
                        + theirs.path("error").asString() + ") but hal9 decodes it to " + ours);
            } else if (ours instanceof ToolException refusal) {
                String reason = STRICTER_THAN_ETHERS.keySet().stream()
                        .filter(phrase -> refusal.getMessage().contains(phrase))
                        .findFirst()
                        .orElse(null);
                if (reason == null) {
                    failures.add(what + ": hal9 refuses " + data + ", which ethers decodes, for a reason not known "
                            + "to be stricter than ethers: " + refusal.getMessage());
                } else {
                    stricter.merge(STRICTER_THAN_ETHERS.get(reason), 1, Integer::sum);
                }
            } else {
                acceptedByBoth++;
                Object values = Json.MAPPER.convertValue(theirs.path("values"), Object.class);
                if (!values.equals(ours)) {
                    failures.add(what + ": " + data + " decodes to " + ours + " in hal9, " + values + " in ethers");
                }
            }
        }

        void assertNoFailures(String summary) {
            assertThat(failures.subList(0, Math.min(failures.size(), 20)))
                    .as(failures.size() + " failures; " + summary)
                    .isEmpty();
        }

        @Override
        public String toString() {
            return refusedByBoth + " refused by both, " + acceptedByBoth + " accepted by both with equal values, "
                    + "refused by hal9 only: " + stricter;
        }
    }

    /** Arguments that ethers refuses to encode: hal9 must refuse every one; where only hal9 does, it is reported. */
    @Test
    void argumentsEthersRefusesToEncodeAreRefused(TestReporter reporter) {
        List<Object[]> cases = new ArrayList<>();
        for (int bits = 8; bits <= 256; bits += 8) {
            BigInteger unsignedMax = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            BigInteger signedMax = BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
            for (Object value : List.of(
                    unsignedMax.add(BigInteger.ONE).toString(),
                    "-1",
                    "0x" + unsignedMax.add(BigInteger.ONE).toString(16))) {
                cases.add(new Object[] {"uint" + bits, value});
            }
            for (Object value : List.of(
                    signedMax.add(BigInteger.ONE).toString(),
                    signedMax
                            .add(BigInteger.ONE)
                            .negate()
                            .subtract(BigInteger.ONE)
                            .toString(),
                    "0x" + unsignedMax.toString(16))) {
                cases.add(new Object[] {"int" + bits, value});
            }
        }
        for (Object value :
                List.of("1e3", "1.5", "0x-5", "0x+5", "", "0x", "12abc", "\u0661\u0662", true, " 12", "+5")) {
            cases.add(new Object[] {"uint256", value});
        }
        for (int size = 1; size <= 32; size++) {
            cases.add(new Object[] {"bytes" + size, "0x" + "ab".repeat(size - 1)});
            cases.add(new Object[] {"bytes" + size, "0x" + "ab".repeat(size + 1)});
            cases.add(new Object[] {"bytes" + size, "ab".repeat(size)});
        }
        for (Object value : List.of("0x123", "hello", "0xzz", 5)) {
            cases.add(new Object[] {"bytes", value});
        }
        String checksummed = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        for (Object value : List.of(
                checksummed.replace('C', 'c'),
                checksummed.substring(0, 41),
                checksummed + "00",
                checksummed.substring(2),
                "0x" + "g".repeat(40),
                "XE7338O073KYGTWWZN0F2WZ0R8PX5ZPPZS",
                7)) {
            cases.add(new Object[] {"address", value});
        }
        for (Object value : List.of("true", "false", "yes", 1, 0)) {
            cases.add(new Object[] {"bool", value});
        }
        cases.add(new Object[] {"string", 42});
        cases.add(new Object[] {"uint8[2]", List.of(1)});
        cases.add(new Object[] {"uint8[2]", List.of(1, 2, 3)});
        cases.add(new Object[] {"uint8[]", "1,2"});

        List<String> failures = new ArrayList<>();
        Map<String, List<String>> onlyHal9 = new TreeMap<>();
        int refusedByBoth = 0;
        for (int i = 0; i < cases.size(); i++) {
            String type = (String) cases.get(i)[0];
            Object value = cases.get(i)[1];
            Abi.Param param = new Abi.Param("x", type, List.of());
            JsonNode theirs = ethers.ask(Map.of(
                            "id",
                            i,
                            "types",
                            List.of(Map.of("name", "x", "type", type)),
                            "invalid",
                            List.of(List.of(value))))
                    .path("invalid")
                    .get(0);
            String ours;
            try {
                ours = Abi.encode(List.of(param), List.of(value), "f");
            } catch (ToolException e) {
                ours = null;
            } catch (RuntimeException e) {
                failures.add(type + " " + shown(value) + ": hal9 failed with " + e + " instead of a ToolException");
                continue;
            }
            boolean ethersAccepts = theirs.path("ok").asBoolean();
            if (!ethersAccepts && ours == null) {
                refusedByBoth++;
            } else if (!ethersAccepts) {
                failures.add(type + " " + shown(value) + ": ethers refuses it ("
                        + theirs.path("error").asString() + ") but hal9 encodes " + ours);
            } else if (ours == null) {
                onlyHal9.computeIfAbsent(type.replaceAll("[0-9]+", "N"), k -> new ArrayList<>())
                        .add(shown(value));
            } else if (!ours.equals(theirs.path("encoded").asString())) {
                failures.add(type + " " + shown(value) + ": hal9 encodes " + ours + ", ethers " + theirs);
            }
        }
        String summary = cases.size() + " bad arguments: " + refusedByBoth + " refused by both; accepted by ethers, "
                + "refused by hal9: " + onlyHal9;
        reporter.publishEntry("abi-arguments-vs-ethers", summary);
        System.out.println(summary);
        assertThat(failures).as(summary).isEmpty();
    }

    // ---- random types and values

    /** A generated ABI type: the test's own model of it, rendered to hal9's {@link Abi.Param} and to ethers' JSON. */
    private record Gen(String kind, int size, Gen element, List<Gen> fields, List<String> names) {

        static Gen leaf(String kind, int size) {
            return new Gen(kind, size, null, List.of(), List.of());
        }

        String type() {
            return switch (kind) {
                case "uint", "int" -> kind + size;
                case "bytesN" -> "bytes" + size;
                case "array" -> element.type() + (size < 0 ? "[]" : "[" + size + "]");
                default -> kind;
            };
        }

        /** The tuple under any array dimensions, whose fields become the ABI's "components". */
        Gen base() {
            return kind.equals("array") ? element.base() : this;
        }

        Abi.Param param(String name) {
            Gen base = base();
            List<Abi.Param> components = new ArrayList<>();
            for (int i = 0; i < base.fields.size(); i++) {
                components.add(base.fields.get(i).param(base.names.get(i)));
            }
            return new Abi.Param(name, type(), components);
        }

        Map<String, Object> json(String name) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", name);
            json.put("type", type());
            Gen base = base();
            if (base.kind.equals("tuple")) {
                List<Object> components = new ArrayList<>();
                for (int i = 0; i < base.fields.size(); i++) {
                    components.add(base.fields.get(i).json(base.names.get(i)));
                }
                json.put("components", components);
            }
            return json;
        }
    }

    /** One value in the form hal9 is given, the form ethers is given, and what both should decode it to. */
    private record Value(Object hal9, Object ethers, Object expected) {}

    private Gen type(int depth) {
        return switch (random.nextInt(depth >= MAX_DEPTH ? 7 : 10)) {
            case 0 -> Gen.leaf("uint", 8 * (1 + random.nextInt(32)));
            case 1 -> Gen.leaf("int", 8 * (1 + random.nextInt(32)));
            case 2 -> Gen.leaf("address", 0);
            case 3 -> Gen.leaf("bool", 0);
            case 4 -> Gen.leaf("bytesN", 1 + random.nextInt(32));
            case 5 -> Gen.leaf("bytes", 0);
            case 6 -> Gen.leaf("string", 0);
            case 7, 8 ->
                new Gen(
                        "array",
                        random.nextBoolean() ? -1 : 1 + random.nextInt(3),
                        type(depth + 1),
                        List.of(),
                        List.of());
            default -> {
                int count = 1 + random.nextInt(4);
                List<Gen> fields = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    fields.add(type(depth + 1));
                    names.add(random.nextInt(5) == 0 ? "" : "f" + i);
                }
                yield new Gen("tuple", 0, null, fields, names);
            }
        };
    }

    private Value value(Gen type) {
        switch (type.kind()) {
            case "uint", "int" -> {
                BigInteger number = integer(type.size(), type.kind().equals("int"));
                return new Value(integerForm(number), number.toString(), number.toString());
            }
            case "address" -> {
                String lower = HEX.formatHex(bytes(20));
                String checksummed = Abi.checksum(lower);
                String given =
                        switch (random.nextInt(3)) {
                            case 0 -> "0x" + lower;
                            case 1 -> "0x" + lower.toUpperCase(Locale.ROOT);
                            default -> checksummed;
                        };
                return new Value(given, given, checksummed);
            }
            case "bool" -> {
                boolean flag = random.nextBoolean();
                return new Value(flag, flag, flag);
            }
            case "bytesN", "bytes" -> {
                int length = type.kind().equals("bytesN") ? type.size() : byteLength();
                String hex = HEX.formatHex(bytes(length));
                String given = "0x" + (random.nextInt(4) == 0 ? hex.toUpperCase(Locale.ROOT) : hex);
                return new Value(given, given, "0x" + hex);
            }
            case "string" -> {
                String text = text();
                return new Value(text, text, text);
            }
            case "array" -> {
                int length = type.size() < 0 ? random.nextInt(4) : type.size();
                List<Object> hal9 = new ArrayList<>();
                List<Object> ethers = new ArrayList<>();
                List<Object> expected = new ArrayList<>();
                for (int i = 0; i < length; i++) {
                    Value item = value(type.element());
                    hal9.add(item.hal9());
                    ethers.add(item.ethers());
                    expected.add(item.expected());
                }
                return new Value(hal9, ethers, expected);
            }
            default -> {
                boolean byName = type.names().stream().noneMatch(String::isEmpty) && random.nextBoolean();
                Map<String, Object> named = new LinkedHashMap<>();
                List<Object> hal9 = new ArrayList<>();
                List<Object> ethers = new ArrayList<>();
                List<Object> expected = new ArrayList<>();
                for (int i = 0; i < type.fields().size(); i++) {
                    Value field = value(type.fields().get(i));
                    named.put(type.names().get(i), field.hal9());
                    hal9.add(field.hal9());
                    ethers.add(field.ethers());
                    expected.add(field.expected());
                }
                return new Value(byName ? named : hal9, ethers, expected);
            }
        }
    }

    /** An integer of the type's range, often at an edge, where off-by-one and sign errors live. */
    private BigInteger integer(int bits, boolean signed) {
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
        BigInteger max = BigInteger.ONE.shiftLeft(signed ? bits - 1 : bits).subtract(BigInteger.ONE);
        return switch (random.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            case 2 -> signed ? BigInteger.ONE.negate() : BigInteger.ONE;
            case 3 -> BigInteger.ZERO;
            default -> {
                BigInteger magnitude = new BigInteger(1 + random.nextInt(signed ? bits - 1 : bits), random);
                yield signed && random.nextBoolean() ? magnitude.negate().subtract(BigInteger.ONE) : magnitude;
            }
        };
    }

    /** Every form hal9 accepts an integer in: JSON integers of each Java width, decimal and hex strings. */
    private Object integerForm(BigInteger number) {
        int form = random.nextInt(5);
        if (form == 0 && number.bitLength() < 32) {
            return number.intValueExact();
        }
        if (form <= 1 && number.bitLength() < 64) {
            return number.longValueExact();
        }
        if (form <= 2) {
            return number;
        }
        if (form == 3) {
            return number.toString();
        }
        String hex = number.abs().toString(16);
        return (number.signum() < 0 ? "-0x" : "0x") + (random.nextBoolean() ? hex.toUpperCase(Locale.ROOT) : hex);
    }

    private int byteLength() {
        int[] edges = {0, 1, 31, 32, 33, 64};
        return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextInt(80);
    }

    private byte[] bytes(int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }

    /** Text from pieces that take one to four UTF-8 bytes, including combining marks, ZWJ emoji and NUL. */
    private String text() {
        String[] pieces = {
            "a", "Z", "0", " ", "~", "\"", "\\", "\n", "\u0000", "é", "ü", "ß", "Ж", "ж", "中", "文", "日本", "\u0301",
            "\u200d", "🙂", "👩‍💻", "𝄞", "ﬁ"
        };
        StringBuilder out = new StringBuilder();
        int count = random.nextInt(16);
        for (int i = 0; i < count; i++) {
            out.append(pieces[random.nextInt(pieces.length)]);
        }
        return out.toString();
    }

    // ---- corruptions

    /**
     * Encodings changed the ways hostile or broken return data differs from a real one: dirty high bytes (dirty
     * integers and addresses), a changed low byte (bools, bytesN padding, misaligned offsets, or just another number),
     * small words (bools of 2), offset-like and all-ones words (offsets and lengths outside the data or overflowing),
     * truncation (short data), a random flipped byte, and trailing bytes (which both must ignore).
     */
    private List<String> corruptions(byte[] data) {
        List<String> out = new ArrayList<>();
        int words = data.length / 32;
        for (int k = 0; k < CORRUPTIONS_PER_CASE; k++) {
            byte[] copy = data.clone();
            int word = random.nextInt(words) * 32;
            switch (random.nextInt(8)) {
                case 0 ->
                    copy[word + random.nextInt(random.nextBoolean() ? 12 : 31)] = (byte) (1 + random.nextInt(255));
                case 1 -> copy[word + 31] ^= (byte) (1 + random.nextInt(255));
                case 2 -> setWord(copy, word, BigInteger.valueOf(2 + random.nextInt(3)));
                case 3 -> setWord(copy, word, offsetLike(data.length));
                case 4 -> setWord(copy, word, BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE));
                case 5 ->
                    copy = Arrays.copyOf(
                            data, random.nextBoolean() ? random.nextInt(words) * 32 : random.nextInt(data.length));
                case 6 -> copy[random.nextInt(copy.length)] ^= (byte) (1 + random.nextInt(255));
                default -> {
                    copy = Arrays.copyOf(data, data.length + 1 + random.nextInt(40));
                    for (int i = data.length; i < copy.length; i++) {
                        copy[i] = (byte) random.nextInt(256);
                    }
                }
            }
            out.add("0x" + HEX.formatHex(copy));
        }
        return out;
    }

    private BigInteger offsetLike(int length) {
        long[] near = {0, 32, length - 32L, length - 1L, length, length + 32L};
        return switch (random.nextInt(6)) {
            case 0, 1 -> BigInteger.valueOf(near[random.nextInt(near.length)]);
            case 2 -> BigInteger.valueOf(32L * random.nextInt(length / 32 + 2));
            case 3 -> BigInteger.ONE.shiftLeft(new int[] {31, 32, 53, 64, 128, 255}[random.nextInt(6)]);
            case 4 -> BigInteger.ONE.shiftLeft(32).add(BigInteger.valueOf(32));
            default -> BigInteger.valueOf(random.nextInt(Integer.MAX_VALUE));
        };
    }

    private static void setWord(byte[] data, int at, BigInteger value) {
        byte[] raw = value.toByteArray();
        Arrays.fill(data, at, at + 32, (byte) 0);
        int length = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - length, data, at + 32 - length, length);
    }

    // ---- helpers

    /** hal9's decoded values with tuples as lists, the shape ethers' Result has. */
    private static Object plain(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.values().stream().map(AbiAgainstEthersTest::plain).toList();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(AbiAgainstEthersTest::plain).toList();
        }
        return value;
    }

    private static String canonical(List<Abi.Param> params) {
        return "(" + String.join(",", params.stream().map(Abi.Param::canonical).toList()) + ")";
    }

    private static String shown(Object value) {
        return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
    }

    /** One Node process running ethers-abi.mjs: a JSON line out, a JSON line back. Not thread-safe. */
    private static final class EthersPeer implements AutoCloseable {

        private final Process process;
        private final BufferedWriter requests;
        private final BufferedReader answers;
        private final Path errors;

        EthersPeer(Path home) throws IOException, URISyntaxException {
            Path peers = Path.of(System.getProperty("hal9.contracts.testPeers", "test-peers"));
            if (!Files.isRegularFile(peers.resolve("node_modules/ethers/package.json"))) {
                throw new IllegalStateException("ethers is not installed in " + peers.toAbsolutePath()
                        + ": run tools/contracts/test-peers/install.sh (the Maven build does)");
            }
            Path script = Path.of(
                    AbiAgainstEthersTest.class.getResource("ethers-abi.mjs").toURI());
            errors = home.resolve("ethers-abi.stderr");
            ProcessBuilder builder =
                    new ProcessBuilder("node", script.toString(), peers.toString()).redirectError(errors.toFile());
            builder.environment().put("HOME", home.toString());
            builder.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
            builder.environment().put("XDG_CACHE_HOME", home.resolve(".cache").toString());
            builder.environment().put("NO_UPDATE_NOTIFIER", "1");
            process = builder.start();
            requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        JsonNode ask(Map<String, Object> request) {
            try {
                requests.write(Json.write(request));
                requests.newLine();
                requests.flush();
                String line = answers.readLine();
                if (line == null) {
                    throw new IllegalStateException("ethers-abi.mjs ended: " + Files.readString(errors));
                }
                JsonNode answer = Json.MAPPER.readTree(line);
                assertThat(answer.path("id").asInt()).isEqualTo(request.get("id"));
                return answer;
            } catch (IOException e) {
                throw new IllegalStateException("cannot talk to ethers-abi.mjs", e);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
