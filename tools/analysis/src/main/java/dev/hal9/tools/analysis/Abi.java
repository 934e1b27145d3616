package dev.hal9.tools.analysis;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/** The few ABI words the analysis writes and reads: addresses, integers, strings and bytes32 names. Stateless. */
final class Abi {

    static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
    static final String DEAD_ADDRESS = "0x000000000000000000000000000000000000dead";

    private Abi() {}

    static String word(String address) {
        return "0".repeat(24) + address.substring(2).toLowerCase();
    }

    static String word(BigInteger value) {
        String hex = value.toString(16);
        return "0".repeat(64 - hex.length()) + hex;
    }

    static String call(String selector, String... words) {
        return selector + String.join("", words);
    }

    /** The word at {@code index} of ABI data (0x...). */
    static String wordAt(String data, int index) {
        int start = 2 + index * 64;
        return data.length() >= start + 64 ? data.substring(start, start + 64) : null;
    }

    static Optional<BigInteger> uint(String data, int index) {
        String word = wordAt(data, index);
        return word == null ? Optional.empty() : Optional.of(new BigInteger(word, 16));
    }

    /** The address in a word, when the word looks like one (its first 12 bytes zero). */
    static Optional<String> address(String data, int index) {
        String word = wordAt(data, index);
        return word == null || !word.startsWith("0".repeat(24))
                ? Optional.empty()
                : Optional.of("0x" + word.substring(24));
    }

    /** An address held in a 32-byte storage slot, when the slot holds exactly one non-zero address. */
    static Optional<String> slotAddress(String slot) {
        String hex = slot.length() == 66 ? slot.substring(2) : null;
        if (hex == null || !hex.startsWith("0".repeat(24)) || hex.substring(24).matches("0+")) {
            return Optional.empty();
        }
        return Optional.of("0x" + hex.substring(24));
    }

    static boolean isZeroOrDead(String address) {
        return address == null || ZERO_ADDRESS.equalsIgnoreCase(address) || DEAD_ADDRESS.equalsIgnoreCase(address);
    }

    /** A string return value: ABI string, or the bytes32 some old tokens (MKR) return. */
    static Optional<String> text(String data) {
        if (data == null || data.length() < 66) {
            return Optional.empty();
        }
        try {
            if (data.length() == 66) {
                return Optional.of(new String(HexFormat.of().parseHex(data.substring(2)), StandardCharsets.UTF_8)
                        .replace("\0", "")
                        .strip());
            }
            int offset = new BigInteger(wordAt(data, 0), 16).intValueExact();
            int at = 2 + offset * 2;
            int length = new BigInteger(data.substring(at, at + 64), 16).intValueExact();
            String body = data.substring(at + 64, at + 64 + length * 2);
            return Optional.of(new String(HexFormat.of().parseHex(body), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The bytes of a dynamic field whose offset sits in word {@code index} of the tuple starting at {@code base}. */
    static String bytesAt(String data, int base, int index) {
        int offset = new BigInteger(wordAt(data, base + index), 16).intValueExact() / 32;
        int length = new BigInteger(wordAt(data, base + offset), 16).intValueExact();
        int start = 2 + (base + offset + 1) * 64;
        return "0x" + data.substring(start, start + length * 2);
    }
}
