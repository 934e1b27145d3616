package dev.hal9.tools.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.ToolException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ABI codec against the examples of the Solidity ABI specification, and round trips through the decoder. */
class AbiTest {

    private static Abi.Param p(String type) {
        return new Abi.Param("", type, List.of());
    }

    private static String word(long value) {
        return String.format("%064x", value);
    }

    private static String padded(String ascii) {
        String hex = HexFormat.of().formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
        return hex + "0".repeat((64 - hex.length() % 64) % 64);
    }

    @Test
    void theSpecificationsExamples() {
        // baz(uint32,bool) with 69 and true
        assertThat(Abi.selector("baz(uint32,bool)")).isEqualTo("0xcdcd77c0");
        assertThat(Abi.encode(List.of(p("uint32"), p("bool")), List.of(69, true), "baz"))
                .isEqualTo("0x" + word(69) + word(1));
        // sam(bytes,bool,uint256[]) with "dave", true and [1,2,3]
        assertThat(Abi.selector("sam(bytes,bool,uint256[])")).isEqualTo("0xa5643bf2");
        assertThat(Abi.encode(
                        List.of(p("bytes"), p("bool"), p("uint256[]")),
                        List.of(
                                "0x" + HexFormat.of().formatHex("dave".getBytes(StandardCharsets.US_ASCII)),
                                true,
                                List.of(1, 2, 3)),
                        "sam"))
                .isEqualTo("0x" + word(0x60) + word(1) + word(0xa0) + word(4) + padded("dave") + word(3) + word(1)
                        + word(2) + word(3));
        // f(uint256,uint32[],bytes10,bytes) with 0x123, [0x456, 0x789], "1234567890", "Hello, world!"
        assertThat(Abi.selector("f(uint256,uint32[],bytes10,bytes)")).isEqualTo("0x8be65246");
        assertThat(Abi.encode(
                        List.of(p("uint256"), p("uint32[]"), p("bytes10"), p("bytes")),
                        List.of(
                                "0x123",
                                List.of(0x456, 0x789),
                                "0x" + HexFormat.of().formatHex("1234567890".getBytes(StandardCharsets.US_ASCII)),
                                "0x" + HexFormat.of().formatHex("Hello, world!".getBytes(StandardCharsets.US_ASCII))),
                        "f"))
                .isEqualTo("0x" + word(0x123) + word(0x80) + padded("1234567890") + word(0xe0) + word(2) + word(0x456)
                        + word(0x789) + word(13) + padded("Hello, world!"));
    }

    @Test
    void nestedDynamicTypesAndNegativesRoundTrip() {
        Abi.Param tuple = new Abi.Param(
                "order",
                "tuple",
                List.of(
                        new Abi.Param("who", "address", List.of()),
                        new Abi.Param("tags", "string[]", List.of()),
                        new Abi.Param("delta", "int128", List.of())));
        List<Abi.Param> params = List.of(tuple, p("uint8[2]"), p("string"));
        List<Object> values = List.of(
                Map.of(
                        "who",
                        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        "tags",
                        List.of("a", "ünïcode"),
                        "delta",
                        "-5"),
                List.of(7, "255"),
                "done");
        String encoded = Abi.encode(params, values, "test");
        Map<String, Object> decoded = Abi.decode(params, encoded);
        assertThat(decoded.get("order"))
                .isEqualTo(Map.of(
                        "who",
                        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        "tags",
                        List.of("a", "ünïcode"),
                        "delta",
                        "-5"));
        assertThat(decoded.get("1")).isEqualTo(List.of("7", "255"));
        assertThat(decoded.get("2")).isEqualTo("done");
        // -1 as an int256 is all ones
        assertThat(Abi.encode(List.of(p("int256")), List.of(-1), "neg")).isEqualTo("0x" + "f".repeat(64));
        assertThat(Abi.decode(List.of(p("int256")), "0x" + "f".repeat(64)).get("0"))
                .isEqualTo("-1");
        assertThat(Abi.encode(
                        List.of(p("uint256")),
                        List.of(new BigInteger("2").pow(256).subtract(BigInteger.ONE)),
                        "max"))
                .isEqualTo("0x" + "f".repeat(64));
    }

    @Test
    void wrongValuesAreNamedPrecisely() {
        assertThatThrownBy(() -> Abi.encode(List.of(p("uint8")), List.of(256), "f(uint8)"))
                .isInstanceOf(ToolException.class)
                .hasMessageContaining("argument #1 (uint8) of f(uint8): 256 is out of range (0 to 255)");
        assertThatThrownBy(() -> Abi.encode(List.of(p("uint256")), List.of("1.5"), "f"))
                .hasMessageContaining("is not a whole number");
        assertThatThrownBy(() -> Abi.encode(List.of(p("bytes4")), List.of("0x0102"), "f"))
                .hasMessageContaining("needs exactly 4 bytes, not 2");
        assertThatThrownBy(() ->
                        Abi.encode(List.of(p("address")), List.of("0x70997970c51812dc3A010C7d01b50e0d17dc79C8"), "f"))
                .hasMessageContaining("wrong EIP-55 checksum");
        assertThatThrownBy(() -> Abi.encode(List.of(p("uint256[2]")), List.of(List.of(1)), "f"))
                .hasMessageContaining("needs exactly 2 items, not 1");
        assertThatThrownBy(() -> Abi.encode(List.of(p("bool")), List.of("yes"), "f"))
                .hasMessageContaining("is not true or false");
    }

    @Test
    void revertDataIsDecoded() {
        String error = "0x08c379a0" + word(0x20) + word(7) + padded("no way!");
        assertThat(Abi.revertReason(List.of(), error)).isEqualTo("no way!");
        assertThat(Abi.revertReason(List.of(), "0x4e487b71" + word(0x11))).contains("overflow");
        assertThat(Abi.revertReason(List.of(), "0x")).isEqualTo("no reason given");
    }
}
