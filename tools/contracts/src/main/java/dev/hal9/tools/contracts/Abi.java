package dev.hal9.tools.contracts;

import dev.hal9.api.ToolException;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * The Solidity contract ABI: encodes calls and constructor arguments from JSON values, decodes results and revert
 * data back to JSON values. Covers every ABI type (uintN, intN, address, bool, bytesN, bytes, string, fixed and
 * dynamic arrays, tuples). Numbers come back as decimal strings, so no client loses precision on a uint256.
 *
 * <p>Both directions are strict, because a model supplies the arguments and a contract nobody vetted supplies the
 * data. The encoder takes only JSON that is unambiguously a value of the parameter's type (an integer is a JSON
 * integer, decimal digits or 0x-hex; never an exponent, a fraction or a float). The decoder refuses what Solidity's
 * own {@code abi.decode} refuses (dirty high bits, bools other than 0 and 1, unpadded bytesN, offsets and lengths
 * outside the data) and what ethers refuses beyond that (contents cut short of their padding, strings that are not
 * UTF-8). web3j's decoder is no guide here: it masks dirty bits and reads any bool word but 1 as false. Every refusal names the parameter by its path ({@code 'order.tags[1]'}), says what was wrong and
 * what is accepted. Stateless, so safe to use from any thread.
 */
final class Abi {

