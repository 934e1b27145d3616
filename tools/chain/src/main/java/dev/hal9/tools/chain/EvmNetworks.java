package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.ToolException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The EVM networks the operator configured: presets for Ethereum, Polygon, BSC and Mantle (public RPC URLs that
 * can be overridden), and any custom network named in {@code families.chain.evm-networks} with
 * {@code families.chain.evm.<name>.rpc-url}, {@code .chain-id} and {@code .symbol}. Immutable.
 */
final class EvmNetworks {

    /**
     * One network.
     *
     * @param name its name in tools and config
     * @param rpcUrl the JSON-RPC endpoint
     * @param chainId the EIP-155 chain id
     * @param symbol the native asset's symbol
     * @param tokens ERC-20 tokens the operator named, symbol (upper case) to contract address
     */
    record Network(String name, String rpcUrl, long chainId, String symbol, Map<String, String> tokens) {}

    private final Map<String, Network> networks = new LinkedHashMap<>();

    EvmNetworks(FamilyContext context) {
        preset(context, "ethereum", "https://ethereum-rpc.publicnode.com", 1, "ETH");
        preset(context, "polygon", "https://polygon-bor-rpc.publicnode.com", 137, "POL");
        preset(context, "bsc", "https://bsc-rpc.publicnode.com", 56, "BNB");
        preset(context, "mantle", "https://rpc.mantle.xyz", 5000, "MNT");
        String custom = context.requiredSetting("evm-networks");
        for (String name : Arrays.stream(custom.split(","))
                .map(String::trim)
                .filter(n -> !n.isEmpty())
                .toList()) {
            String key = name.toLowerCase(Locale.ROOT);
            String url = context.setting("evm." + key + ".rpc-url")
                    .orElseThrow(() -> new IllegalArgumentException(
                            "families.chain.evm." + key + ".rpc-url is needed for the network '" + key + "'"));
            String chainId = context.setting("evm." + key + ".chain-id")
                    .orElseThrow(() -> new IllegalArgumentException(
                            "families.chain.evm." + key + ".chain-id is needed for the network '" + key + "'"));
            networks.put(
                    key,
                    new Network(
                            key,
                            url,
                            parse(chainId, key),
                            context.setting("evm." + key + ".symbol").orElse("ETH"),
                            tokens(context, key)));
        }
    }

    private void preset(FamilyContext context, String name, String url, long chainId, String symbol) {
        networks.put(
                name,
                new Network(
                        name,
                        context.setting("evm." + name + ".rpc-url").orElse(url),
                        chainId,
                        symbol,
                        tokens(context, name)));
    }

    /** {@code families.chain.evm.<name>.tokens}: "USDT=0x...,USDC=0x...". */
    private static Map<String, String> tokens(FamilyContext context, String name) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String entry :
                context.setting("evm." + name + ".tokens").orElse("").split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || !parts[1].trim().matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException("families.chain.evm." + name + ".tokens takes SYMBOL=0xADDRESS "
                        + "pairs separated by commas, not '" + entry.trim() + "'");
            }
            tokens.put(parts[0].trim().toUpperCase(Locale.ROOT), parts[1].trim());
        }
        return Map.copyOf(tokens);
    }

    Network get(String name) {
        Network network = name == null ? null : networks.get(name.toLowerCase(Locale.ROOT));
        if (network == null) {
            throw ToolException.badArgument(
                    "network",
                    "is '" + name + "'; the configured networks are " + String.join(", ", networks.keySet()));
        }
        return network;
    }

    java.util.Collection<Network> all() {
        return networks.values();
    }

    private static long parse(String chainId, String name) {
        try {
            return Long.parseLong(chainId.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "families.chain.evm." + name + ".chain-id must be a number, not '" + chainId + "'");
        }
    }
}
