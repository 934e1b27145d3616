package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RLP against the yellow paper's examples, and EIP-1559 signatures that a real node (anvil) accepts. */
class Eip1559Test {

    private static Anvil anvil;

    @BeforeAll
    static void start() throws Exception {
        anvil = new Anvil();
    }

    @AfterAll
    static void stop() throws Exception {
        anvil.close();
    }

    @Test
    void rlpMatchesTheSpecificationsExamples() {
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(Rlp.encode("dog".getBytes()))).isEqualTo("83646f67");
        assertThat(hex.formatHex(Rlp.encode(List.of("cat".getBytes(), "dog".getBytes()))))
                .isEqualTo("c88363617483646f67");
        assertThat(hex.formatHex(Rlp.encode(new byte[0]))).isEqualTo("80");
        assertThat(hex.formatHex(Rlp.encode(List.of()))).isEqualTo("c0");
        assertThat(hex.formatHex(Rlp.encode(BigInteger.ZERO))).isEqualTo("80");
        assertThat(hex.formatHex(Rlp.encode(BigInteger.valueOf(15)))).isEqualTo("0f");
        assertThat(hex.formatHex(Rlp.encode(BigInteger.valueOf(1024)))).isEqualTo("820400");
        assertThat(hex.formatHex(
                        Rlp.encode(List.of(List.of(), List.of(List.of()), List.of(List.of(), List.of(List.of()))))))
                .isEqualTo("c7c0c1c0c3c0c1c0");
        byte[] long56 = "Lorem ipsum dolor sit amet, consectetur adipisicing elit".getBytes();
        assertThat(hex.formatHex(Rlp.encode(long56))).startsWith("b838");
    }

    @Test
    void aSignedTransferIsAcceptedAndMinedByARealNode() throws Exception {
        BigInteger nonce = quantity(anvil.rpc("eth_getTransactionCount", "[\"" + Anvil.ACCOUNT_0 + "\",\"pending\"]"));
        BigInteger gasPrice = quantity(anvil.rpc("eth_gasPrice", "[]"));
        BigInteger before = quantity(anvil.rpc("eth_getBalance", "[\"" + Anvil.ACCOUNT_1 + "\",\"latest\"]"));
        BigInteger value = new BigInteger("1234500000000000000");
        Eip1559 transfer = new Eip1559(
                31337,
                nonce,
                BigInteger.ONE,
                gasPrice.multiply(BigInteger.TWO),
                BigInteger.valueOf(21_000),
                HexFormat.of().parseHex(Anvil.ACCOUNT_1.substring(2)),
                value,
                new byte[0]);
        byte[] signed = transfer.sign(HexFormat.of().parseHex(Anvil.KEY_0));

        String sent =
                anvil.rpc("eth_sendRawTransaction", "[\"0x" + HexFormat.of().formatHex(signed) + "\"]");
        assertThat(sent).as(sent).contains("\"result\":\"" + Eip1559.hash(signed) + "\"");
        String receipt = anvil.rpc("eth_getTransactionReceipt", "[\"" + Eip1559.hash(signed) + "\"]");
        assertThat(receipt).contains("\"status\":\"0x1\"").containsIgnoringCase(Anvil.ACCOUNT_0);
        BigInteger after = quantity(anvil.rpc("eth_getBalance", "[\"" + Anvil.ACCOUNT_1 + "\",\"latest\"]"));
        assertThat(after.subtract(before)).isEqualTo(value);

        // the same transaction signed again is byte-for-byte the same (RFC 6979), so a retry cannot double-spend
        assertThat(transfer.sign(HexFormat.of().parseHex(Anvil.KEY_0))).isEqualTo(signed);
        String replay =
                anvil.rpc("eth_sendRawTransaction", "[\"0x" + HexFormat.of().formatHex(signed) + "\"]");
        assertThat(replay).contains("error");
    }

    private static BigInteger quantity(String response) {
        Matcher matcher = Pattern.compile("\"result\":\"0x([0-9a-f]*)\"").matcher(response);
        assertThat(matcher.find()).as(response).isTrue();
        return matcher.group(1).isEmpty() ? BigInteger.ZERO : new BigInteger(matcher.group(1), 16);
    }
}
