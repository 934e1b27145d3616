package dev.hal9.tools.analysis;

import com.github.benmanes.caffeine.cache.Cache;
import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import dev.hal9.tools.chain.Evm;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * token_market: a token's market data from the market-data API the operator configured (CoinGecko's API shape:
 * {@code /coins/{platform}/contract/{address}}, {@code /coins/{id}}, {@code /simple/price}), set beside what the
 * chain says (total supply, the price in its Uniswap-v2-style pool), with the differences flagged. Money is
 * {@link BigDecimal} throughout. Thread-safe.
 */
final class MarketTool {

    record MarketInput(
            @Param(value = "The token's contract address; or give coin.", pattern = "^0x[0-9a-fA-F]{40}$")
            String address,

            @Param(value = "The network of the address, e.g. ethereum, bsc, polygon.", maxLength = 40)
            String network,

            @Param(value = "Or the market API's coin id, e.g. \"bitcoin\", \"the-open-network\".", maxLength = 100)
            String coin) {}

    record MarketOutput(
            @Param("The market API's id of the coin.") String id,
            @Param("Its name.") String name,
            @Param("Its symbol.") String symbol,
            @Param("Price in USD.") String priceUsd,
            @Param("Market capitalisation in USD.") String marketCapUsd,
            @Param("Fully diluted valuation in USD.") String fdvUsd,
            @Param("Volume over 24 hours in USD.") String volume24hUsd,
            @Param("Circulating supply, whole tokens.") String circulatingSupply,

            @Param("Total supply, whole tokens, as the market API says.")
            String totalSupply,

            @Param("Maximum supply, when there is one.") String maxSupply,
            @Param("When the market API last updated it.") String lastUpdated,

            @Param("totalSupply() read from the chain, whole tokens.")
            String onchainTotalSupply,

            @Param("The price in its pool on the chain, in USD (the pool's native price times the native coin's).")
            String poolPriceUsd,

            @Param("The pool the price is from, and its reserves.")
            String pool,

            @Param("Where the market data and the chain disagree, and by how much.")
            List<String> differences,

            @Param("The market API used.") String source) {}

    private static final BigDecimal TOLERANCE = new BigDecimal("0.05");

    private final FamilyContext context;
    private final AnalysisSettings settings;
    private final Web web;
    private final Cache<String, Object> cache;
    private final String baseUrl;
    private final String apiKey;

    MarketTool(FamilyContext context, AnalysisSettings settings, Web web, Cache<String, Object> cache) {
        this.context = context;
        this.settings = settings;
        this.web = web;
        this.cache = cache;
        this.baseUrl = settings.market().baseUrl();
        this.apiKey = settings.market().key();
    }

    Tool<MarketInput, MarketOutput> tool() {
        return Tool.builder("token_market", MarketInput.class, MarketOutput.class)
                .title("Market data of a token")
                .description("A token's price, market cap, fully diluted valuation, 24-hour volume and circulating, "
                        + "total and maximum supply from the market-data API the operator configured (CoinGecko's), "
                        + "by contract address and network or by coin id, compared with the chain: totalSupply() and "
                        + "the price in its Uniswap-v2 pool, with every difference over 5% flagged.")
                .kind(ToolKind.READ_ONLY)
                .capability("analysis.web")
                .handler(this::market)
                .render(o -> o.name() + " (" + o.symbol() + "): $" + o.priceUsd() + ", market cap $" + o.marketCapUsd()
                        + ", FDV $" + o.fdvUsd() + ", 24h volume $" + o.volume24hUsd()
                        + (o.poolPriceUsd() == null ? "" : "; pool price $" + o.poolPriceUsd())
                        + (o.differences().isEmpty() ? "" : "\nDifferences: " + String.join("; ", o.differences())))
                .build();
    }

