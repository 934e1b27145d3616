package dev.hal9.tools.chain;

import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

/** The few ERC-20 calls the wallet needs, ABI-encoded by hand (four selectors do not justify an ABI library). */
final class Erc20 {

    static final String BALANCE_OF = "0x70a08231";
    static final String DECIMALS = "0x313ce567";
    static final String SYMBOL = "0x95d89b41";
    static final String TRANSFER = "0xa9059cbb";

    /** A token as read from its contract. */
    record Token(String address, String symbol, int decimals) {}

    private Erc20() {}

    static String balanceOfData(String owner) {
        return BALANCE_OF + word(owner);
    }

    static String transferData(String to, BigInteger amount) {
        return TRANSFER + word(to) + word(amount);
    }

    /** Reads a token's symbol and decimals; a clear error if the address is not an ERC-20 contract. */
    static Token read(EvmRpc rpc, String network, String address) {
        String decimals;
        String symbol;
        try {
            decimals = rpc.ethCall(Map.of("to", address, "data", DECIMALS));
            symbol = rpc.ethCall(Map.of("to", address, "data", SYMBOL));
        } catch (EvmRpc.Refused e) {
            throw ToolException.badArgument(
                    "token", address + " is not an ERC-20 token on " + network + " (" + e.reason + ")");
        }
        if (decimals.length() < 66) {
            throw ToolException.badArgument(
                    "token", address + " is not an ERC-20 token on " + network + " (it has no decimals())");
        }
        int places = EvmRpc.quantity(decimals.substring(0, 66)).intValueExact();
        return new Token(address, decodeString(symbol), places);
    }

    static BigInteger balance(EvmRpc rpc, String token, String owner) {
        String answer = rpc.ethCall(Map.of("to", token, "data", balanceOfData(owner)));
        return answer.length() < 66 ? BigInteger.ZERO : EvmRpc.quantity(answer.substring(0, 66));
    }

    /** An ABI string (offset, length, bytes), or a bytes32 symbol as some old tokens return. */
    static String decodeString(String hex) {
        byte[] data = HexFormat.of().parseHex(hex.startsWith("0x") ? hex.substring(2) : hex);
        if (data.length >= 64) {
            int offset = new BigInteger(1, java.util.Arrays.copyOfRange(data, 0, 32)).intValue();
            if (offset + 32 <= data.length) {
                int length = new BigInteger(1, java.util.Arrays.copyOfRange(data, offset, offset + 32)).intValue();
                if (offset + 32 + length <= data.length) {
                    return new String(data, offset + 32, length, StandardCharsets.UTF_8);
                }
            }
        }
        int end = 0;
        while (end < Math.min(32, data.length) && data[end] != 0) {
            end++;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    private static String word(String address) {
        return "0".repeat(24) + address.substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    private static String word(BigInteger value) {
        String hex = value.toString(16);
        return "0".repeat(64 - hex.length()) + hex;
    }
}
