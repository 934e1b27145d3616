package dev.hal9.tools.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.testkit.McpTestKit;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * contract_generate, contract_compile and contract_audit through a real MCP client, with the real toolchain:
 * solc-js 0.8.37, solhint 6.2.4 and OpenZeppelin Contracts 5 in the Node worker. (Deploy, read and write run
 * against anvil through the packaged server in conformance-tests' ContractsFlowTest.)
 */
class ContractsToolsTest {

    private static McpTestKit kit;
    private static McpSyncClient alice;

    @BeforeAll
    static void start() {
        kit = McpTestKit.of(Map.of(), Duration.ofSeconds(120), new ContractsFamily());
        alice = kit.client("alice");
    }

    @AfterAll
    static void stop() {
        kit.close();
    }

    @Test
    void everyTemplateWithEveryFeatureCompiles() {
        List<Map<String, Object>> variants = List.of(
                Map.of("template", "erc20", "name", "Plain Token", "symbol", "PLN"),
                Map.of(
                        "template",
                        "erc20",
                        "name",
                        "Hal Token",
                        "symbol",
                        "HAL",
                        "features",
                        List.of("mintable", "burnable", "pausable", "capped", "permit"),
                        "initialSupply",
                        "1000",
                        "cap",
                        "1000000",
                        "decimals",
                        6),
                Map.of(
                        "template",
                        "erc20",
                        "name",
                        "Role Token",
                        "symbol",
                        "ROLE",
                        "features",
                        List.of("mintable", "pausable"),
                        "access",
                        "roles"),
                Map.of(
                        "template",
                        "erc721",
                        "name",
                        "Hal Art",
                        "symbol",
                        "HART",
                        "features",
                        List.of("mintable", "burnable", "pausable", "enumerable", "uri_storage"),
                        "uri",
                        "https://example.org/art/"),
                Map.of(
                        "template",
                        "erc721",
                        "name",
                        "Role Art",
                        "symbol",
                        "RART",
                        "features",
                        List.of("mintable", "enumerable"),
                        "access",
                        "roles"),
                Map.of(
                        "template",
                        "erc1155",
                        "name",
                        "Hal Items",
                        "features",
                        List.of("mintable", "burnable", "pausable", "supply_tracking", "updatable_uri"),
                        "uri",
                        "https://example.org/items/{id}.json"),
                Map.of(
                        "template",
                        "erc1155",
                        "name",
                        "Role Items",
                        "features",
                        List.of("mintable", "pausable"),
                        "access",
                        "roles"));
        for (Map<String, Object> variant : variants) {
            Map<String, Object> generated = structured(ok(call("contract_generate", variant)));
            Map<String, Object> compiled =
                    structured(ok(call("contract_compile", Map.of("contract", generated.get("contract")))));
            assertThat(compiled.get("ok"))
                    .as(variant + "\n" + generated.get("source") + "\n" + compiled)
                    .isEqualTo(true);
            assertThat(compiled.get("contracts").toString())
                    .contains("name=" + generated.get("contractName"), "deployable=true");
        }
    }

    @Test
    void generationIsDeterministicAndOptionsShapeTheSource() {
        Map<String, Object> options = Map.of(
                "template",
                "erc20",
                "name",
                "Hal Token",
                "symbol",
                "HAL",
                "features",
                List.of("mintable", "capped"),
                "cap",
                "21000000",
                "initialSupply",
                "1000");
        Map<String, Object> first = structured(ok(call("contract_generate", options)));
        Map<String, Object> second = structured(ok(call("contract_generate", options)));
        assertThat(first.get("source")).isEqualTo(second.get("source"));
        assertThat(first.get("contract")).isNotEqualTo(second.get("contract"));
        assertThat((String) first.get("source"))
                .contains(
                        "pragma solidity 0.8.37;",
                        "contract HalToken is ERC20, ERC20Capped, Ownable",
                        "ERC20Capped(21000000 * 10 ** 18)",
                        "_mint(msg.sender, 1000 * 10 ** 18);",
                        "function mint(address to, uint256 amount) public onlyOwner",
                        "override(ERC20, ERC20Capped)")
                .doesNotContain("Pausable", "Permit");
    }

    @Test
    void aCompileErrorIsANormalResultWithItsLocation() {
        String broken = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\n\ncontract Broken {\n"
                + "    function f() public pure returns (uint256) {\n        return undefinedThing;\n    }\n}\n";
        Map<String, Object> generated =
                structured(ok(call("contract_generate", Map.of("source", broken, "fileName", "Broken.sol"))));
        CallToolResult result = ok(call("contract_compile", Map.of("contract", generated.get("contract"))));
        Map<String, Object> compiled = structured(result);
        assertThat(compiled.get("ok")).isEqualTo(false);
        assertThat(compiled.get("errors").toString())
                .contains("file=Broken.sol", "line=6", "column=16", "Undeclared identifier");
        assertThat(text(result)).contains("Broken.sol:6:16: error 7576: Undeclared identifier");
        // and an import outside OpenZeppelin is refused as a located error, not read from the server's disk
        Map<String, Object> sneaky = structured(
                ok(
                        call(
                                "contract_generate",
                                Map.of(
                                        "source",
                                        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\nimport \"/etc/passwd\";\ncontract A {}\n"))));
        Map<String, Object> refused =
                structured(ok(call("contract_compile", Map.of("contract", sneaky.get("contract")))));
        assertThat(refused.get("ok")).isEqualTo(false);
        assertThat(refused.get("errors").toString()).contains("line=3", "only the submitted files and @openzeppelin");
    }

    @Test
    void theAuditFindsTheVulnerableBanksBugsAtTheirLines() throws IOException {
        String source;
        try (InputStream in = ContractsToolsTest.class.getResourceAsStream("/Vulnerable.sol")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Object> generated =
                structured(ok(call("contract_generate", Map.of("source", source, "fileName", "Vulnerable.sol"))));
        CallToolResult result = ok(call("contract_audit", Map.of("contract", generated.get("contract"))));
        Map<String, Object> audit = structured(result);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> findings = (List<Map<String, Object>>) audit.get("findings");
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .containsEntry("detector", "reentrancy")
                .containsEntry("severity", "high")
                .containsEntry("line", 19));
        assertThat(findings.stream()
                        .filter(f -> f.get("detector").equals("reentrancy"))
                        .findFirst()
                        .orElseThrow()
                        .get("finding")
                        .toString())
                .contains("withdraw()", "balances", "line 21");
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .containsEntry("detector", "tx-origin")
                .containsEntry("severity", "high")
                .containsEntry("line", 25));
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .containsEntry("detector", "unchecked-call")
                .containsEntry("severity", "medium")
                .containsEntry("line", 26));
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .containsEntry("detector", "unguarded-privileged")
                .containsEntry("line", 29));
        assertThat(findings).anySatisfy(f -> assertThat(f)
                .containsEntry("detector", "floating-pragma")
                .containsEntry("line", 2));
        // solhint saw tx.origin too: one finding, both sources named
        assertThat(findings.stream()
                        .filter(f -> f.get("detector").equals("tx-origin"))
                        .toList())
                .singleElement()
                .satisfies(f -> assertThat(f.get("reportedBy").toString()).contains("hal9", "solhint:avoid-tx-origin"));
        // the unchecked call was seen by hal9, solhint and solc: one finding; sweep()'s tx.origin check is reported
        // as such, not also as a missing access control
        assertThat(findings.stream()
                        .filter(f -> f.get("detector").equals("unchecked-call"))
                        .toList())
                .singleElement()
                .satisfies(f -> assertThat(f.get("reportedBy").toString())
                        .contains("hal9", "solhint:no-unchecked-calls", "solc:9302"));
        assertThat(findings).noneSatisfy(f -> assertThat(f)
                .containsEntry("detector", "unguarded-privileged")
                .containsEntry("line", 24));
        // the checked call in withdraw() is not an unchecked call
        assertThat(findings).noneSatisfy(f -> assertThat(f)
                .containsEntry("detector", "unchecked-call")
                .containsEntry("line", 19));
        assertThat(text(result)).contains("high Vulnerable.sol:19 [reentrancy]");

        // a generated OpenZeppelin token has no high or medium findings
        Map<String, Object> token = structured(ok(call(
                "contract_generate",
                Map.of(
                        "template",
                        "erc20",
                        "name",
                        "Clean",
                        "symbol",
                        "CLN",
                        "features",
                        List.of("mintable", "pausable")))));
        Map<String, Object> clean = structured(ok(call("contract_audit", Map.of("contract", token.get("contract")))));
        assertThat(clean.get("counts").toString()).contains("high=0", "medium=0");
    }

    @Test
    void artifactsAreResources() {
        Map<String, Object> generated = structured(
                ok(call("contract_generate", Map.of("template", "erc20", "name", "Res Token", "symbol", "RES"))));
        String handle = (String) generated.get("contract");
        Map<String, Object> compiled = structured(ok(call("contract_compile", Map.of("contract", handle))));
        assertThat(compiled.get("resources").toString())
                .contains(
                        "hal9://contracts/" + handle + "/ResToken.abi.json",
                        "hal9://contracts/" + handle + "/ResToken.bin");
        McpSchema.ReadResourceResult abi = alice.readResource(
                new McpSchema.ReadResourceRequest("hal9://contracts/" + handle + "/ResToken.abi.json"));
        assertThat(((McpSchema.TextResourceContents) abi.contents().get(0)).text())
                .contains("\"name\":\"transfer\"");
        McpSchema.ReadResourceResult source =
                alice.readResource(new McpSchema.ReadResourceRequest("hal9://contracts/" + handle + "/source"));
        assertThat(((McpSchema.TextResourceContents) source.contents().get(0)).text())
                .contains("contract ResToken");
        // another principal cannot read it
        McpSyncClient bob = kit.client("bob");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        bob.readResource(new McpSchema.ReadResourceRequest("hal9://contracts/" + handle + "/source")))
                .hasMessageContaining("not found");
    }

    @Test
    void badInputGetsClearErrors() {
        assertError(
                call(
                        "contract_generate",
                        Map.of("template", "erc20", "name", "X", "symbol", "X", "features", List.of("enumerable"))),
                "enumerable does not apply to erc20",
                "mintable, burnable");
        assertError(
                call(
                        "contract_generate",
                        Map.of("template", "erc20", "name", "X", "symbol", "X", "features", List.of("teleporting"))),
                "features");
        assertError(
                call(
                        "contract_generate",
                        Map.of(
                                "template",
                                "erc20",
                                "name",
                                "X",
                                "symbol",
                                "X",
                                "features",
                                List.of("capped"),
                                "cap",
                                "10",
                                "initialSupply",
                                "11")),
                "exceeds the cap");
        assertError(call("contract_generate", Map.of("name", "X")), "template", "is needed");
        assertError(call("contract_compile", Map.of("contract", "ct_nope")), "ct_nope", "contract_generate");
        assertError(call("contract_audit", Map.of()), "contract");
        assertError(
                call("contract_generate", Map.of("source", "contract A {}", "fileName", "../../etc.sol")), "fileName");
    }

    // ---- helpers

    private static CallToolResult call(String tool, Map<String, Object> arguments) {
        return alice.callTool(new CallToolRequest(tool, arguments));
    }

    private static CallToolResult ok(CallToolResult result) {
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        return result;
    }

    private static void assertError(CallToolResult result, String... fragments) {
        assertThat(result.isError()).as(text(result)).isTrue();
        assertThat(text(result)).contains(fragments);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> structured(CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }

    private static String text(CallToolResult result) {
        return result.content().stream()
                .filter(c -> c instanceof McpSchema.TextContent)
                .map(c -> ((McpSchema.TextContent) c).text())
                .reduce("", String::concat);
    }
}