    private MarketOutput market(MarketInput input, ToolCall call) {
        boolean byAddress = input.address() != null && !input.address().isBlank();
        boolean byCoin = input.coin() != null && !input.coin().isBlank();
        if (byAddress == byCoin) {
            throw ToolException.badArgument("address", "give either address and network, or coin");
        }
        JsonNode coin;
        Evm evm = null;
        String network = null;
        String address = null;
        if (byAddress) {
            if (input.network() == null || input.network().isBlank()) {
                throw ToolException.badArgument("network", "is needed with address");
            }
            evm = context.service(Evm.class)
                    .orElseThrow(() -> new ToolException("token_market by address needs the chain family"));
            network = evm.network(input.network()).name();
            address = evm.address(input.address(), "address");
            String platform = settings.network(network).coingeckoPlatform().orElse(null);
            if (platform == null) {
                throw new ToolException("the market API's platform for " + network + " is not known: set "
                        + "families.analysis.evm." + network + ".coingecko-platform");
            }
            coin = get(
                    "/coins/" + platform + "/contract/" + address.toLowerCase(Locale.ROOT),
                    "no coin on " + platform + " has the contract " + address);
        } else {
            if (!input.coin().matches("[a-z0-9-]{1,100}")) {
                throw ToolException.badArgument(
                        "coin", "is a CoinGecko id such as \"bitcoin\" (lower case, digits, -)");
            }
            coin = get(
                    "/coins/" + input.coin() + "?"
                            + Web.query(Map.of(
                                    "localization",
                                    "false",
                                    "tickers",
                                    "false",
                                    "community_data",
                                    "false",
                                    "developer_data",
                                    "false")),
                    "the market API has no coin '" + input.coin() + "'");
        }
        JsonNode data = coin.path("market_data");
        BigDecimal price = usd(data, "current_price");
        BigDecimal totalSupply = decimal(data.get("total_supply"));
        List<String> differences = new ArrayList<>();
        String onchainSupply = null;
        String poolPrice = null;
        String pool = null;
        if (byAddress) {
            Reads reads = new Reads(evm, network, cache, 40);
            Optional<BigInteger> supply =
                    reads.view(address, Signatures.TOTAL_SUPPLY).flatMap(r -> Abi.uint(r, 0));
            int decimals = reads.view(address, Signatures.DECIMALS)
                    .flatMap(r -> Abi.uint(r, 0))
                    .filter(d -> d.bitLength() < 8)
                    .map(BigInteger::intValue)
                    .orElse(18);
            if (supply.isPresent()) {
                BigDecimal chain = new BigDecimal(supply.get()).movePointLeft(decimals);
                onchainSupply = chain.stripTrailingZeros().toPlainString();
                differ("total supply", chain, totalSupply, differences);
            }
            Optional<Pools.Price> inPool =
                    Pools.price(reads, settings.network(network).routers(), address, decimals);
            if (inPool.isPresent()) {
                String nativeId = settings.network(network).coingeckoNative().orElse(null);
                BigDecimal nativeUsd = nativeId == null ? null : nativePrice(nativeId);
                pool = inPool.get().describe();
                if (nativeUsd != null) {
                    BigDecimal usd = inPool.get().nativePerToken().multiply(nativeUsd, MathContext.DECIMAL64);
                    poolPrice = plain(usd);
                    differ("pool price", usd, price, differences);
                } else {
                    differences.add("the pool price could not be given in USD: set families.analysis.evm." + network
                            + ".coingecko-native to the native coin's id");
                }
            }
        }
        return new MarketOutput(
                Web.text(coin, "id"),
                Web.text(coin, "name"),
                Web.text(coin, "symbol") == null
                        ? null
                        : Web.text(coin, "symbol").toUpperCase(Locale.ROOT),
                plain(price),
                plain(usd(data, "market_cap")),
                plain(usd(data, "fully_diluted_valuation")),
                plain(usd(data, "total_volume")),
                plain(decimal(data.get("circulating_supply"))),
                plain(totalSupply),
                plain(decimal(data.get("max_supply"))),
                Web.text(data, "last_updated") != null
                        ? Web.text(data, "last_updated")
                        : Web.text(coin, "last_updated"),
                onchainSupply,
                poolPrice,
                pool,
                differences,
                baseUrl);
    }

    private BigDecimal nativePrice(String id) {
        JsonNode json = get(
                "/simple/price?" + Web.query(Map.of("ids", id, "vs_currencies", "usd")),
                "the market API has no price for '" + id + "'");
        return decimal(json.path(id).get("usd"));
    }

    private JsonNode get(String path, String notFound) {
        Map<String, String> headers = apiKey.isEmpty()
                ? Map.of()
                : Map.of(baseUrl.contains("pro-api") ? "x-cg-pro-api-key" : "x-cg-demo-api-key", apiKey);
        Web.Answer answer = web.get("the market API", "families.analysis.market.base-url", baseUrl + path, headers);
        if (answer.status() == 404) {
            throw new ToolException(notFound + " (the market API answered 404)");
        }
        return Web.ok("the market API", "families.analysis.market.api-key", answer)
                .json("the market API");
    }

    private static void differ(String what, BigDecimal chain, BigDecimal market, List<String> differences) {
        if (chain == null || market == null || market.signum() == 0) {
            return;
        }
        BigDecimal gap = chain.subtract(market).abs().divide(market, 6, RoundingMode.HALF_UP);
        if (gap.compareTo(TOLERANCE) > 0) {
            differences.add(what + ": the chain says " + plain(chain) + ", the market API " + plain(market) + " ("
                    + gap.movePointRight(2).setScale(1, RoundingMode.HALF_UP).toPlainString() + "% apart)");
        }
    }

    private static BigDecimal usd(JsonNode data, String field) {
        return decimal(data.path(field).get("usd"));
    }

    private static BigDecimal decimal(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            return value.isNumber() ? value.decimalValue() : new BigDecimal(value.asString());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String plain(BigDecimal value) {
        return value == null
                ? null
                : value.round(MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
    }
}
