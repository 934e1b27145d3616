package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BytecodeTest {

    @Test
    void selectorsAreReadInstructionByInstruction() {
        // PUSH32 whose data holds 0x63aabbccdd (a PUSH4 look-alike), then a real PUSH4 0x70a08231, then SELFDESTRUCT
        String push32 = "7f" + "63aabbccdd" + "00".repeat(27);
        Bytecode code = new Bytecode("0x" + push32 + "6370a08231" + "ff");
        assertThat(code.selectors()).containsExactly("0x70a08231");
        assertThat(code.selfdestruct()).isEqualTo(33 + 5);
        assertThat(code.delegatecall()).isEqualTo(-1);
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
                "0x63" + Signatures.selector("mint(address,uint256)").substring(2));
        assertThat(Signatures.found(mint)).extracting(Signatures.Known::field).containsExactly("is_mintable");
    }
}
