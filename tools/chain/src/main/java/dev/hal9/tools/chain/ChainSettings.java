package dev.hal9.tools.chain;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.SettingValues;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The chain family's settings ({@code families.chain.*}), read once when the family's tools are built, so that a bad
 * value stops the server at start with the key and what to write there, not a tool call later. Defaults that are one
 * value are in the family's {@code hal9/family-defaults.yaml} and nowhere else. What a network's settings default to
 * depends on the network's name, and a {@code evm.<network>} key can take no default in that file (the runtime
 * refuses one), so those defaults are {@code BUILT_IN} and {@code CUSTOM_SYMBOL} here, and only here; the YAML's
 * comments describe them.
 *
 * @param rpcTimeout {@code rpc-timeout-seconds}: how long one RPC request (EVM or toncenter) may take
 * @param evm the EVM networks by name: the built-in ones, then those of {@code evm-networks}, in that order
 * @param tonEndpoint {@code ton.endpoint}: the toncenter v2 HTTP API
 * @param tonApiKey {@code ton.api-key}: toncenter's key, when one is set
 * @param jettons {@code ton.jettons}: the jettons tools may name, by symbol (upper case)
 */
record ChainSettings(
        Duration rpcTimeout,
        Map<String, EvmNetworks.Network> evm,
        String tonEndpoint,
        Optional<String> tonApiKey,
        Map<String, TonTransfers.Jetton> jettons) {

    /** A built-in network as it is when the operator sets nothing for it; only its RPC URL can be overridden. */
    private record Preset(String name, String rpcUrl, long chainId, String symbol) {}

    /** The built-in networks, in the order they are listed; the only copy of their public RPC URLs. */
    private static final List<Preset> BUILT_IN = List.of(
            new Preset("ethereum", "https://ethereum-rpc.publicnode.com", 1, "ETH"),
            new Preset("polygon", "https://polygon-bor-rpc.publicnode.com", 137, "POL"),
            new Preset("bsc", "https://bsc-rpc.publicnode.com", 56, "BNB"),
            new Preset("mantle", "https://rpc.mantle.xyz", 5000, "MNT"));

    /** The native asset's symbol of a network of {@code evm-networks} without {@code evm.<network>.symbol}. */
    private static final String CUSTOM_SYMBOL = "ETH";

    static ChainSettings from(FamilyContext context) {
        Map<String, EvmNetworks.Network> evm = new LinkedHashMap<>();
        for (Preset preset : BUILT_IN) {
            String name = preset.name();
            evm.put(
                    name,
                    new EvmNetworks.Network(
                            name,
                            rpcUrl(name, context.setting(key(name, "rpc-url")).orElse(preset.rpcUrl())),
                            preset.chainId(),
                            preset.symbol(),
                            tokens(name, context.setting(key(name, "tokens")).orElse(""))));
        }
        for (String name : Arrays.stream(context.requiredSetting("evm-networks").split(","))
                .map(String::trim)
                .filter(n -> !n.isEmpty())
                .map(n -> n.toLowerCase(Locale.ROOT))
                .toList()) {
            String url = context.setting(key(name, "rpc-url"))
                    .orElseThrow(() -> new IllegalArgumentException("families.chain." + key(name, "rpc-url")
                            + " is needed for the network '" + name + "' of families.chain.evm-networks: its "
                            + "JSON-RPC address, e.g. http://127.0.0.1:8545"));
            String chainId = context.setting(key(name, "chain-id"))
                    .orElseThrow(() -> new IllegalArgumentException("families.chain." + key(name, "chain-id")
                            + " is needed for the network '" + name + "' of families.chain.evm-networks: its "
                            + "EIP-155 chain id, e.g. 31337"));
            evm.put(
                    name,
                    new EvmNetworks.Network(
                            name,
                            rpcUrl(name, url),
                            chainId(name, chainId),
                            context.setting(key(name, "symbol")).orElse(CUSTOM_SYMBOL),
                            tokens(name, context.setting(key(name, "tokens")).orElse(""))));
        }
        return new ChainSettings(
                Duration.ofSeconds(seconds("rpc-timeout-seconds", context.requiredSetting("rpc-timeout-seconds"))),
                Collections.unmodifiableMap(evm),
                url("ton.endpoint", context.requiredSetting("ton.endpoint")),
                Optional.of(context.requiredSetting("ton.api-key")).filter(k -> !k.isBlank()),
                TonTransfers.jettons(context.requiredSetting("ton.jettons")));
    }

    private static String key(String network, String key) {
        return "evm." + network + "." + key;
    }

    private static long seconds(String key, String value) {
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds >= 1) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(
                "families.chain." + key + " must be a whole number of seconds, at least 1, not '" + value + "'");
    }

    private static String rpcUrl(String network, String value) {
        return url(key(network, "rpc-url"), value);
    }

    /** An http or https address; the clients speak nothing else. */
    private static String url(String key, String value) {
        return SettingValues.httpUrl("families.chain." + key, value);
    }

    private static long chainId(String network, String value) {
        try {
            long chainId = Long.parseLong(value.trim());
            if (chainId >= 1) {
                return chainId;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("families.chain." + key(network, "chain-id")
                + " must be the network's EIP-155 chain id, a whole number such as 1 or 31337, not '" + value + "'");
    }

    /** {@code evm.<network>.tokens}: "USDT=0x...,USDC=0x...", symbol (upper case) to contract address. */
    private static Map<String, String> tokens(String network, String value) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || !parts[1].trim().matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException("families.chain." + key(network, "tokens")
                        + " takes SYMBOL=0xADDRESS pairs separated by commas, not '" + entry.trim() + "'");
            }
            tokens.put(parts[0].trim().toUpperCase(Locale.ROOT), parts[1].trim());
        }
        return Map.copyOf(tokens);
    }
}
