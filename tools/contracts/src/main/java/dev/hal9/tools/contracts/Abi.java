package dev.hal9.tools.contracts;

import dev.hal9.api.ToolException;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * The Solidity contract ABI: encodes calls and constructor arguments from JSON values, decodes results and revert
 * data back to JSON values. Covers every ABI type (uintN, intN, address, bool, bytesN, bytes, string, fixed and
 * dynamic arrays, tuples). Numbers come back as decimal strings, so no client loses precision on a uint256.
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
        return "0x" + HEX.formatHex(sequence(params, values, what));
    }

    private static byte[] sequence(List<Param> params, List<?> values, String what) {
        List<byte[]> heads = new ArrayList<>();
        List<byte[]> tails = new ArrayList<>();
        int headSize = 0;
        for (int i = 0; i < params.size(); i++) {
            Param param = params.get(i);
            byte[] encoded = value(param, values.get(i), what, label(param, i));
            if (dynamic(param)) {
                heads.add(null);
                tails.add(encoded);
                headSize += 32;
            } else {
                heads.add(encoded);
                tails.add(null);
                headSize += encoded.length;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int offset = headSize;
        for (int i = 0; i < params.size(); i++) {
            if (heads.get(i) == null) {
                out.writeBytes(word(BigInteger.valueOf(offset)));
                offset += tails.get(i).length;
            } else {
                out.writeBytes(heads.get(i));
            }
        }
        tails.stream().filter(t -> t != null).forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static String label(Param param, int index) {
        return param.name().isEmpty() ? "#" + (index + 1) : "'" + param.name() + "'";
    }

    static boolean dynamic(Param param) {
        String type = param.type();
        if (type.endsWith("[]")) {
            return true;
        }
        if (type.endsWith("]")) {
            return dynamic(param.element());
        }
        if (type.equals("tuple")) {
            return param.components().stream().anyMatch(Abi::dynamic);
        }
        return type.equals("string") || type.equals("bytes");
    }

    @SuppressWarnings("unchecked")
    private static byte[] value(Param param, Object value, String what, String label) {
        String type = param.type();
        String where = "argument " + label + " (" + param.canonical() + ") of " + what;
        if (type.endsWith("]")) {
            if (!(value instanceof List<?> items)) {
                throw ToolException.badArgument("args", where + " must be a JSON array");
            }
            String size = type.substring(type.lastIndexOf('[') + 1, type.length() - 1);
            Param element = param.element();
            List<Param> repeated = Collections.nCopies(items.size(), element);
            if (size.isEmpty()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(word(BigInteger.valueOf(items.size())));
                out.writeBytes(sequence(repeated, items, what));
                return out.toByteArray();
            }
            if (items.size() != Integer.parseInt(size)) {
                throw ToolException.badArgument(
                        "args", where + " needs exactly " + size + " items, not " + items.size());
            }
            return sequence(repeated, items, what);
        }
        if (type.equals("tuple")) {
            List<Object> fields;
            if (value instanceof List<?> list) {
                fields = new ArrayList<>(list);
            } else if (value instanceof Map<?, ?> map) {
                fields = new ArrayList<>();
                for (Param component : param.components()) {
                    if (!map.containsKey(component.name())) {
                        throw ToolException.badArgument("args", where + " lacks the field '" + component.name() + "'");
                    }
                    fields.add(map.get(component.name()));
                }
            } else {
                throw ToolException.badArgument("args", where + " must be a JSON array or object");
            }
            if (fields.size() != param.components().size()) {
                throw ToolException.badArgument(
                        "args", where + " has " + param.components().size() + " fields, " + fields.size() + " given");
            }
            return sequence(param.components(), fields, what);
        }
        if (type.equals("address")) {
            if (!(value instanceof String text) || !text.matches("0x[0-9a-fA-F]{40}")) {
                throw ToolException.badArgument(
                        "args", where + ": " + shown(value) + " is not an address (0x + 40 hex)");
            }
            String body = text.substring(2);
            boolean mixed = !body.equals(body.toLowerCase(Locale.ROOT)) && !body.equals(body.toUpperCase(Locale.ROOT));
            if (mixed && !checksum(body).equals(text)) {
                throw ToolException.badArgument("args", where + ": " + text + " has a wrong EIP-55 checksum (a typo?)");
            }
            return word(new BigInteger(body, 16));
        }
        if (type.equals("bool")) {
            if (value instanceof Boolean b) {
                return word(b ? BigInteger.ONE : BigInteger.ZERO);
            }
            throw ToolException.badArgument("args", where + ": " + shown(value) + " is not true or false");
        }
        if (type.startsWith("uint") || type.startsWith("int")) {
            boolean signed = type.startsWith("int");
            int bits =
                    Integer.parseInt(type.substring(signed ? 3 : 4).isEmpty() ? "256" : type.substring(signed ? 3 : 4));
            BigInteger number = integer(value, where);
            BigInteger min = signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
            BigInteger max = signed
                    ? BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)
                    : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            if (number.compareTo(min) < 0 || number.compareTo(max) > 0) {
                throw ToolException.badArgument(
                        "args", where + ": " + number + " is out of range (" + min + " to " + max + ")");
            }
            return word(number.signum() < 0 ? number.add(TWO_256) : number);
        }
        if (type.equals("string")) {
            if (!(value instanceof String text)) {
                throw ToolException.badArgument("args", where + ": " + shown(value) + " is not a string");
            }
            return bytes(text.getBytes(StandardCharsets.UTF_8));
        }
        if (type.startsWith("bytes")) {
            if (!(value instanceof String text) || !text.matches("0x([0-9a-fA-F]{2})*")) {
                throw ToolException.badArgument("args", where + ": " + shown(value) + " is not hex bytes (0x...)");
            }
            byte[] raw = HEX.parseHex(text.substring(2));
            if (type.equals("bytes")) {
                return bytes(raw);
            }
            int size = Integer.parseInt(type.substring(5));
            if (raw.length != size) {
                throw ToolException.badArgument(
                        "args", where + ": needs exactly " + size + " bytes, not " + raw.length);
            }
            return Arrays.copyOf(raw, 32);
        }
        throw ToolException.badArgument("args", where + ": the type " + type + " is not supported");
    }

    private static BigInteger integer(Object value, String where) {
        try {
            if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                return BigInteger.valueOf(((Number) value).longValue());
            }
            if (value instanceof BigInteger b) {
                return b;
            }
            if (value instanceof Number n) {
                return new BigDecimal(n.toString()).toBigIntegerExact();
            }
            if (value instanceof String text) {
                String t = text.strip();
                return t.startsWith("0x") ? new BigInteger(t.substring(2), 16) : new BigDecimal(t).toBigIntegerExact();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // falls through
        }
        throw ToolException.badArgument(
                "args",
                where + ": " + shown(value) + " is not a whole number (give a JSON integer or a decimal string "
                        + "in the smallest unit, e.g. \"1000000000000000000\")");
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

    private static byte[] bytes(byte[] raw) {
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

    /** Decodes return data into named values (by parameter name, or "0", "1", ... when unnamed). */
    static Map<String, Object> decode(List<Param> params, String hex) {
        byte[] data = HEX.parseHex(hex.startsWith("0x") ? hex.substring(2) : hex);
        List<Object> values = decodeSequence(params, data, 0);
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

    private static List<Object> decodeSequence(List<Param> params, byte[] data, int base) {
        List<Object> values = new ArrayList<>();
        int position = base;
        for (Param param : params) {
            if (dynamic(param)) {
                int offset = uint(data, position).intValueExact();
                values.add(decodeValue(param, data, base + offset));
                position += 32;
            } else {
                values.add(decodeValue(param, data, position));
                position += staticSize(param);
            }
        }
        return values;
    }

    private static int staticSize(Param param) {
        String type = param.type();
        if (type.endsWith("]")) {
            String size = type.substring(type.lastIndexOf('[') + 1, type.length() - 1);
            return Integer.parseInt(size) * staticSize(param.element());
        }
        if (type.equals("tuple")) {
            return param.components().stream().mapToInt(Abi::staticSize).sum();
        }
        return 32;
    }

    private static Object decodeValue(Param param, byte[] data, int at) {
        String type = param.type();
        if (type.endsWith("]")) {
            String size = type.substring(type.lastIndexOf('[') + 1, type.length() - 1);
            if (size.isEmpty()) {
                int length = uint(data, at).intValueExact();
                return decodeSequence(Collections.nCopies(length, param.element()), data, at + 32);
            }
            return decodeSequence(Collections.nCopies(Integer.parseInt(size), param.element()), data, at);
        }
        if (type.equals("tuple")) {
            List<Object> fields = decodeSequence(param.components(), data, at);
            Map<String, Object> named = new LinkedHashMap<>();
            for (int i = 0; i < fields.size(); i++) {
                String name = param.components().get(i).name();
                named.put(name.isEmpty() ? String.valueOf(i) : name, fields.get(i));
            }
            return named;
        }
        if (type.equals("string") || type.equals("bytes")) {
            int length = uint(data, at).intValueExact();
            byte[] raw = Arrays.copyOfRange(data, at + 32, at + 32 + length);
            return type.equals("string") ? new String(raw, StandardCharsets.UTF_8) : "0x" + HEX.formatHex(raw);
        }
        if (at + 32 > data.length) {
            throw new ToolException("the contract returned " + data.length + " bytes, too few for its ABI (is it the "
                    + "right contract at that address?)");
        }
        BigInteger word = uint(data, at);
        if (type.equals("address")) {
            return checksum(String.format("%040x", word));
        }
        if (type.equals("bool")) {
            return word.signum() != 0;
        }
        if (type.startsWith("int")) {
            return (word.testBit(255) ? word.subtract(TWO_256) : word).toString();
        }
        if (type.startsWith("uint")) {
            return word.toString();
        }
        if (type.startsWith("bytes")) {
            int size = Integer.parseInt(type.substring(5));
            return "0x" + HEX.formatHex(Arrays.copyOfRange(data, at, at + size));
        }
        return "0x" + HEX.formatHex(Arrays.copyOfRange(data, at, at + 32));
    }

    private static BigInteger uint(byte[] data, int at) {
        if (at < 0 || at + 32 > data.length) {
            throw new ToolException("the contract returned " + data.length + " bytes, too few for its ABI (is it the "
                    + "right contract at that address?)");
        }
        return new BigInteger(1, Arrays.copyOfRange(data, at, at + 32));
    }

    /** Revert data in words: Error(string), Panic(uint256) or one of the ABI's custom errors. */
    static String revertReason(List<Map<String, Object>> abi, String data) {
        if (data == null || data.length() < 10) {
            return "no reason given";
        }
        String selector = data.substring(0, 10).toLowerCase(Locale.ROOT);
        String rest = "0x" + data.substring(10);
        try {
            if (selector.equals("0x08c379a0")) {
                return String.valueOf(decode(List.of(new Param("", "string", List.of())), rest)
                        .get("0"));
            }
            if (selector.equals("0x4e487b71")) {
                String code = String.valueOf(decode(List.of(new Param("", "uint256", List.of())), rest)
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
                    Map<String, Object> values = decode(params(entry, "inputs"), rest);
                    List<String> shown = new ArrayList<>();
                    values.forEach((k, v) -> shown.add(k + "=" + v));
                    return entry.get("name") + "(" + String.join(", ", shown) + ")";
                }
            }
        } catch (RuntimeException e) {
            // undecodable: shown raw below
        }
        return "custom error " + selector + " (not in this contract's ABI)";
    }
}
