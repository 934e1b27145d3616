package dev.hal9.tools.chain;

import dev.hal9.api.ToolException;
import java.util.Locale;
import java.util.Map;

/**
 * The EVM networks the operator configured, by name: the built-in Ethereum, Polygon, BSC and Mantle and those of
 * {@code families.chain.evm-networks}, as {@link ChainSettings} read them. Immutable.
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

    /** By name, in the order the configured networks are listed to a caller who names none of them. */
    private final Map<String, Network> networks;

    EvmNetworks(Map<String, Network> networks) {
        this.networks = networks;
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
}