    private static final HexFormat HEX = HexFormat.of();
    private static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);

    private Abi() {}

    /** A parameter as the ABI JSON describes it. */
    record Param(String name, String type, List<Param> components) {

        @SuppressWarnings("unchecked")
        static Param of(Map<String, Object> json) {
            List<Param> components = new ArrayList<>();
            if (json.get("components") instanceof List<?> list) {
                list.forEach(c -> components.add(of((Map<String, Object>) c)));
            }
            Object name = json.get("name");
            return new Param(name == null ? "" : name.toString(), String.valueOf(json.get("type")), components);
        }

        /** The canonical type, as in a signature: tuples spelt out. */
        String canonical() {
            if (type.startsWith("tuple")) {
                return "("
                        + String.join(
                                ",", components.stream().map(Param::canonical).toList()) + ")"
                        + type.substring("tuple".length());
            }
            return type;
        }

        private Param element() {
            return new Param(name, type.substring(0, type.lastIndexOf('[')), components);
        }
    }

    /** An ABI entry's parameters ("inputs" or "outputs"). */
    @SuppressWarnings("unchecked")
    static List<Param> params(Map<String, Object> entry, String key) {
        List<Param> params = new ArrayList<>();
        if (entry.get(key) instanceof List<?> list) {
            list.forEach(p -> params.add(Param.of((Map<String, Object>) p)));
        }
        return params;
    }

    static String signature(Map<String, Object> entry) {
        return entry.get("name") + "("
                + String.join(
                        ",",
                        params(entry, "inputs").stream().map(Param::canonical).toList()) + ")";
    }

    static byte[] keccak(byte[] input) {
        KeccakDigest digest = new KeccakDigest(256);
        digest.update(input, 0, input.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }

    static String selector(String signature) {
        return "0x" + HEX.formatHex(Arrays.copyOf(keccak(signature.getBytes(StandardCharsets.US_ASCII)), 4));
    }

    /**
     * Finds a function by name or full signature ({@code transfer(address,uint256)}); among overloads, the one
     * taking {@code argumentCount} arguments.
     */
    static Map<String, Object> function(List<Map<String, Object>> abi, String requested, int argumentCount) {
        List<Map<String, Object>> functions =
                abi.stream().filter(e -> "function".equals(e.get("type"))).toList();
        List<Map<String, Object>> named = functions.stream()
                .filter(f -> requested.contains("(")
                        ? signature(f).equals(requested.replace(" ", ""))
                        : requested.equals(f.get("name")))
                .toList();
        if (named.isEmpty()) {
            throw ToolException.badArgument(
                    "function",
                    "'" + requested + "' is not in the contract's ABI; it has "
                            + String.join(
                                    ", ", functions.stream().map(Abi::signature).toList()));
        }
        if (named.size() == 1) {
            return named.get(0);
        }
        List<Map<String, Object>> fitting = named.stream()
                .filter(f -> params(f, "inputs").size() == argumentCount)
                .toList();
        if (fitting.size() == 1) {
            return fitting.get(0);
        }
        throw ToolException.badArgument(
                "function",
                "'" + requested + "' is overloaded ("
                        + String.join(", ", named.stream().map(Abi::signature).toList())
                        + "); give the full signature");
    }

    /** Encodes arguments for parameters (no selector), checking count and types. */
    static String encode(List<Param> params, List<Object> arguments, String what) {
        List<Object> values = arguments == null ? List.of() : arguments;
        if (values.size() != params.size()) {
            throw ToolException.badArgument(
                    "args",
                    what + " takes " + params.size() + " argument(s) ("
                            + String.join(
                                    ", ",
                                    params.stream()
                                            .map(p -> p.canonical() + (p.name().isEmpty() ? "" : " " + p.name()))
                                            .toList())
                            + "), " + values.size() + " given");
        }
        List<Type> types = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            types.add(type(params.get(i), "argument " + shown(topPath(params.get(i), i)) + " of " + what));
        }
        return "0x" + HEX.formatHex(new Encoder(what).sequence(types, values, i -> topPath(params.get(i), i)));
    }

    /** Where a top-level parameter is in messages: its name, or its position from 1 when it has none. */
    private static String topPath(Param param, int index) {
        return param.name().isEmpty() ? "#" + (index + 1) : param.name();
    }

    /** A path as messages show it: quoted when it starts with a name, so {@code 'order.tags[1]'} but {@code #2[0]}. */
    private static String shown(String path) {
        return path.startsWith("#") ? path : "'" + path + "'";
    }

    // ---- types

    /**
     * An ABI type, parsed once from a {@link Param} so that the encoder and the decoder agree on its shape and both
     * refuse a type the ABI does not have (uint7, bytes33, uint256[x]) instead of guessing at it.
     */
    private sealed interface Type
            permits IntegerType, AddressType, BoolType, FixedBytesType, BytesType, ArrayType, TupleType {

        String canonical();

        /** Whether the value sits in the tail, reached by an offset in the head; the one-word types are static. */
        default boolean dynamic() {
            return false;
        }

        /** The bytes of a static value's encoding (one word, unless overridden); meaningless for a dynamic type. */
        default long staticSize() {
            return 32;
        }

        /** The bytes this type takes in the head of its tuple or array: its own encoding, or a 32-byte offset. */
        default long headSize() {
            return dynamic() ? 32 : staticSize();
        }
    }

    private record IntegerType(int bits, boolean signed) implements Type {

        public String canonical() {
            return (signed ? "int" : "uint") + bits;
        }

        BigInteger min() {
            return signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
        }

        BigInteger max() {
            return BigInteger.ONE.shiftLeft(signed ? bits - 1 : bits).subtract(BigInteger.ONE);
        }
    }

    private record AddressType() implements Type {

        public String canonical() {
            return "address";
        }
    }

    private record BoolType() implements Type {

        public String canonical() {
            return "bool";
        }
    }

    private record FixedBytesType(int size) implements Type {

        public String canonical() {
            return "bytes" + size;
        }
    }

    /** {@code bytes}, or {@code string} when {@code text}: a length word, then the contents padded to a word. */
    private record BytesType(boolean text) implements Type {

        public String canonical() {
            return text ? "string" : "bytes";
        }

        @Override
        public boolean dynamic() {
            return true;
        }
    }

    /** {@code T[length]}, or {@code T[]} when {@code length} is -1. */
    private record ArrayType(Type element, int length) implements Type {

        public String canonical() {
            return element.canonical() + "[" + (length < 0 ? "" : length) + "]";
        }

        @Override
        public boolean dynamic() {
            return length < 0 || element.dynamic();
        }

        @Override
        public long staticSize() {
            return length * element.staticSize();
        }
    }

    private record TupleType(List<String> names, List<Type> fields) implements Type {

        public String canonical() {
            return "(" + String.join(",", fields.stream().map(Type::canonical).toList()) + ")";
        }

        @Override
        public boolean dynamic() {
            return fields.stream().anyMatch(Type::dynamic);
        }

        @Override
        public long staticSize() {
            return fields.stream().mapToLong(Type::staticSize).sum();
        }

        /** A field's name in paths and decoded objects: its ABI name, or its position from 0 when it has none. */
        String key(int index) {
            return names.get(index).isEmpty() ? String.valueOf(index) : names.get(index);
        }
    }

    private static final Pattern ARRAY = Pattern.compile("(.+)\\[([0-9]*)]");
    private static final Pattern SIZED = Pattern.compile("(uint|int|bytes)([0-9]+)");
    /**
     * No static type may encode larger than this; it keeps every position the codec computes far from overflow. A
     * real contract's return data is a few kilobytes, bounded by gas.
     */
    private static final long MAX_STATIC_SIZE = 1L << 30;

    private static Type type(Param param, String where) {
        String type = param.type();
        Matcher array = ARRAY.matcher(type);
        if (array.matches()) {
            Type element = type(new Param(param.name(), array.group(1), param.components()), where);
            String size = array.group(2);
            if (size.isEmpty()) {
                return new ArrayType(element, -1);
            }
            if (size.startsWith("0") || size.length() > 9) {
                throw badType(where, type, "a fixed array's size is a whole number from 1, as in uint256[3]");
            }
            ArrayType fixed = new ArrayType(element, Integer.parseInt(size));
            if (!fixed.dynamic() && fixed.staticSize() > MAX_STATIC_SIZE) {
                throw badType(where, type, "it would encode to more than " + MAX_STATIC_SIZE + " bytes");
            }
            return fixed;
        }
        switch (type) {
            case "address":
                return new AddressType();
            case "bool":
                return new BoolType();
            case "string":
                return new BytesType(true);
            case "bytes":
                return new BytesType(false);
            case "tuple":
                List<String> names = new ArrayList<>();
                List<Type> fields = new ArrayList<>();
                for (Param component : param.components()) {
                    names.add(component.name());
                    fields.add(type(component, where));
                }
                return new TupleType(List.copyOf(names), List.copyOf(fields));
            case "uint", "int":
                // the canonical spelling goes into selectors, so an alias would call a different function
                throw badType(where, type, "the ABI spells it " + type + "256");
            default:
                break;
        }
        Matcher sized = SIZED.matcher(type);
        if (sized.matches() && !sized.group(2).startsWith("0") && sized.group(2).length() <= 3) {
            int size = Integer.parseInt(sized.group(2));
            if (sized.group(1).equals("bytes")) {
                if (size <= 32) {
                    return new FixedBytesType(size);
                }
            } else if (size % 8 == 0 && size <= 256) {
                return new IntegerType(size, sized.group(1).equals("int"));
            }
        }
        if (type.contains("[")) {
            throw badType(where, type, "an array type ends in [] or in [N] with N a whole number from 1");
        }
        if (type.startsWith("bytes")) {
            throw badType(where, type, "fixed-size byte arrays are bytes1 to bytes32; bytes is the dynamic one");
        }
        if (type.startsWith("uint") || type.startsWith("int")) {
            throw badType(where, type, "uintN and intN take N a multiple of 8 from 8 to 256");
        }
        if (type.startsWith("fixed") || type.startsWith("ufixed") || type.equals("function")) {
            throw badType(where, type, "hal9 does not encode fixed-point or function types");
        }
        throw badType(
                where,
                type,
                "the ABI's types are uintN, intN, address, bool, bytesN, bytes, string, tuples "
                        + "and arrays of these");
    }

    private static ToolException badType(String where, String type, String rule) {
        return new ToolException(
                "the ABI gives " + where + " the type '" + type + "', which is not an ABI type: " + rule);
    }

    // ---- encoding

    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");
    private static final Pattern HEX_INTEGER = Pattern.compile("-?0x[0-9a-fA-F]+");
    private static final Pattern HEX_BYTES = Pattern.compile("0x(?:[0-9a-fA-F]{2})*");
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final String INTEGER_FORMS = "give a JSON integer such as 1000, a string of decimal digits such as "
            + "\"1000000000000000000\" (a leading minus for negatives; no exponent, fraction, spaces or separators), "
            + "or 0x and hex digits such as \"0x3e8\"";

    /** Encodes JSON values for one call; {@code what} names the function or constructor in messages. */
    private record Encoder(String what) {

        private String where(Type type, String path) {
            return "argument " + shown(path) + " (" + type.canonical() + ") of " + what;
        }

        /** Heads then tails, as the ABI lays out a tuple or the items of an array. */
        byte[] sequence(List<Type> types, List<?> values, IntFunction<String> pathOf) {
            long headSize = types.stream().mapToLong(Type::headSize).sum();
            ByteArrayOutputStream heads = new ByteArrayOutputStream();
            ByteArrayOutputStream tails = new ByteArrayOutputStream();
            for (int i = 0; i < types.size(); i++) {
                Type type = types.get(i);
                byte[] encoded = value(type, values.get(i), pathOf.apply(i));
                if (type.dynamic()) {
                    heads.writeBytes(word(BigInteger.valueOf(headSize + tails.size())));
                    tails.writeBytes(encoded);
                } else {
                    heads.writeBytes(encoded);
                }
            }
            heads.writeBytes(tails.toByteArray());
            return heads.toByteArray();
        }

        private byte[] value(Type type, Object value, String path) {
            String where = where(type, path);
            return switch (type) {
                case ArrayType array -> array(array, value, path, where);
                case TupleType tuple -> tuple(tuple, value, path, where);
                case AddressType address -> address(value, where);
                case BoolType bool -> {
                    if (!(value instanceof Boolean flag)) {
                        throw ToolException.badArgument(
                                "args", where + ": " + shown(value) + " is not true or false (give a JSON boolean)");
                    }
                    yield word(flag ? BigInteger.ONE : BigInteger.ZERO);
                }
                case IntegerType integer -> integer(integer, value, where);
                case BytesType bytes
                when bytes.text() -> {
                    if (!(value instanceof String text)) {
                        throw ToolException.badArgument(
                                "args", where + ": " + shown(value) + " is not a string (give a JSON string)");
                    }
                    yield contents(utf8(text, where));
                }
                case BytesType bytes -> contents(hexBytes(value, where, "e.g. \"0xdeadbeef\""));
                case FixedBytesType fixed -> {
                    String example = "0x" + "ab".repeat(fixed.size());
                    byte[] raw = hexBytes(value, where, "exactly " + fixed.size() + " bytes, e.g. \"" + example + "\"");
                    if (raw.length != fixed.size()) {
                        throw ToolException.badArgument(
                                "args",
                                where + ": needs exactly " + fixed.size() + " bytes, not " + raw.length + " (0x and "
                                        + 2 * fixed.size() + " hex digits)");
                    }
                    yield Arrays.copyOf(raw, 32);
                }
            };
        }

        private byte[] array(ArrayType array, Object value, String path, String where) {
            if (!(value instanceof List<?> items)) {
                throw ToolException.badArgument("args", where + ": " + shown(value) + " is not a JSON array");
            }
            if (array.length() >= 0 && items.size() != array.length()) {
                throw ToolException.badArgument(
                        "args", where + " needs exactly " + array.length() + " items, not " + items.size());
            }
            byte[] elements =
                    sequence(Collections.nCopies(items.size(), array.element()), items, i -> path + "[" + i + "]");
            if (array.length() >= 0) {
                return elements;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(word(BigInteger.valueOf(items.size())));
            out.writeBytes(elements);
            return out.toByteArray();
        }

        private byte[] tuple(TupleType tuple, Object value, String path, String where) {
            List<Object> fields;
            if (value instanceof List<?> list) {
                if (list.size() != tuple.fields().size()) {
                    throw ToolException.badArgument(
                            "args", where + " has " + tuple.fields().size() + " fields, " + list.size() + " given");
                }
                fields = new ArrayList<>(list);
            } else if (value instanceof Map<?, ?> map) {
                if (tuple.names().stream().anyMatch(String::isEmpty)) {
                    throw ToolException.badArgument(
                            "args",
                            where + ": its fields have no names in the ABI, so give them as a JSON array in order");
                }
                List<String> unknown = map.keySet().stream()
                        .map(String::valueOf)
                        .filter(key -> !tuple.names().contains(key))
                        .sorted()
                        .toList();
                if (!unknown.isEmpty()) {
                    // a misspelt field would otherwise vanish without a trace
                    throw ToolException.badArgument(
                            "args",
                            where + " has no field "
                                    + String.join(
                                            ", ",
                                            unknown.stream()
                                                    .map(k -> "'" + k + "'")
                                                    .toList()) + "; its fields are "
                                    + String.join(", ", tuple.names()));
                }
                fields = new ArrayList<>();
                for (String name : tuple.names()) {
                    if (!map.containsKey(name)) {
                        throw ToolException.badArgument("args", where + " lacks the field '" + name + "'");
                    }
                    fields.add(map.get(name));
                }
            } else {
                throw ToolException.badArgument(
                        "args",
                        where + ": " + shown(value) + " is not a JSON array or object (give the fields "
                                + String.join(", ", tuple.names()) + ")");
            }
            return sequence(tuple.fields(), fields, i -> path + "." + tuple.key(i));
        }

        private static byte[] address(Object value, String where) {
            if (!(value instanceof String text) || !ADDRESS.matcher(text).matches()) {
                throw ToolException.badArgument(
                        "args",
                        where + ": " + shown(value) + " is not an address (0x + 40 hex digits, e.g. "
                                + "\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\")");
            }
            String body = text.substring(2);
            boolean mixed = !body.equals(body.toLowerCase(Locale.ROOT)) && !body.equals(body.toUpperCase(Locale.ROOT));
            if (mixed && !checksum(body).equals(text)) {
                throw ToolException.badArgument(
                        "args",
                        where + ": " + text + " has a wrong EIP-55 checksum (a typo?); " + checksum(body)
                                + " is the checksummed form of those digits, or give them all in lower case");
            }
            return word(new BigInteger(body, 16));
        }

        private static byte[] integer(IntegerType type, Object value, String where) {
            BigInteger number = wholeNumber(value, where);
            if (number.compareTo(type.min()) < 0 || number.compareTo(type.max()) > 0) {
                boolean twosComplement = type.signed() && value instanceof String text && text.startsWith("0x");
                throw ToolException.badArgument(
                        "args",
                        where + ": " + number + " is out of range (" + type.min() + " to " + type.max() + ")"
                                + (twosComplement
                                        ? "; give a negative number with a minus sign (\"-1\"), not as two's "
                                                + "complement hex"
                                        : ""));
            }
            return word(number.signum() < 0 ? number.add(TWO_256) : number);
        }

        private static BigInteger wholeNumber(Object value, String where) {
            if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
                return BigInteger.valueOf(((Number) value).longValue());
            }
            if (value instanceof BigInteger big) {
                return big;
            }
            if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
                // the JSON had a fraction or an exponent: even when the value is whole, digits may be gone already
                throw ToolException.badArgument(
                        "args",
                        where + ": " + value + " is a JSON number with a fraction or exponent, not a JSON integer; "
                                + INTEGER_FORMS);
            }
            if (value instanceof String text) {
                if (DECIMAL.matcher(text).matches()) {
                    return new BigInteger(text);
                }
                if (HEX_INTEGER.matcher(text).matches()) {
                    boolean negative = text.startsWith("-");
                    BigInteger magnitude = new BigInteger(text.substring(negative ? 3 : 2), 16);
                    return negative ? magnitude.negate() : magnitude;
                }
                throw ToolException.badArgument(
                        "args",
                        where + ": " + shown(value) + " is not a whole number" + hint(text) + "; " + INTEGER_FORMS);
            }
            throw ToolException.badArgument(
                    "args", where + ": " + shown(value) + " is not a whole number; " + INTEGER_FORMS);
        }

        /** What a string that is not an integer looks like it meant, when that is easy to tell. */
        private static String hint(String text) {
            // the exponent first: 'e' is a hex digit too, and "1e3" is far more likely meant as 1000 than as hex
            if (text.matches("-?[0-9.]+[eE][-+]?[0-9]+")) {
                return " (write it out in full, without an exponent)";
            }
            if (text.matches("[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*")) {
                return " (hex digits need the 0x prefix)";
            }
            if (text.startsWith("0X")) {
                return " (write the hex prefix as 0x)";
            }
            return "";
        }

        private static byte[] hexBytes(Object value, String where, String example) {
            if (!(value instanceof String text) || !HEX_BYTES.matcher(text).matches()) {
                throw ToolException.badArgument(
                        "args",
                        where + ": " + shown(value) + " is not hex bytes (0x and an even number of hex digits, "
                                + example + ")");
            }
            return HEX.parseHex(text, 2, text.length());
        }

        private static byte[] utf8(String text, String where) {
            try {
                ByteBuffer encoded = StandardCharsets.UTF_8
                        .newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(text));
                return Arrays.copyOf(encoded.array(), encoded.limit());
            } catch (CharacterCodingException e) {
                // an unpaired surrogate has no UTF-8 form; getBytes would quietly turn it into '?'
                throw ToolException.badArgument(
                        "args", where + ": the string has an unpaired UTF-16 surrogate, which UTF-8 cannot encode");
            }
        }
    }

    private static String shown(Object value) {
        String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    private static byte[] word(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int length = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - length, out, 32 - length, length);
        return out;
    }

    private static byte[] contents(byte[] raw) {
        int padded = (raw.length + 31) / 32 * 32;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(word(BigInteger.valueOf(raw.length)));
        out.writeBytes(Arrays.copyOf(raw, padded));
        return out.toByteArray();
    }

    static String checksum(String lowerOrAnyHex) {
        String lower = lowerOrAnyHex.toLowerCase(Locale.ROOT);
        String hash = HEX.formatHex(keccak(lower.getBytes(StandardCharsets.US_ASCII)));
        StringBuilder out = new StringBuilder("0x");
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            out.append(Character.digit(hash.charAt(i), 16) >= 8 ? Character.toUpperCase(c) : c);
        }
        return out.toString();
    }

    // ---- decoding

    /**
     * How many words a decoding may read per word of data. An encoder writes every value once, so a canonical
     * encoding reads each word once; only offsets that point at the same data again can read more, and that is how a
     * few hundred bytes from a hostile contract would decode into millions of values.
     */
    private static final int MAX_INFLATION = 8;

    /** Decodes return data into named values (by parameter name, or "0", "1", ... when unnamed). */
    static Map<String, Object> decode(List<Param> params, String hex) {
        return decode(params, hex, "the return data");
    }

    /**
     * Decodes return data into named values (by parameter name, or "0", "1", ... when unnamed), refusing data that
     * no ABI encoder would write; {@code what} names the data in messages ("balanceOf(address)'s return data").
     */
    static Map<String, Object> decode(List<Param> params, String hex, String what) {
        List<Type> types = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            types.add(type(params.get(i), "output " + shown(topPath(params.get(i), i)) + " of " + what));
        }
        Decoder decoder = new Decoder(data(hex, what), what);
        List<Object> values = decoder.sequence(types, 0, i -> topPath(params.get(i), i));
        Map<String, Object> named = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            named.put(
                    params.get(i).name().isEmpty()
                            ? String.valueOf(i)
                            : params.get(i).name(),
                    values.get(i));
        }
        return named;
    }

    private static byte[] data(String hex, String what) {
        String body = hex == null ? "" : hex.startsWith("0x") ? hex.substring(2) : hex;
        if (body.length() % 2 != 0 || !body.chars().allMatch(HexFormat::isHexDigit)) {
            throw new ToolException(what + " is not hex (0x and an even number of hex digits): " + shown(hex));
        }
        return HEX.parseHex(body);
    }

    /**
     * Reads one encoding, strictly as Solidity's {@code abi.decode} does: every word must be a clean value of its type
     * (no dirty high bits, bools 0 or 1, bytesN zero-padded), every offset and length must stay inside the data, and
     * contents must be padded to whole words as ethers requires. It accepts what Solidity accepts beyond
     * that (offsets in any order, trailing data), except data that decodes into more than {@link #MAX_INFLATION}
     * times its size.
     */
    private static final class Decoder {

        private final byte[] data;
        private final String what;
        private final long budget;
        private long spent;

        Decoder(byte[] data, String what) {
            this.data = data;
            this.what = what;
            this.budget = MAX_INFLATION * (data.length / 32L + 1);
        }

        private ToolException fail(Type type, String path, String problem) {
            return new ToolException(what + " does not match the ABI at output " + shown(path) + " (" + type.canonical()
                    + "): " + problem + " (is it the right contract at that address, and its ABI?)");
        }

        private void spend(long words, Type type, String path) {
            spent += words;
            if (spent > budget) {
                throw fail(
                        type,
                        path,
                        "its offsets overlap so that " + data.length + " bytes would decode into more than "
                                + MAX_INFLATION + " times as many, which no ABI encoder writes");
            }
        }

        private byte[] bytes(long at, int length, Type type, String path) {
            if (at + length > data.length) {
                throw fail(
                        type,
                        path,
                        "the data ends after " + data.length + " bytes, but this value takes bytes " + at + " to "
                                + (at + length));
            }
            spend((length + 31) / 32, type, path);
            return Arrays.copyOfRange(data, (int) at, (int) at + length);
        }

        private BigInteger word(long at, Type type, String path) {
            return new BigInteger(1, bytes(at, 32, type, path));
        }

        /** The values of a tuple or array whose encoding starts at {@code base}; offsets count from there. */
        List<Object> sequence(List<Type> types, long base, IntFunction<String> pathOf) {
            List<Object> values = new ArrayList<>(types.size());
            long head = base;
            for (int i = 0; i < types.size(); i++) {
                Type type = types.get(i);
                String path = pathOf.apply(i);
                if (type.dynamic()) {
                    BigInteger offset = word(head, type, path);
                    // every dynamic value starts with a word (a length, or the first of its heads)
                    if (offset.compareTo(BigInteger.valueOf(data.length - base - 32)) > 0) {
                        throw fail(
                                type,
                                path,
                                "its offset " + number(offset) + " from byte " + base + " points past the end of the "
                                        + "data (" + data.length + " bytes)");
                    }
                    values.add(value(type, base + offset.longValueExact(), path));
                } else {
                    values.add(value(type, head, path));
                }
                head += type.headSize();
            }
            return values;
        }

        private Object value(Type type, long at, String path) {
            return switch (type) {
                case IntegerType integer -> integer(integer, word(at, type, path), path);
                case AddressType address -> {
                    BigInteger word = word(at, type, path);
                    if (word.bitLength() > 160) {
                        throw fail(
                                type,
                                path,
                                "the word 0x" + hex(word) + " has nonzero bytes in its 12 high bytes; an address "
                                        + "is 20 bytes, left-padded with zeros");
                    }
                    yield checksum(String.format("%040x", word));
                }
                case BoolType bool -> {
                    BigInteger word = word(at, type, path);
                    if (word.compareTo(BigInteger.ONE) > 0) {
                        throw fail(type, path, "the word is " + number(word) + "; a bool is 0 or 1");
                    }
                    yield word.signum() == 1;
                }
                case FixedBytesType fixed -> {
                    byte[] raw = bytes(at, 32, type, path);
                    for (int i = fixed.size(); i < 32; i++) {
                        if (raw[i] != 0) {
                            throw fail(
                                    type,
                                    path,
                                    "the word 0x" + HEX.formatHex(raw) + " has nonzero bytes in the "
                                            + (32 - fixed.size())
                                            + " bytes after its " + fixed.size() + "; a " + fixed.canonical()
                                            + " is left-aligned and zero-padded");
                        }
                    }
                    yield "0x" + HEX.formatHex(raw, 0, fixed.size());
                }
                case BytesType bytes -> contents(bytes, at, path);
                case ArrayType array -> array(array, at, path);
                case TupleType tuple -> {
                    if (tuple.fields().isEmpty()) {
                        // an empty tuple reads nothing, so it is charged one word against inflation
                        spend(1, type, path);
                    }
                    List<Object> fields = sequence(tuple.fields(), at, i -> path + "." + tuple.key(i));
                    Map<String, Object> named = new LinkedHashMap<>();
                    for (int i = 0; i < fields.size(); i++) {
                        named.put(tuple.key(i), fields.get(i));
                    }
                    yield named;
                }
            };
        }

        private String integer(IntegerType type, BigInteger word, String path) {
            if (!type.signed()) {
                if (word.bitLength() > type.bits()) {
                    throw fail(
                            type,
                            path,
                            "the word is " + number(word) + ", outside " + type.canonical() + "'s range 0 to "
                                    + type.max() + " (its high bytes must be zero)");
                }
                return word.toString();
            }
            BigInteger value = word.testBit(255) ? word.subtract(TWO_256) : word;
            if (value.compareTo(type.min()) < 0 || value.compareTo(type.max()) > 0) {
                throw fail(
                        type,
                        path,
                        "the word 0x" + hex(word) + " is not the sign extension of an " + type.canonical() + " ("
                                + type.min() + " to " + type.max() + "; the bytes above its low " + type.bits() / 8
                                + (type.bits() == 8 ? " byte" : " bytes")
                                + " are all 00 for a positive value and all ff for a negative one)");
            }
            return value.toString();
        }

        private Object contents(BytesType type, long at, String path) {
            BigInteger length = word(at, type, path);
            long available = data.length - (at + 32);
            // the contents are padded to whole words, and ethers refuses data that stops short of that
            if (length.compareTo(BigInteger.valueOf(available)) > 0
                    || (length.longValueExact() + 31) / 32 * 32 > available) {
                throw fail(
                        type,
                        path,
                        "its length " + number(length) + " runs past the end of the data: " + available + " bytes "
                                + "follow the length word, and the contents take their length padded to a whole "
                                + "number of 32-byte words");
            }
            int size = length.intValueExact();
            byte[] raw = bytes(at + 32, size, type, path);
            if (!type.text()) {
                return "0x" + HEX.formatHex(raw);
            }
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(raw))
                        .toString();
            } catch (CharacterCodingException e) {
                // new String(raw, UTF_8) would quietly put U+FFFD in place of the bad bytes, changing the string
                throw fail(
                        type,
                        path,
                        "its contents 0x" + (raw.length > 40 ? HEX.formatHex(raw, 0, 40) + "..." : HEX.formatHex(raw))
                                + " are not valid UTF-8; the ABI encodes a string as UTF-8");
            }
        }

        private List<Object> array(ArrayType type, long at, String path) {
            IntFunction<String> pathOf = i -> path + "[" + i + "]";
            if (type.length() >= 0) {
                return sequence(Collections.nCopies(type.length(), type.element()), at, pathOf);
            }
            BigInteger length = word(at, type, path);
            long available = data.length - (at + 32);
            long headSize = type.element().headSize();
            // each item's head (its value, or its offset) must fit in the data after the length word
            if (length.compareTo(BigInteger.valueOf(available)) > 0 || length.longValueExact() * headSize > available) {
                throw fail(
                        type,
                        path,
                        "its length " + number(length) + " needs " + headSize + " bytes per item after the length "
                                + "word, but only " + available + " bytes follow it");
            }
            return sequence(Collections.nCopies(length.intValueExact(), type.element()), at + 32, pathOf);
        }

        /** A word in a message: in decimal while it is short enough to read, else in hex. */
        private static String number(BigInteger word) {
            return word.bitLength() <= 64 ? word.toString() : "0x" + hex(word);
        }

        private static String hex(BigInteger word) {
            return String.format("%064x", word);
        }
    }

    /** Revert data in words: Error(string), Panic(uint256) or one of the ABI's custom errors. */
    static String revertReason(List<Map<String, Object>> abi, String data) {
        if (data == null || data.length() < 10) {
            return "no reason given";
        }
        String selector = data.substring(0, 10).toLowerCase(Locale.ROOT);
        String rest = "0x" + data.substring(10);
        String known = null;
        try {
            if (selector.equals("0x08c379a0")) {
                known = "Error(string)";
                return String.valueOf(decode(List.of(new Param("", "string", List.of())), rest, known)
                        .get("0"));
            }
            if (selector.equals("0x4e487b71")) {
                known = "Panic(uint256)";
                String code = String.valueOf(decode(List.of(new Param("", "uint256", List.of())), rest, known)
                        .get("0"));
                return "panic " + code + " ("
                        + switch (code) {
                            case "1" -> "assertion failed";
                            case "17" -> "arithmetic overflow or underflow";
                            case "18" -> "division by zero";
                            case "50" -> "array index out of bounds";
                            default -> "see the Solidity docs on Panic codes";
                        }
                        + ")";
            }
            for (Map<String, Object> entry : abi) {
                if ("error".equals(entry.get("type"))
                        && selector(signature(entry)).equals(selector)) {
                    known = signature(entry);
                    Map<String, Object> values = decode(params(entry, "inputs"), rest, known);
                    List<String> shown = new ArrayList<>();
                    values.forEach((k, v) -> shown.add(k + "=" + v));
                    return entry.get("name") + "(" + String.join(", ", shown) + ")";
                }
            }
        } catch (RuntimeException e) {
            if (known != null) {
                // the selector is known but its arguments are malformed: say so, rather than call it unknown
                return known + " with arguments that do not decode (" + shown(rest) + ")";
            }
        }
        return "custom error " + selector + " (not in this contract's ABI)";
    }
}
