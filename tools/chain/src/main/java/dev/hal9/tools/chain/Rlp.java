package dev.hal9.tools.chain;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.List;

/** Recursive Length Prefix encoding (Ethereum yellow paper, appendix B) of byte strings and lists. Stateless. */
final class Rlp {

    private Rlp() {}

    /** Encodes a byte[] (a string), a BigInteger/Long (a big-endian minimal quantity) or a List of those. */
    static byte[] encode(Object item) {
        if (item instanceof byte[] bytes) {
            if (bytes.length == 1 && (bytes[0] & 0xff) < 0x80) {
                return bytes;
            }
            return concat(prefix(0x80, bytes.length), bytes);
        }
        if (item instanceof BigInteger number) {
            return encode(quantity(number));
        }
        if (item instanceof Long number) {
            return encode(quantity(BigInteger.valueOf(number)));
        }
        if (item instanceof List<?> list) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (Object element : list) {
                body.writeBytes(encode(element));
            }
            return concat(prefix(0xc0, body.size()), body.toByteArray());
        }
        throw new IllegalArgumentException("RLP encodes byte[], BigInteger, Long and List, not " + item);
    }

    /** A non-negative integer as the shortest big-endian bytes; zero is the empty string. */
    static byte[] quantity(BigInteger number) {
        if (number.signum() < 0) {
            throw new IllegalArgumentException("RLP quantities are not negative: " + number);
        }
        if (number.signum() == 0) {
            return new byte[0];
        }
        byte[] bytes = number.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private static byte[] prefix(int offset, int length) {
        if (length < 56) {
            return new byte[] {(byte) (offset + length)};
        }
        byte[] size = quantity(BigInteger.valueOf(length));
        return concat(new byte[] {(byte) (offset + 55 + size.length)}, size);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
