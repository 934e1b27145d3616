package dev.hal9.tools.analysis;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.SettingValues;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The analysis family's settings ({@code families.analysis.*}), read once when the family's tools are built, so that
 * a bad value stops the server at start with the key and what to write there, not a tool call later. Defaults that
 * are one value are in the family's {@code hal9/family-defaults.yaml} and nowhere else. Defaults that depend on
 * something else are computed here, and only here, and the YAML's comments describe them: a network's routers and
 * CoinGecko ids depend on the network's name, and a {@code evm.<network>} key can take no default in that file (the
 * runtime refuses one), so they are the table {@code WELL_KNOWN}; Brave's and Tavily's own addresses depend on
 * {@code search.provider}; the upload folder is in the family's data folder.
 *
 * @param rpcBudget {@code rpc-budget}: the most RPC requests one onchain_analyze may send
 * @param rpcConcurrency {@code rpc-concurrency}: how many of them may be in flight at once
 * @param logWindowBlocks {@code log-window-blocks}: how many of the latest blocks' Transfer logs are read
 * @param logChunkBlocks {@code log-chunk-blocks}: how many blocks one eth_getLogs request covers
 * @param cacheFor {@code cache-seconds}: how long reads serve the next analyses
 * @param prices {@code prices}: the prices calculate may use, by name (lower case)
 * @param httpTimeout {@code http-timeout-seconds}: how long one request to a search, market or GitHub API may take
 * @param search {@code search.*}: web_search's provider
 * @param feeds {@code feeds}: the RSS or Atom feeds sentiment reads
 * @param market {@code market.*}: the CoinGecko-shaped market-data API
 * @param github {@code github.*}: GitHub's REST API and a token for it
 * @param filesFolder {@code files.folder}, or uploads/ in the family's data folder: what file_read reads
 * @param networks {@code evm.<network>.*} by network name, for the chain family's built-in networks and those of its
 *     {@code families.chain.evm-networks} (the networks the chain family's Evm service knows)
 */
record AnalysisSettings(
        int rpcBudget,
        int rpcConcurrency,
        long logWindowBlocks,
        long logChunkBlocks,
        Duration cacheFor,
        Map<String, BigDecimal> prices,
        Duration httpTimeout,
        Search search,
        List<String> feeds,
        Api market,
        Api github,
        Path filesFolder,
        Map<String, Network> networks) {

    /**
     * web_search's provider.
     *
     * @param provider searxng, brave or tavily
     * @param baseUrl its address without a trailing slash; empty for a SearXNG nobody configured
     * @param apiKey its key, or empty
     */
    record Search(String provider, String baseUrl, String apiKey) {}

    /**
     * An HTTP API.
     *
     * @param baseUrl its address, without a trailing slash
     * @param key its key or token, or empty
     */
    record Api(String baseUrl, String key) {}

    /**
     * What the family knows of one EVM network.
     *
     * @param routers {@code routers}: the Uniswap-v2-style routers whose pools are analysed, lower case
     * @param coingeckoPlatform {@code coingecko-platform}: the market API's platform id of the network's tokens
     * @param coingeckoNative {@code coingecko-native}: the market API's id of the network's native coin
     */
    record Network(List<String> routers, Optional<String> coingeckoPlatform, Optional<String> coingeckoNative) {}

    /**
     * The chain family's built-in networks (which its {@code evm-networks} does not list) and the defaults of their
     * {@code evm.<network>.*}: Uniswap v2, PancakeSwap v2 and QuickSwap, and CoinGecko's ids. Other networks have
     * none.
     */
    private static final Map<String, Network> WELL_KNOWN = Map.of(
            "ethereum",
                    new Network(
                            List.of("0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"),
                            Optional.of("ethereum"),
                            Optional.of("ethereum")),
            "bsc",
                    new Network(
                            List.of("0x10ED43C718714eb63d5aA57B78B54704E256024E"),
                            Optional.of("binance-smart-chain"),
                            Optional.of("binancecoin")),
            "polygon",
                    new Network(
                            List.of("0xa5E0829CaCEd8fFDD4De3c43696c57F7D7A678ff"),
                            Optional.of("polygon-pos"),
                            Optional.of("polygon-ecosystem-token")),
            "mantle", new Network(List.of(), Optional.of("mantle"), Optional.of("mantle")));

    /** Where Brave's and Tavily's APIs are when {@code search.base-url} is unset; SearXNG has no such address. */
    private static final Map<String, String> SEARCH_APIS =
            Map.of("brave", "https://api.search.brave.com/res/v1", "tavily", "https://api.tavily.com");

    private static final List<String> PROVIDERS = List.of("searxng", "brave", "tavily");

    /** A network the chain family has and this family was not told of (none in a server: both read one list). */
    private static final Network NONE = new Network(List.of(), Optional.empty(), Optional.empty());

    static AnalysisSettings from(FamilyContext context) {
        return new AnalysisSettings(
                integer(context, "rpc-budget", 10, 100_000),
                integer(context, "rpc-concurrency", 1, 64),
                integer(context, "log-window-blocks", 1, Integer.MAX_VALUE),
                integer(context, "log-chunk-blocks", 1, Integer.MAX_VALUE),
                Duration.ofSeconds(integer(context, "cache-seconds", 0, 86_400)),
                prices(context.requiredSetting("prices")),
                Duration.ofSeconds(integer(context, "http-timeout-seconds", 1, 600)),
                search(context),
                Arrays.stream(context.requiredSetting("feeds").split(","))
                        .map(String::trim)
                        .filter(f -> !f.isEmpty())
                        .toList(),
                new Api(
                        url("market.base-url", context.requiredSetting("market.base-url")),
                        context.requiredSetting("market.api-key").trim()),
                new Api(
                        url("github.base-url", context.requiredSetting("github.base-url")),
                        context.requiredSetting("github.token").trim()),
                context.setting("files.folder")
                        .map(String::trim)
                        .filter(f -> !f.isEmpty())
                        .map(Path::of)
                        .orElse(context.dataDirectory().resolve("uploads"))
                        .toAbsolutePath()
                        .normalize(),
                networks(context));
    }

    /** The network's settings, by the name the chain family gives it. */
    Network network(String name) {
        return networks.getOrDefault(name.toLowerCase(Locale.ROOT), NONE);
    }

    private static Search search(FamilyContext context) {
        String provider = context.requiredSetting("search.provider").trim().toLowerCase(Locale.ROOT);
        if (!PROVIDERS.contains(provider)) {
            throw new IllegalArgumentException(
                    "families.analysis.search.provider must be searxng, brave or tavily, not '" + provider + "'");
        }
        String configured = context.setting("search.base-url").orElse("").trim();
        String baseUrl =
                configured.isEmpty() ? SEARCH_APIS.getOrDefault(provider, "") : url("search.base-url", configured);
        return new Search(
                provider, baseUrl, context.requiredSetting("search.api-key").trim());
    }

    private static Map<String, Network> networks(FamilyContext context) {
        Set<String> names = new LinkedHashSet<>(WELL_KNOWN.keySet());
        Arrays.stream(context.setting("chain", "evm-networks").orElse("").split(","))
                .map(String::trim)
                .filter(n -> !n.isEmpty())
                .map(n -> n.toLowerCase(Locale.ROOT))
                .forEach(names::add);
        Map<String, Network> networks = new LinkedHashMap<>();
        for (String name : names) {
            Network known = WELL_KNOWN.getOrDefault(name, NONE);
            networks.put(
                    name,
                    new Network(
                            context.setting("evm." + name + ".routers")
                                    .map(routers -> routers(name, routers))
                                    .orElse(lowerCase(known.routers())),
                            context.setting("evm." + name + ".coingecko-platform")
                                    .or(known::coingeckoPlatform),
                            context.setting("evm." + name + ".coingecko-native").or(known::coingeckoNative)));
        }
        return Map.copyOf(networks);
    }

    /** {@code evm.<network>.routers}: router addresses separated by commas. */
    private static List<String> routers(String network, String setting) {
        List<String> routers = new ArrayList<>();
        for (String router : setting.split(",")) {
            String r = router.trim();
            if (r.isEmpty()) {
                continue;
            }
            if (!r.matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException("families.analysis.evm." + network + ".routers takes router "
                        + "addresses (0x + 40 hex) separated by commas, not '" + r + "'");
            }
            routers.add(r);
        }
        return lowerCase(routers);
    }

    private static List<String> lowerCase(List<String> addresses) {
        return addresses.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
    }

    /** {@code prices}: "eth_usd=3120.55,ton_usd=5.2". */
    static Map<String, BigDecimal> prices(String setting) {
        Map<String, BigDecimal> prices = new LinkedHashMap<>();
        for (String entry : Arrays.stream(setting.split(","))
                .map(String::trim)
                .filter(e -> !e.isEmpty())
                .toList()) {
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || !parts[0].trim().matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException(
                        "families.analysis.prices takes name=price pairs such as eth_usd=3120.55, not '" + entry + "'");
            }
            try {
                prices.put(parts[0].trim().toLowerCase(Locale.ROOT), new BigDecimal(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "families.analysis.prices: '" + parts[1].trim() + "' is not a decimal number");
            }
        }
        return Map.copyOf(prices);
    }

    /** A whole-number setting within bounds. */
    private static int integer(FamilyContext context, String key, int min, int max) {
        String value = context.requiredSetting(key).trim();
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("families.analysis." + key + " must be a whole number from " + min
                    + " to " + max + ", not '" + value + "'");
        }
    }

    /** An http or https address, without a trailing slash. */
    private static String url(String key, String value) {
        return SettingValues.httpUrl("families.analysis." + key, value).replaceAll("/+$", "");
    }
}
