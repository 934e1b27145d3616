package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * hal9's selector reading against material nobody here wrote and an independent implementation: every compiled
 * contract with runtime code in Uniswap v2's npm packages and OpenZeppelin Contracts' (about a hundred), whose ABIs
 * are the ground truth, read by {@link Bytecode} and by whatsabi's {@code selectorsFromBytecode}. The counts are
 * written to target/selectors-against-whatsabi.txt. It found that selectors with a leading zero byte (ERC-6909's
 * 0x00fdd58e, pushed as PUSH3) were missed, that every PUSH4 constant was taken for a selector, and that
 * UniswapV2Factory was credited with the functions of the pair whose creation code it carries.
 */
class SelectorsAgainstWhatsabiTest {

    private record Contract(String name, String code, List<String> signatures, Set<String> whatsabi) {}

    @Test
    void everyFunctionInTheAbiIsFoundInTheCode() throws Exception {
        List<Contract> contracts = corpus();
        assertThat(contracts).hasSizeGreaterThan(80);
        int functions = 0;
        int hal9Found = 0;
        int whatsabiFound = 0;
        int hal9Extra = 0;
        int whatsabiExtra = 0;
        List<String> misses = new ArrayList<>();
        List<String> extras = new ArrayList<>();
        for (Contract contract : contracts) {
            Set<String> truth = new LinkedHashSet<>();
            contract.signatures().forEach(s -> truth.add(Signatures.selector(s)));
            Set<String> ours = new Bytecode(contract.code()).selectors();
            for (String selector : truth) {
                functions++;
                if (ours.contains(selector)) {
                    hal9Found++;
                } else {
                    misses.add(contract.name() + " " + selector + " "
                            + contract.signatures().stream()
                                    .filter(s -> Signatures.selector(s).equals(selector))
                                    .findFirst()
                                    .orElse("?"));
                }
                if (contract.whatsabi().contains(selector)) {
                    whatsabiFound++;
                }
            }
            ours.stream().filter(s -> !truth.contains(s)).forEach(s -> extras.add(contract.name() + " " + s));
            hal9Extra += (int) ours.stream().filter(s -> !truth.contains(s)).count();
            whatsabiExtra += (int)
                    contract.whatsabi().stream().filter(s -> !truth.contains(s)).count();
        }
        String summary = contracts.size() + " contracts, " + functions + " functions in their ABIs\n"
                + "hal9:     found " + hal9Found + ", not in the ABI " + hal9Extra + "\n"
                + "whatsabi: found " + whatsabiFound + ", not in the ABI " + whatsabiExtra + "\n"
                + "hal9 missed: " + misses + "\n"
                + "hal9 found, not in the ABI: " + extras + "\n";
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "selectors-against-whatsabi.txt"), summary);
        assertThat(misses).as(summary).isEmpty();
        assertThat(extras).as(summary).isEmpty();
        assertThat(hal9Found).isGreaterThanOrEqualTo(whatsabiFound);
    }

    private static List<Contract> corpus() throws IOException, InterruptedException {
        Path peers = Path.of(System.getProperty("hal9.analysis.testPeers", "test-peers"));
        Process process = new ProcessBuilder(
                        "node", peers.resolve("selectors.mjs").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        List<Contract> contracts = new ArrayList<>();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode json = Web.JSON.readTree(line);
            List<String> signatures = new ArrayList<>();
            json.get("signatures").forEach(s -> signatures.add(s.asString()));
            Set<String> whatsabi = new LinkedHashSet<>();
            json.get("whatsabi").forEach(s -> whatsabi.add(s.asString()));
            contracts.add(
                    new Contract(json.get("name").asString(), json.get("code").asString(), signatures, whatsabi));
        }
        return contracts;
    }
}
