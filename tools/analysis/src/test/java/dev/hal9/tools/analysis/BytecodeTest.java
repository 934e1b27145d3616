package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BytecodeTest {

    @Test
    void selectorsAreReadInstructionByInstruction() {
        // PUSH32 whose data holds 0x63aabbccdd14 (a PUSH4 ... EQ look-alike), then a real PUSH4 0x70a08231 EQ, then
        // SELFDESTRUCT
        String push32 = "7f" + "63aabbccdd14" + "00".repeat(26);
        Bytecode code = new Bytecode("0x" + push32 + "6370a08231" + "14" + "ff");
        assertThat(code.selectors()).containsExactly("0x70a08231");
        assertThat(code.selfdestruct()).isEqualTo(33 + 5 + 1);
        assertThat(code.delegatecall()).isEqualTo(-1);
    }

    @Test
    void aSelectorIsAValueTheDispatcherCompares() {
        // PUSH4 compared with EQ, with DUP2 then EQ (via-IR), with XOR (Vyper); a PUSH4 stored with MSTORE is not
        Bytecode code = new Bytecode("0x" + "63a9059cbb14" + "6323b872dd8114" + "63095ea7b318" + "63deadbeef52");
        assertThat(code.selectors()).containsExactly("0xa9059cbb", "0x23b872dd", "0x095ea7b3");
    }

    @Test
    void aSelectorWithLeadingZerosIsPushedShorter() {
        // ERC-6909's balanceOf(address,uint256) is 0x00fdd58e: solc pushes it as PUSH3 0xfdd58e
        assertThat(new Bytecode("0x62fdd58e14").selectors()).containsExactly("0x00fdd58e");
        assertThat(new Bytecode("0x600114").selectors()).isEmpty(); // PUSH1 1 EQ: a constant
    }

    @Test
    void theCodeOfAContractItCreatesIsNotItsOwn() {
        // the factory's dispatcher, INVALID, then the embedded creation code of a token with mint(address,uint256)
        String mint = Signatures.selector("mint(address,uint256)").substring(2);
        Bytecode factory = new Bytecode("0x" + "63c9c6539614" + "fe" + "6080604052" + "63" + mint + "14" + "ff");
        assertThat(factory.selectors()).containsExactly("0xc9c65396");
        assertThat(factory.selfdestruct()).isEqualTo(-1);
    }

    @Test
    void theSelfdestructByteInsidePushDataIsNotAnOpcode() {
        Bytecode code = new Bytecode("0x60ff00");
        assertThat(code.selfdestruct()).isEqualTo(-1);
    }

    @Test
    void anEip1167CloneNamesItsTarget() {
        String target = "5fbdb2315678afecb367f032d93f642f64180aa3";
        Bytecode clone = new Bytecode("0x363d3d373d3d3d363d73" + target + "5af43d82803e903d91602b57fd5bf3");
        assertThat(clone.minimalProxyTarget()).contains("0x" + target);
        assertThat(new Bytecode("0x6001").minimalProxyTarget()).isEmpty();
    }

    @Test
    void solidityMetadataIsStrippedForComparison() {
        // a0 (CBOR map) ... then the length 0x000b in the last two bytes
        String body = "6080604052";
        String metadata = "a1" + "6469706673" + "4401020304"; // 11 bytes
        Bytecode code = new Bytecode("0x" + body + metadata + "000b");
        assertThat(code.withoutMetadata()).isEqualTo("0x" + body);
        assertThat(new Bytecode("0x" + body).withoutMetadata()).isEqualTo("0x" + body);
    }

    @Test
    void knownSelectorsMatchTheirSignatures() {
        assertThat(Signatures.selector("transfer(address,uint256)")).isEqualTo("0xa9059cbb");
        assertThat(Signatures.selector("balanceOf(address)")).isEqualTo("0x70a08231");
        assertThat(Signatures.TRANSFER_TOPIC)
                .isEqualTo("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
        Bytecode mint = new Bytecode(
                "0x63" + Signatures.selector("mint(address,uint256)").substring(2) + "14");
        assertThat(Signatures.found(mint)).extracting(Signatures.Known::field).containsExactly("is_mintable");
    }
}
