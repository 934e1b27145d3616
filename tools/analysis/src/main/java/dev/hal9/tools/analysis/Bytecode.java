package dev.hal9.tools.analysis;

import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a contract's runtime code says without running it: the 4-byte selectors its dispatcher compares the call's
 * selector with (values of at most four bytes pushed and then compared with {@code EQ} or {@code XOR}, read
 * instruction by instruction so that push data is never taken for an opcode), the offsets of {@code SELFDESTRUCT}, {@code DELEGATECALL} and {@code CALL}, an EIP-1167 minimal
 * proxy's target, and the code with Solidity's CBOR metadata removed. Immutable.
 */
final class Bytecode {

    private static final int PUSH1 = 0x60;
    private static final int PUSH4 = 0x63;
    private static final int EQ = 0x14;
    private static final int XOR = 0x18;
    private static final int INVALID = 0xfe;
    private static final int DUP1 = 0x80;
    private static final int DUP16 = 0x8f;
    private static final int PUSH32 = 0x7f;
    private static final int CALL = 0xf1;
    private static final int DELEGATECALL = 0xf4;
    private static final int SELFDESTRUCT = 0xff;

    /** EIP-1167: {@code 363d3d373d3d3d363d73 <20-byte target> 5af43d82803e903d91602b57fd5bf3}. */
    private static final String EIP1167_HEAD = "363d3d373d3d3d363d73";

    private static final String EIP1167_TAIL = "5af43d82803e903d91602b57fd5bf3";

    private final byte[] code;
    private final Set<String> selectors = new LinkedHashSet<>();
    private int selfdestruct = -1;
    private int delegatecall = -1;
    private int call = -1;

    Bytecode(String hex) {
        this.code = HexFormat.of().parseHex(hex.startsWith("0x") ? hex.substring(2) : hex);
        int end = embeddedCodeStart(code.length - metadataLength());
        for (int pc = 0; pc < end; pc++) {
            int op = code[pc] & 0xff;
            if (op >= PUSH1 && op <= PUSH32) {
                int size = op - PUSH1 + 1;
                // a PUSH1 compared with EQ is a small constant (0, 1, 0x40), not a selector
                if (op > PUSH1 && op <= PUSH4 && pc + size + 1 < end && comparedAt(pc + size + 1)) {
                    // a selector with leading zero bytes is pushed shorter: 0x00fdd58e is PUSH3 0xfdd58e
                    String value = HexFormat.of().formatHex(code, pc + 1, pc + 1 + size);
                    selectors.add("0x" + "0".repeat(8 - value.length()) + value);
                }
                pc += size;
            } else if (op == SELFDESTRUCT && selfdestruct < 0) {
                selfdestruct = pc;
            } else if (op == DELEGATECALL && delegatecall < 0) {
                delegatecall = pc;
            } else if (op == CALL && call < 0) {
                call = pc;
            }
        }
    }

    /**
     * Where the code of another contract begins inside this one, or {@code end}: solc appends the creation code of
     * the contracts a contract creates ({@code new Pair()}) after an INVALID, and that code begins as all its code
     * does, {@code PUSH1 0x80 PUSH1 0x40 MSTORE}. Its selectors and opcodes are the other contract's, not this one's.
     */
    private int embeddedCodeStart(int end) {
        for (int pc = 1; pc + 5 < end; pc++) {
            int op = code[pc] & 0xff;
            if (op >= PUSH1 && op <= PUSH32) {
                pc += op - PUSH1 + 1;
            } else if (op == INVALID
                    && (code[pc + 1] & 0xff) == 0x60
                    && (code[pc + 2] & 0xff) == 0x80
                    && (code[pc + 3] & 0xff) == 0x60
                    && (code[pc + 4] & 0xff) == 0x40
                    && (code[pc + 5] & 0xff) == 0x52) {
                return pc;
            }
        }
        return end;
    }

    /**
     * Whether the value pushed just before {@code at} is compared with the call's selector there: {@code EQ} right
     * after it (solc's {@code DUP1 PUSH4 sel EQ PUSH2 dest JUMPI}), or after one {@code DUPn} ({@code PUSH4 sel DUP2
     * EQ}, via-IR), or {@code XOR} in either place (Vyper's {@code PUSH4 sel DUP2 XOR ... JUMPI}).
     */
    private boolean comparedAt(int at) {
        int next = code[at] & 0xff;
        if (next == EQ || next == XOR) {
            return true;
        }
        if (next >= DUP1 && next <= DUP16 && at + 1 < code.length) {
            int after = code[at + 1] & 0xff;
            return after == EQ || after == XOR;
        }
        return false;
    }

    boolean isEmpty() {
        return code.length == 0;
    }

    int size() {
        return code.length;
    }

    /** The selectors the dispatcher compares with (and the rare other constant compared the same way). */
    Set<String> selectors() {
        return selectors;
    }

    boolean has(String selector) {
        return selectors.contains(selector);
    }

    /** The first SELFDESTRUCT's offset, or -1. */
    int selfdestruct() {
        return selfdestruct;
    }

    /** The first DELEGATECALL's offset, or -1. */
    int delegatecall() {
        return delegatecall;
    }

    /** The first CALL's offset, or -1. */
    int call() {
        return call;
    }

    /** The target of an EIP-1167 minimal proxy (0x + 40 hex, lower case), when this is one. */
    Optional<String> minimalProxyTarget() {
        String hex = HexFormat.of().formatHex(code);
        if (hex.length() == (10 + 20 + 15) * 2 && hex.startsWith(EIP1167_HEAD) && hex.endsWith(EIP1167_TAIL)) {
            return Optional.of("0x" + hex.substring(EIP1167_HEAD.length(), EIP1167_HEAD.length() + 40));
        }
        return Optional.empty();
    }

    /**
     * Whether this is a Safe (Gnosis Safe) proxy: it answers masterCopy() itself, comparing the whole calldata word
     * with {@code PUSH32 0xa619486e00…}, and delegates everything else to the singleton in slot 0.
     */
    boolean isSafeProxy() {
        return code.length < 1_000 && HexFormat.of().formatHex(code).contains("7fa619486e" + "0".repeat(56));
    }

    /**
     * The code without Solidity's trailing CBOR metadata (its length is the code's last two bytes), so that two
     * compiles of the same source with different metadata hashes compare equal.
     */
    String withoutMetadata() {
        return "0x" + HexFormat.of().formatHex(code, 0, code.length - metadataLength());
    }

    private int metadataLength() {
        if (code.length < 2) {
            return 0;
        }
        int length = ((code[code.length - 2] & 0xff) << 8) | (code[code.length - 1] & 0xff);
        int start = code.length - 2 - length;
        // CBOR metadata is a map (0xa1..0xa5) holding "ipfs" or "bzzr0"/"bzzr1" and "solc"
        if (length < 10 || start < 0 || (code[start] & 0xf0) != 0xa0) {
            return 0;
        }
        return length + 2;
    }
}
