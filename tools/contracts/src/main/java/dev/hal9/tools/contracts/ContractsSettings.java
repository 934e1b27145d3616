package dev.hal9.tools.contracts;

import dev.hal9.api.FamilyContext;
import java.time.Duration;
import java.util.Optional;

/**
 * The contracts family's settings ({@code families.contracts.*}), read once when the family starts; their defaults
 * are in the family's {@code hal9/family-defaults.yaml} only.
 *
 * @param node the Node.js binary that runs solc-js and solhint
 * @param toolchain a folder whose node_modules holds the toolchain; empty: the one next to the server's jar
 * @param workTimeout how long one compile or lint may take
 * @param deployWait how long contract_deploy waits for a deployment's receipt
 */
record ContractsSettings(String node, Optional<String> toolchain, Duration workTimeout, Duration deployWait) {

    static ContractsSettings from(FamilyContext context) {
        return new ContractsSettings(
                context.requiredSetting("node"),
                context.setting("toolchain").filter(value -> !value.isBlank()),
                Duration.ofSeconds(Long.parseLong(context.requiredSetting("timeout-seconds"))),
                Duration.ofSeconds(Long.parseLong(context.requiredSetting("deploy-wait-seconds"))));
    }
}
