package dev.hal9.tools.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * hal9's signer (web3j underneath) against a real node: anvil accepts and mines what it signs, for a transfer and a
 * contract creation. The byte-for-byte comparison with an independent implementation is {@code EthersDifferentialTest}.
 */
class EvmSignerTest {

    private static final byte[] KEY_0 = HexFormat.of().parseHex(Anvil.KEY_0);

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
    void aSignedTransferIsAcceptedAndMinedByARealNode() throws Exception {
        BigInteger nonce = nonce();
        BigInteger gasPrice = quantity(anvil.rpc("eth_gasPrice", "[]"));
        BigInteger before = quantity(anvil.rpc("eth_getBalance", "[\"" + Anvil.ACCOUNT_1 + "\",\"latest\"]"));
        BigInteger value = new BigInteger("1234500000000000000");
        EvmSigner.Signed signed = EvmSigner.sign(
                31337,
                nonce,
                BigInteger.ONE,
                gasPrice.multiply(BigInteger.TWO),
                BigInteger.valueOf(21_000),
                Anvil.ACCOUNT_1,
                value,
                "0x",
                KEY_0);

        String sent = anvil.rpc("eth_sendRawTransaction", "[\"" + signed.raw() + "\"]");
        assertThat(sent).as(sent).contains("\"result\":\"" + signed.hash() + "\"");
        // anvil's automine can answer the send before the block is written (seen under load in CI: the receipt was
        // null); a block mined on request returns only once every block before it is in, this transaction's too
        anvil.rpc("evm_mine", "[]");
        String receipt = anvil.rpc("eth_getTransactionReceipt", "[\"" + signed.hash() + "\"]");
        assertThat(receipt).contains("\"status\":\"0x1\"").containsIgnoringCase(Anvil.ACCOUNT_0);
        BigInteger after = quantity(anvil.rpc("eth_getBalance", "[\"" + Anvil.ACCOUNT_1 + "\",\"latest\"]"));
        assertThat(after.subtract(before)).isEqualTo(value);

        // the same transaction signed again is byte-for-byte the same (RFC 6979), so a retry cannot double-spend
        EvmSigner.Signed again = EvmSigner.sign(
                31337,
                nonce,
                BigInteger.ONE,
                gasPrice.multiply(BigInteger.TWO),
                BigInteger.valueOf(21_000),
                Anvil.ACCOUNT_1,
                value,
                "0x",
                KEY_0);
        assertThat(again).isEqualTo(signed);
        assertThat(anvil.rpc("eth_sendRawTransaction", "[\"" + signed.raw() + "\"]"))
                .contains("error");
    }

    @Test
    void aContractCreationHasNoRecipientAndDeploys() throws Exception {
        // init code that returns a one-byte runtime (STOP): PUSH1 1 PUSH1 12 PUSH1 0 CODECOPY PUSH1 1 PUSH1 0 RETURN 00
        String initCode = "0x6001600c60003960016000f300";
        BigInteger gasPrice = quantity(anvil.rpc("eth_gasPrice", "[]"));
        EvmSigner.Signed signed = EvmSigner.sign(
                31337,
                nonce(),
                BigInteger.ONE,
                gasPrice.multiply(BigInteger.TWO),
                BigInteger.valueOf(100_000),
                null,
                BigInteger.ZERO,
                initCode,
                KEY_0);
        assertThat(anvil.rpc("eth_sendRawTransaction", "[\"" + signed.raw() + "\"]"))
                .contains(signed.hash());
        // anvil's automine can answer the send before the block is written (seen under load in CI: the receipt was
        // null); a block mined on request returns only once every block before it is in, this transaction's too
        anvil.rpc("evm_mine", "[]");
        String receipt = anvil.rpc("eth_getTransactionReceipt", "[\"" + signed.hash() + "\"]");
        assertThat(receipt).contains("\"status\":\"0x1\"").containsPattern("\"contractAddress\":\"0x[0-9a-f]{40}\"");
    }

    @Test
    void aKeyHasItsWellKnownChecksummedAddress() {
        assertThat(EvmSigner.address(KEY_0)).isEqualTo(Anvil.ACCOUNT_0);
        assertThat(EvmSigner.checksum(Anvil.ACCOUNT_1.toLowerCase())).isEqualTo(Anvil.ACCOUNT_1);
        assertThat(EvmSigner.checksum(Anvil.ACCOUNT_1.substring(2).toUpperCase()))
                .isEqualTo(Anvil.ACCOUNT_1);
    }

    @Test
    void fieldsATransactionCannotCarryAreRefusedByName() {
        BigInteger one = BigInteger.ONE;
        BigInteger tooBig = BigInteger.ONE.shiftLeft(256);
        assertThatThrownBy(() -> EvmSigner.sign(0, one, one, one, one, null, one, "0x", KEY_0))
                .hasMessageContaining("chain id");
        assertThatThrownBy(() -> EvmSigner.sign(1, BigInteger.ONE.shiftLeft(64), one, one, one, null, one, "0x", KEY_0))
                .hasMessageContaining("nonce");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, tooBig, "0x", KEY_0))
                .hasMessageContaining("value");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, one.negate(), "0x", KEY_0))
                .hasMessageContaining("value");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, BigInteger.TWO, one, one, null, one, "0x", KEY_0))
                .hasMessageContaining("below the priority fee");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, "0x1234", one, "0x", KEY_0))
                .hasMessageContaining("recipient");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, one, "0xabc", KEY_0))
                .hasMessageContaining("whole bytes");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, one, "0x\u0663\u0663", KEY_0))
                .as("Arabic-Indic digits are digits to Character.digit, not hex")
                .hasMessageContaining("whole bytes");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, one, "0x", new byte[32]))
                .hasMessageContaining("outside the secp256k1 range");
        assertThatThrownBy(() -> EvmSigner.sign(1, one, one, one, one, null, one, "0x", new byte[31]))
                .hasMessageContaining("32 bytes");
    }

    private static BigInteger nonce() throws Exception {
        return quantity(anvil.rpc("eth_getTransactionCount", "[\"" + Anvil.ACCOUNT_0 + "\",\"pending\"]"));
    }

    private static BigInteger quantity(String response) {
        Matcher matcher = Pattern.compile("\"result\":\"0x([0-9a-f]*)\"").matcher(response);
        assertThat(matcher.find()).as(response).isTrue();
        return matcher.group(1).isEmpty() ? BigInteger.ZERO : new BigInteger(matcher.group(1), 16);
    }
}
