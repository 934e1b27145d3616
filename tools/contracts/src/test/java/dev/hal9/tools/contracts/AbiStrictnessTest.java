package dev.hal9.tools.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.ToolException;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * Pins issue 12, defect 10: the ABI codec accepted data and arguments that the Solidity ABI forbids. Each test below
 * failed on the lenient codec (by accepting the input, or by failing with an exception that was not a
 * {@link ToolException} naming the parameter). The decoder must reject what Solidity's {@code abi.decode} or ethers v6
 * rejects, and the encoder must refuse anything that is not unambiguously a value of the parameter's type,
 * always with a message that names the parameter, says what was wrong, and shows the accepted form, because a model
 * reads it and tries again.
 */
class AbiStrictnessTest {

    private static Abi.Param p(String type) {
        return new Abi.Param("", type, List.of());
    }

    private static Abi.Param p(String name, String type) {
        return new Abi.Param(name, type, List.of());
    }

    private static String word(long value) {
        return String.format("%064x", value);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> decoding(List<Abi.Param> params, String hex) {
        return assertThatThrownBy(() -> Abi.decode(params, hex)).isInstanceOf(ToolException.class);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> encoding(Abi.Param param, Object value) {
        return assertThatThrownBy(() -> Abi.encode(List.of(param), java.util.Collections.singletonList(value), "f"))
                .isInstanceOf(ToolException.class);
    }

    // ---- decoding: words that are not a clean value of their type

    /** A uint8 word of 256 used to decode as "256", a value no uint8 can hold. */
    @Test
    void aUintWordWithDirtyHighBitsIsRejected() {
        decoding(List.of(p("uint8")), "0x" + word(256))
                .hasMessageContaining("output #1 (uint8)")
                .hasMessageContaining("256")
                .hasMessageContaining("0 to 255");
        decoding(List.of(p("supply", "uint128")), "0x" + "0".repeat(31) + "1" + "0".repeat(32))
                .hasMessageContaining("output 'supply' (uint128)");
        assertThat(Abi.decode(List.of(p("uint8")), "0x" + word(255)).get("0")).isEqualTo("255");
    }

    /** An int8 word must be the sign extension of one byte; 0x…0080 used to decode as 128. */
    @Test
    void anIntWordThatIsNotASignExtensionIsRejected() {
        decoding(List.of(p("int8")), "0x" + word(0x80))
                .hasMessageContaining("output #1 (int8)")
                .hasMessageContaining("-128 to 127");
        decoding(List.of(p("int8")), "0x" + "f".repeat(62) + "7f").hasMessageContaining("sign");
        assertThat(Abi.decode(List.of(p("int8")), "0x" + "f".repeat(62) + "80").get("0"))
                .isEqualTo("-128");
        assertThat(Abi.decode(List.of(p("int8")), "0x" + word(0x7f)).get("0")).isEqualTo("127");
    }

    /** An address word with nonzero high bytes used to decode as a 42-digit "address". */
    @Test
    void anAddressWithDirtyHighBytesIsRejected() {
        String dirty = "00000000000000000000000170997970c51812dc3a010c7d01b50e0d17dc79c8";
        decoding(List.of(p("owner", "address")), "0x" + dirty)
                .hasMessageContaining("output 'owner' (address)")
                .hasMessageContaining("12 high bytes");
        assertThat(Abi.decode(List.of(p("address")), "0x" + "0".repeat(24) + "70997970c51812dc3a010c7d01b50e0d17dc79c8")
                        .get("0"))
                .isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    }

    /** A bool word of 2 used to decode as true. */
    @Test
    void aBoolOtherThanZeroOrOneIsRejected() {
        decoding(List.of(p("bool")), "0x" + word(2))
                .hasMessageContaining("output #1 (bool)")
                .hasMessageContaining("0 or 1");
    }

    /** A bytes4 word with bytes after the fourth used to decode as if they were not there. */
    @Test
    void fixedBytesWithDirtyPaddingAreRejected() {
        decoding(List.of(p("bytes4")), "0x" + "deadbeef" + "0".repeat(55) + "1")
                .hasMessageContaining("output #1 (bytes4)")
                .hasMessageContaining("28 bytes after");
    }

    // ---- decoding: offsets and lengths

    /** A string whose length runs past the data used to decode, padded with invented zero bytes. */
    @Test
    void aStringLongerThanTheDataIsRejected() {
        decoding(List.of(p("name", "string")), "0x" + word(0x20) + word(100) + "41".repeat(32))
                .hasMessageContaining("output 'name' (string)")
                .hasMessageContaining("length 100");
        // the length fits but the padding to a whole word is missing, which ethers also refuses
        decoding(List.of(p("string")), "0x" + word(0x20) + word(3) + "414243").hasMessageContaining("length 3");
    }

    /** An offset pointing past the data used to surface as "too few bytes", naming no parameter. */
    @Test
    void anOffsetOutsideTheDataIsRejectedNamingTheParameter() {
        decoding(List.of(p("uint256"), p("data", "bytes")), "0x" + word(1) + word(0x1000))
                .hasMessageContaining("output 'data' (bytes)")
                .hasMessageContaining("offset 4096");
    }

    /** An offset of 2^255 used to escape as an ArithmeticException instead of a tool error. */
    @Test
    void anOffsetThatOverflowsIsRejected() {
        decoding(List.of(p("string")), "0x8" + "0".repeat(63) + word(0))
                .hasMessageContaining("output #1 (string)")
                .hasMessageContaining("offset");
        decoding(List.of(p("string")), "0x" + word(0x7fffffe0L) + word(0)).hasMessageContaining("offset");
    }

    /** An array length that cannot fit in the data used to escape as an ArithmeticException or read past the end. */
    @Test
    void anArrayLengthThatCannotFitIsRejected() {
        decoding(List.of(p("ids", "uint256[]")), "0x" + word(0x20) + "0".repeat(48) + "1" + "0".repeat(15))
                .hasMessageContaining("output 'ids' (uint256[])")
                .hasMessageContaining("length");
        decoding(List.of(p("uint256[]")), "0x" + word(0x20) + word(3) + word(1) + word(2))
                .hasMessageContaining("length 3");
    }

    /** Return data shorter than the outputs' heads used to be reported without naming what was missing. */
    @Test
    void shortDataNamesTheOutputItCannotHold() {
        decoding(List.of(p("uint256"), p("flag", "bool")), "0x" + word(1)).hasMessageContaining("output 'flag' (bool)");
    }

    /** Return data that is not hex used to escape as an IllegalArgumentException. */
    @Test
    void dataThatIsNotHexIsRejected() {
        decoding(List.of(p("uint256")), "0x123").hasMessageContaining("hex");
        decoding(List.of(p("uint256")), "0x" + "zz".repeat(32)).hasMessageContaining("hex");
    }

    /** A string that is not UTF-8 used to decode with replacement characters, silently changing it. */
    @Test
    void aStringThatIsNotUtf8IsRejected() {
        decoding(List.of(p("string")), "0x" + word(0x20) + word(2) + "c328" + "0".repeat(60))
                .hasMessageContaining("output #1 (string)")
                .hasMessageContaining("UTF-8");
    }

    /** A nested value names its whole path, so a model can tell which field of which output is wrong. */
    @Test
    void aNestedFailureNamesItsPath() {
        Abi.Param order = new Abi.Param("order", "tuple", List.of(p("who", "address"), p("tags", "bool[]")));
        String hex = "0x" + word(0x20) + word(0x0abc) + word(0x40) + word(2) + word(1) + word(7);
        decoding(List.of(order), hex).hasMessageContaining("output 'order.tags[1]' (bool)");
    }

    /**
     * Offsets that all point at one array make a few hundred bytes decode into far more values than the data holds;
     * a hostile contract could exhaust memory that way.
     */
    @Test
    void overlappingOffsetsCannotInflateTheData() {
        int count = 40;
        StringBuilder hex = new StringBuilder("0x").append(word(0x20)).append(word(count));
        for (int i = 0; i < count; i++) {
            hex.append(word(32L * count));
        }
        hex.append(word(count));
        for (int i = 0; i < count; i++) {
            hex.append(word(i));
        }
        decoding(List.of(p("uint256[][]")), hex.toString()).hasMessageContaining("overlap");
    }

    // ---- encoding: arguments that are not unambiguously a value of their type

    /** "1e3" was read as 1000; an exponent is not an integer's accepted form. */
    @Test
    void anExponentIsNotAnInteger() {
        encoding(p("amount", "uint256"), "1e3")
                .hasMessageContaining("argument 'amount' (uint256) of f")
                .hasMessageContaining("'1e3'")
                .hasMessageContaining("decimal digits");
        encoding(p("uint256"), "1.0").hasMessageContaining("decimal digits");
    }

    /** A JSON number with a fraction or exponent (1e3, 1000.0) was accepted, though it may have lost digits. */
    @Test
    void aJsonFloatIsNotAnInteger() {
        encoding(p("uint256"), 1000.0)
                .hasMessageContaining("argument #1 (uint256)")
                .hasMessageContaining("JSON integer");
        encoding(p("uint256"), 1e30).hasMessageContaining("JSON integer");
        encoding(p("uint256"), new java.math.BigDecimal("1E+3")).hasMessageContaining("JSON integer");
    }

    /** Java's number parsers accept non-ASCII digits, signs after 0x and spaces, so these were read as numbers. */
    @Test
    void hexAndDecimalMixupsAreRejected() {
        encoding(p("int256"), "0x-5").hasMessageContaining("'0x-5'").hasMessageContaining("0x");
        encoding(p("uint256"), "0x+5").hasMessageContaining("'0x+5'");
        encoding(p("uint256"), "\u0661\u0662\u0663").hasMessageContaining("decimal digits");
        encoding(p("uint256"), " 5").hasMessageContaining("decimal digits");
        encoding(p("uint256"), "+5").hasMessageContaining("decimal digits");
        encoding(p("uint256"), "ff").hasMessageContaining("0x");
        encoding(p("uint256"), "0X10").hasMessageContaining("0x");
        assertThat(Abi.encode(List.of(p("int256")), List.of("-0x10"), "f")).isEqualTo("0x" + "f".repeat(62) + "f0");
    }

    /** Two's complement hex for a negative is out of range, and the message says how to give a negative. */
    @Test
    void outOfRangeValuesNameTheRange() {
        encoding(p("int8"), "0xff").hasMessageContaining("-128 to 127").hasMessageContaining("minus sign");
        encoding(p("int8"), -129).hasMessageContaining("-128 to 127");
        encoding(p("uint64"), "-1").hasMessageContaining("0 to 18446744073709551615");
    }

    /** Types that are not in the ABI (uint7, bytes33, a bad array size) were encoded, bytes33 by truncation. */
    @Test
    void typesOutsideTheAbiAreRejected() {
        encoding(p("uint7"), 1).hasMessageContaining("uint7").hasMessageContaining("multiple of 8");
        encoding(p("bytes33"), "0x" + "11".repeat(33)).hasMessageContaining("bytes1 to bytes32");
        encoding(p("uint256[x]"), List.of(1)).hasMessageContaining("uint256[x]");
        assertThatThrownBy(() -> Abi.decode(List.of(p("int300")), "0x" + word(1)))
                .isInstanceOf(ToolException.class)
                .hasMessageContaining("int300");
    }

    /** A tuple given as an object with a misspelt extra field had the field silently dropped. */
    @Test
    void aTupleFieldThatIsNotInTheAbiIsRejected() {
        Abi.Param order = new Abi.Param("order", "tuple", List.of(p("who", "address"), p("amount", "uint256")));
        encoding(order, Map.of("who", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "amount", 1, "amonut", 2))
                .hasMessageContaining("argument 'order' ((address,uint256))")
                .hasMessageContaining("'amonut'")
                .hasMessageContaining("who, amount");
    }

    /** An error deep inside an argument names the element, not only the top-level argument. */
    @Test
    void aNestedArgumentErrorNamesItsPath() {
        Abi.Param order = new Abi.Param("order", "tuple", List.of(p("who", "address"), p("amounts", "uint8[]")));
        encoding(order, Map.of("who", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "amounts", List.of(1, 300)))
                .hasMessageContaining("argument 'order.amounts[1]' (uint8) of f: 300 is out of range (0 to 255)");
    }
}
