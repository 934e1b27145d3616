package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.error;
import static dev.hal9.conformance.EvmPaymentsTest.structured;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jcajce.provider.digest.Keccak;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * onchain_analyze through the Java SDK's client against the packaged server, on anvil: Uniswap v2's own compiled
 * factory, router and WETH9 (npm {@code @uniswap/v2-core} and {@code v2-periphery}), OpenZeppelin's ERC1967Proxy
 * and Clones, and tokens written here that each show one risk ({@code contracts/RiskTokens.sol}, compiled by
 * solc-js now). Each detector fires on its token and stays silent on CleanToken.
 */
class AnalysisFlowTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final BigInteger TOKENS = BigInteger.TEN.pow(18);
    private static final BigInteger SUPPLY = BigInteger.valueOf(1_000_000_000).multiply(TOKENS);
    private static final String HOLDER_A = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private static final String HOLDER_B = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
    private static final String HOLDER_C = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";

    private static Anvil anvil;
    private static PackagedServer server;
    private static McpSyncClient client;
    private static JsonNode compiled;
    private static String router;
    private static final Map<String, String> tokens = new LinkedHashMap<>();
    private static String proxy;
    private static final Map<String, String> proxies = new HashMap<>();
    private static String clone;
    private static String counter;
    private static FakeResearchApis apis;
    private static final Map<String, String> environment = new HashMap<>();

    @BeforeAll
    static void chain() throws Exception {
        anvil = new Anvil();
        compiled = compile(Peers.dir().resolve("contracts/RiskTokens.sol"));
        Path uniswap = Peers.dir().resolve("node_modules/@uniswap");
        String weth = deploy(artifact(uniswap.resolve("v2-periphery/build/WETH9.json")));
        String factory = deploy(artifact(uniswap.resolve("v2-core/build/UniswapV2Factory.json")) + word(Anvil.FUNDER));
        router = deploy(
                artifact(uniswap.resolve("v2-periphery/build/UniswapV2Router02.json")) + word(factory) + word(weth));
        for (String name : List.of(
                "CleanToken",
                "MintableToken",
                "FeeToken",
                "BlacklistToken",
                "PausableToken",
                "HoneypotToken",
                "SellLimitToken",
                "HiddenMintToken",
                "BalanceToken",
                "LimitsToken",
                "SelfDestructToken",
                "HookToken",
                "LaunchToken")) {
            String token = deploy(bytecode(name) + word(SUPPLY));
            tokens.put(name, token);
            send(token, "0xa9059cbb" + word(HOLDER_A) + word(SUPPLY.divide(BigInteger.TEN))); // transfer 10%
            send(token, "0xa9059cbb" + word(HOLDER_B) + word(SUPPLY.divide(BigInteger.valueOf(20)))); // 5%
            if (!name.equals("SelfDestructToken")) {
                send(token, "0x095ea7b3" + word(router) + word(SUPPLY)); // approve
                // addLiquidityETH(token, 30% of the supply, 0, 0, funder, deadline) with 10 ETH
                anvil.sendFromFunder(
                        router,
                        BigInteger.TEN.pow(19),
                        "0xf305d719" + word(token)
                                + word(SUPPLY.multiply(BigInteger.valueOf(3)).divide(BigInteger.TEN))
                                + word(BigInteger.ZERO) + word(BigInteger.ZERO) + word(Anvil.FUNDER)
                                + word(BigInteger.TWO.pow(40)));
            }
        }
        // the clean token is spread out and its liquidity burned, as a fair launch would be
        String clean = tokens.get("CleanToken");
        send(clean, "0xa9059cbb" + word(HOLDER_C) + word(SUPPLY.divide(BigInteger.TWO)));
        String cleanPair = address(
                anvil.rpc("eth_call", Map.of("to", factory, "data", "0xe6a43905" + word(clean) + word(weth)), "latest")
                        .asString());
        BigInteger lp = anvil.tokenBalance(cleanPair, Anvil.FUNDER);
        send(cleanPair, "0xa9059cbb" + word("0x000000000000000000000000000000000000dEaD") + word(lp));
        String pair = address(anvil.rpc(
                        "eth_call",
                        Map.of("to", factory, "data", "0xe6a43905" + word(tokens.get("HoneypotToken")) + word(weth)),
                        "latest")
                .asString());
        send(tokens.get("HoneypotToken"), selector("setPool(address)") + word(pair));
        send(tokens.get("HiddenMintToken"), selector("renounceOwnership()"));
        send(tokens.get("BlacklistToken"), selector("blacklist(address)") + word(HOLDER_B));

        String logic = deploy(bytecode("UpgradeableToken"));
        tokens.put("UpgradeableToken", logic); // the logic contract itself, analysed apart from its proxy
        String initialize = selector("initialize(uint256,address)") + word(SUPPLY) + word(Anvil.FUNDER);
        proxy = deploy(bytecode("TokenProxy")
                + word(logic)
                + word(BigInteger.valueOf(64))
                + word(BigInteger.valueOf((initialize.length() - 2) / 2))
                + pad(initialize.substring(2)));
        // the proxies as their authors compiled them: OpenZeppelin's and Safe's npm artifacts
        Path oz = Peers.dir().resolve("node_modules/@openzeppelin/contracts/build/contracts");
        String data = word(BigInteger.valueOf((initialize.length() - 2) / 2)) + pad(initialize.substring(2));
        proxies.put(
                "TransparentUpgradeableProxy",
                deploy(artifact(oz.resolve("TransparentUpgradeableProxy.json"))
                        + word(logic)
                        + word(Anvil.FUNDER)
                        + word(BigInteger.valueOf(96))
                        + data));
        String beacon = deploy(artifact(oz.resolve("UpgradeableBeacon.json")) + word(logic) + word(Anvil.FUNDER));
        proxies.put("beacon", beacon);
        proxies.put(
                "BeaconProxy",
                deploy(artifact(oz.resolve("BeaconProxy.json")) + word(beacon) + word(BigInteger.valueOf(64)) + data));
        proxies.put(
                "SafeProxy",
                deploy(artifact(
                                Peers.dir()
                                        .resolve(
                                                "node_modules/@safe-global/safe-contracts/build/artifacts/contracts/proxies/SafeProxy.sol/SafeProxy.json"))
                        + word(tokens.get("CleanToken"))));
        proxies.put("logic", logic);
        String cloneFactory = deploy(bytecode("CloneFactory"));
        JsonNode receipt = anvil.sendFromFunder(
                cloneFactory, BigInteger.ZERO, selector("clone(address)") + word(tokens.get("CleanToken")));
        clone = "0x" + receipt.get("logs").get(0).get("data").asString().substring(26);
        counter = deploy(bytecode("Counter"));

        environment.put("HAL9_FAMILIES_CHAIN_EVM__NETWORKS", "anvil");
        environment.put("HAL9_FAMILIES_CHAIN_EVM_ANVIL_RPC__URL", anvil.url);
        environment.put("HAL9_FAMILIES_CHAIN_EVM_ANVIL_CHAIN__ID", String.valueOf(Anvil.CHAIN_ID));
        environment.put("HAL9_FAMILIES_ANALYSIS_EVM_ANVIL_ROUTERS", router);
        apis = new FakeResearchApis();
        apis.coins.put(
                "anvil-test/" + tokens.get("FeeToken").toLowerCase(),
                FakeResearchApis.coin(
                        "id",
                        "fee-token",
                        "symbol",
                        "fee",
                        "name",
                        "Fee Token",
                        "platform",
                        "\"anvil-test\"",
                        "price",
                        "0.00013",
                        "cap",
                        "71500",
                        "fdv",
                        "130000",
                        "volume",
                        "1200.5",
                        "circulating",
                        "550000000",
                        "total",
                        "1000000000",
                        "max",
                        "null"));
        environment.put("HAL9_FAMILIES_ANALYSIS_MARKET_BASE__URL", apis.base() + "/coingecko/api/v3");
        environment.put("HAL9_FAMILIES_ANALYSIS_EVM_ANVIL_COINGECKO__PLATFORM", "anvil-test");
        environment.put("HAL9_FAMILIES_ANALYSIS_EVM_ANVIL_COINGECKO__NATIVE", "ethereum");
        environment.put("HAL9_FAMILIES_ANALYSIS_GITHUB_BASE__URL", apis.base() + "/github");
        server = PackagedServer.http(PackagedServer.newHome(), environment);
        client = McpClient.sync(HttpClientStreamableHttpTransport.builder(server.base())
                        .endpoint("/mcp")
                        .build())
                .requestTimeout(Duration.ofSeconds(180))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("analysis-test", "1"))
                .build();
        client.initialize();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.closeGracefully();
        }
        if (server != null) {
            server.close();
        }
        anvil.close();
        if (apis != null) {
            apis.close();
        }
    }

    @Test
    void tokenMarketSetsTheChainBesideTheMarket() {
        Map<?, ?> market = structured(client.callTool(new McpSchema.CallToolRequest(
                "token_market", Map.of("address", tokens.get("FeeToken"), "network", "anvil"))));
        assertThat(market.get("id")).isEqualTo("fee-token");
        assertThat(market.get("onchainTotalSupply")).isEqualTo("1000000000");
        // 10 ETH against 300,000,000 tokens at 3,120.55 USD per ETH
        assertThat(market.get("poolPriceUsd")).isEqualTo("0.0001040183333333333");
        List<?> differences = (List<?>) market.get("differences");
        assertThat(differences).hasSize(1);
        assertThat(differences.get(0).toString())
                .startsWith(
                        "pool price: the chain says 0.0001040183333333333, the " + "market API 0.00013 (20.0% apart)");
        String unknown = error(client.callTool(new McpSchema.CallToolRequest(
                "token_market", Map.of("address", tokens.get("CleanToken"), "network", "anvil"))));
        assertThat(unknown).contains("no coin on anvil-test has the contract");
    }

    @Test
    void projectTeamNamesTheDeployer() {
        Map<?, ?> team = structured(client.callTool(new McpSchema.CallToolRequest(
                "project_team",
                Map.of("github", "halswap/core", "address", tokens.get("MintableToken"), "network", "anvil"))));
        Map<?, ?> deployer = (Map<?, ?>) team.get("deployer");
        assertThat(deployer.get("address").toString()).isEqualToIgnoringCase(Anvil.FUNDER);
        assertThat(deployer.get("isOwner")).isEqualTo(true);
        assertThat(deployer.get("share")).isEqualTo("0.55");
        assertThat(team.get("mainRepository")).isEqualTo("halswap/core");
    }

    @Test
    void theCleanTokenRaisesNothing() {
        Map<?, ?> report = analyze(tokens.get("CleanToken"));
        Map<?, ?> fields = (Map<?, ?>) report.get("fields");
        assertThat(report.get("standard")).isEqualTo("erc20");
        assertThat(report.get("name")).isEqualTo("Clean Token");
        assertThat(report.get("risk")).as(report.get("summary").toString()).isIn("none", "low");
        for (String field : List.of(
                "is_proxy",
                "is_mintable",
                "owner_change_balance",
                "transfer_pausable",
                "is_blacklisted",
                "is_whitelisted",
                "slippage_modifiable",
                "is_anti_whale",
                "trading_cooldown",
                "selfdestruct",
                "hidden_owner",
                "can_take_back_ownership",
                "cannot_buy",
                "cannot_sell_all",
                "is_honeypot",
                "external_call",
                "delegatecall",
                "upgradeable")) {
            assertThat(fields.get(field))
                    .as(field + " in " + report.get("summary"))
                    .isEqualTo("0");
        }
        assertThat(fields.get("buy_tax")).isEqualTo("0");
        assertThat(fields.get("sell_tax")).isEqualTo("0");
        assertThat(fields.get("transfer_tax")).isEqualTo("0");
        assertThat(fields.get("owner_address")).isNull();
        assertThat(((String) fields.get("creator_address")).toLowerCase()).isEqualTo(Anvil.FUNDER);
        assertThat(report.get("holdersComplete")).isEqualTo(true);
        // the funder, A, B, C and the pair hold it
        assertThat(report.get("holderCount")).isEqualTo(5);
        List<?> holders = (List<?>) report.get("holders");
        assertThat(holders).hasSize(5);
        assertThat(((Map<?, ?>) holders.get(0)).get("address").toString()).isEqualToIgnoringCase(HOLDER_C);
        assertThat(((Map<?, ?>) holders.get(0)).get("percent")).isEqualTo("0.5");
        assertThat(holders.stream()
                        .map(h -> (Object) ((Map<?, ?>) h).get("tag"))
                        .toList())
                .contains("creator");
        assertThat(fields.get("creator_percent")).isEqualTo("0.05");
        assertThat(fields.get("lp_burned")).isEqualTo("1");
        List<?> pools = (List<?>) report.get("pools");
        assertThat(pools).hasSize(1);
        assertThat(((Map<?, ?>) pools.get(0)).get("reserve")).isEqualTo("300000000");
        assertThat((Integer) report.get("rpcCalls")).isLessThanOrEqualTo((Integer) report.get("rpcBudget"));
        assertThat((List<?>) report.get("notDone")).isEmpty();
    }

    @Test
    void eachRiskyTokenTriggersItsDetector() {
        expect("MintableToken", "is_mintable", "1", "mint(address,uint256)");
        expect("FeeToken", "slippage_modifiable", "1", "setFee(uint256)");
        expect("FeeToken", "is_whitelisted", "1", "excludeFromFee(address)");
        expect("BlacklistToken", "is_blacklisted", "1", "blacklist(address)");
        expect("PausableToken", "transfer_pausable", "1", "pause()");
        expect("HoneypotToken", "is_honeypot", "1", "reverted");
        expect("SellLimitToken", "cannot_sell_all", "1", "selling half succeeded");
        expect("HiddenMintToken", "is_mintable", "1", "Transfer from 0x0");
        expect("HiddenMintToken", "hidden_owner", "1", "storage slot");
        expect("HiddenMintToken", "can_take_back_ownership", "1", "still holds privileges");
        expect("BalanceToken", "owner_change_balance", "1", "without a Transfer event");
        expect("LimitsToken", "is_anti_whale", "1", "setMaxTxAmount(uint256)");
        expect("LimitsToken", "trading_cooldown", "1", "setCooldown(uint256)");
        expect("SelfDestructToken", "selfdestruct", "1", "SELFDESTRUCT");
        expect("HookToken", "external_call", "1", "the transfer makes a CALL");
        expect("LaunchToken", "cannot_buy", "1", "reverts: \"trading not open\"");
        expect("LaunchToken", "transfer_pausable", "1", "openTrading()");
        expect("UpgradeableToken", "delegatecall", "1", "DELEGATECALL");
        expect("UpgradeableToken", "upgradeable", "1", "upgradeToAndCall(address,bytes)");
        expect("FeeToken", "creator_percent", "0.55", "balanceOf(");

        Map<?, ?> fee = analyze(tokens.get("FeeToken"));
        Map<?, ?> fields = (Map<?, ?>) fee.get("fields");
        assertThat(fields.get("buy_tax")).isEqualTo("0.05");
        assertThat(fields.get("sell_tax")).isEqualTo("0.05");
        assertThat(fields.get("transfer_tax")).isEqualTo("0.05");
        assertThat(fields.get("is_honeypot")).isEqualTo("0");
        assertThat(fields.get("owner_percent")).isNotNull();
        assertThat(fee.get("summary").toString()).contains("slippage_modifiable");
    }

    @Test
    void proxiesAreSeenThroughToTheirLogic() {
        Map<?, ?> upgradeable = analyze(proxy);
        Map<?, ?> proxyInfo = (Map<?, ?>) upgradeable.get("proxy");
        assertThat(proxyInfo.get("kind")).isEqualTo("EIP-1967");
        assertThat(((Map<?, ?>) upgradeable.get("fields")).get("is_proxy")).isEqualTo("1");
        assertThat(upgradeable.get("name")).isEqualTo("Upgradeable Token");
        for (String kind : List.of("TransparentUpgradeableProxy", "BeaconProxy")) {
            Map<?, ?> report = analyze(proxies.get(kind));
            Map<?, ?> info = (Map<?, ?>) report.get("proxy");
            assertThat(info.get("kind"))
                    .as(kind)
                    .isEqualTo(kind.equals("BeaconProxy") ? "EIP-1967 beacon" : "EIP-1967");
            assertThat(((List<?>) info.get("implementations")).get(0).toString())
                    .as(kind)
                    .isEqualToIgnoringCase(proxies.get("logic"));
            assertThat(report.get("name")).as(kind).isEqualTo("Upgradeable Token");
        }
        Map<?, ?> transparent =
                (Map<?, ?>) analyze(proxies.get("TransparentUpgradeableProxy")).get("proxy");
        assertThat(transparent.get("admin")).isNotNull(); // its ProxyAdmin, made by the constructor
        assertThat(((Map<?, ?>) analyze(proxies.get("BeaconProxy")).get("proxy"))
                        .get("beacon")
                        .toString())
                .isEqualToIgnoringCase(proxies.get("beacon"));
        Map<?, ?> safe = (Map<?, ?>) analyze(proxies.get("SafeProxy")).get("proxy");
        assertThat(safe.get("kind")).isEqualTo("Safe");
        assertThat(((List<?>) safe.get("implementations")).get(0).toString())
                .isEqualToIgnoringCase(tokens.get("CleanToken"));
        Map<?, ?> cloned = analyze(clone);
        assertThat(((Map<?, ?>) cloned.get("proxy")).get("kind")).isEqualTo("EIP-1167");
        assertThat(((List<?>) ((Map<?, ?>) cloned.get("proxy")).get("implementations"))
                        .get(0)
                        .toString())
                .isEqualToIgnoringCase(tokens.get("CleanToken"));
    }

    @Test
    void badInputGetsAClearAnswer() {
        Map<?, ?> notAToken = analyze(counter);
        assertThat(notAToken.get("standard")).isEqualTo("none");
        assertThat(notAToken.get("summary").toString()).contains("not a token");

        String eoa = error(call(Map.of("address", HOLDER_A, "network", "anvil")));
        assertThat(eoa).contains("has no code on anvil").contains("check the address and the network");
        String network = error(call(Map.of("address", tokens.get("CleanToken"), "network", "ropsten")));
        assertThat(network).contains("ropsten").contains("anvil");
    }

    @Test
    void theDeployedCodeIsComparedWithItsSource() throws Exception {
        String source = Files.readString(Peers.dir().resolve("contracts/RiskTokens.sol"));
        for (String token : List.of("FeeToken", "SellLimitToken")) { // SellLimitToken has an immutable
            Map<?, ?> report =
                    structured(call(Map.of("address", tokens.get(token), "network", "anvil", "source", source)));
            Map<?, ?> finding = finding(report, "source_matches");
            assertThat(finding.get("value")).as(token + ": " + finding).isEqualTo("1");
            assertThat(finding.get("summary").toString()).contains("is the compiled " + token);
        }
        Map<?, ?> behindProxy = structured(call(Map.of("address", proxy, "network", "anvil", "source", source)));
        assertThat(finding(behindProxy, "source_matches").get("summary").toString())
                .contains("is the compiled UpgradeableToken");

        // a contract from contract_generate, by its handle: not the code at the address
        Map<?, ?> generated = structured(client.callTool(new McpSchema.CallToolRequest(
                "contract_generate", Map.of("template", "erc20", "name", "Other Token", "symbol", "OTH"))));
        Map<?, ?> other = structured(call(Map.of(
                "address", tokens.get("MintableToken"), "network", "anvil", "contract", generated.get("contract"))));
        assertThat(finding(other, "source_matches").get("value")).isEqualTo("0");
        assertThat(finding(other, "source_matches").get("risk")).isEqualTo("medium");

        String broken = error(call(Map.of(
                "address", tokens.get("CleanToken"), "network", "anvil", "source", "contract Broken { uint x = ; }")));
        assertThat(broken).contains("does not compile").contains("Contract.sol:1:");
        String none = error(call(Map.of(
                "address",
                tokens.get("CleanToken"),
                "network",
                "anvil",
                "source",
                "interface I { function f() external; }")));
        assertThat(none).contains("defines no deployable contract");
    }

    private static Map<?, ?> finding(Map<?, ?> report, String field) {
        return ((List<?>) report.get("findings"))
                .stream()
                        .map(f -> (Map<?, ?>) f)
                        .filter(f -> field.equals(f.get("field")))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(field + " not in " + report.get("findings")));
    }

    @Test
    void aTightBudgetSaysWhatItLeftUndone() throws Exception {
        Map<String, String> environment = new HashMap<>(AnalysisFlowTest.environment);
        environment.put("HAL9_FAMILIES_ANALYSIS_RPC__BUDGET", "25");
        try (PackagedServer tight = PackagedServer.http(PackagedServer.newHome(), environment)) {
            // by the progress value the server gave: the client may hand notifications to the consumer out of order
            Map<Double, String> progress = new ConcurrentSkipListMap<>();
            CountDownLatch steps = new CountDownLatch(8);
            McpSyncClient small = McpClient.sync(HttpClientStreamableHttpTransport.builder(tight.base())
                            .endpoint("/mcp")
                            .build())
                    .requestTimeout(Duration.ofSeconds(120))
                    .clientInfo(new McpSchema.Implementation("analysis-test", "1"))
                    .progressConsumer(notification -> {
                        progress.put(notification.progress(), notification.message());
                        steps.countDown();
                    })
                    .build();
            small.initialize();
            Map<?, ?> report = structured(small.callTool(McpSchema.CallToolRequest.builder()
                    .name("onchain_analyze")
                    .arguments(Map.of("address", tokens.get("FeeToken"), "network", "anvil"))
                    .progressToken("analysis-1")
                    .build()));
            // each step reports itself as it starts
            assertThat(steps.await(30, TimeUnit.SECONDS))
                    .as(progress.toString())
                    .isTrue();
            assertThat(List.copyOf(progress.values()))
                    .containsSubsequence("proxy", "token", "holders", "privileges", "trade simulation");
            assertThat((Integer) report.get("rpcCalls")).isLessThanOrEqualTo(25);
            assertThat(report.get("notDone").toString()).contains("the RPC budget of 25 requests ran out");
            assertThat(report.get("summary").toString()).contains("Not done:");
            small.closeGracefully();
        }
    }

    /**
     * Issue 20: the onchain_analyze report as an MCP Apps view, loaded as a host loads it ({@link ViewHost}) and fed
     * the real report of a risky token: every finding in its risk's group with its evidence, a bar per holder.
     */
    @Test
    void theReportViewGroupsFindingsByRiskAndChartsTheHolders() throws Exception {
        Map<String, Object> arguments = Map.of("address", tokens.get("MintableToken"), "network", "anvil");
        McpSchema.CallToolResult result = call(arguments);
        Map<?, ?> report = structured(result);
        McpSchema.TextResourceContents page = (McpSchema.TextResourceContents)
                client.readResource(new McpSchema.ReadResourceRequest("ui://hal9/analysis/report"))
                        .contents()
                        .get(0);
        assertThat(page.mimeType()).isEqualTo("text/html;profile=mcp-app");
        List<?> findings = (List<?>) report.get("findings");
        List<?> holders = (List<?>) report.get("holders");
        try (ViewHost host = new ViewHost(Path.of("target", "views"))) {
            for (String theme : List.of("light", "dark")) {
                try (ViewHost.Shown shown = host.show(
                        "report", page.text(), page.meta(), theme, arguments, ViewHost.json(result), params -> {
                            throw new AssertionError("the report view called " + params);
                        })) {
                    shown.frame().locator("section.identity").waitFor();
                    assertThat(shown.frame().locator("section.identity").getAttribute("data-risk"))
                            .isEqualTo(report.get("risk"));
                    assertThat(shown.frame().locator("article.finding").count()).isEqualTo(findings.size());
                    for (Object each : findings) {
                        Map<?, ?> finding = (Map<?, ?>) each;
                        var shownFinding =
                                shown.frame().locator("article.finding[data-field=\"" + finding.get("field") + "\"]");
                        assertThat(shownFinding.getAttribute("data-risk")).isEqualTo(finding.get("risk"));
                        for (Object evidence : (List<?>) finding.get("evidence")) {
                            assertThat(shownFinding.textContent()).contains(String.valueOf(evidence));
                        }
                    }
                    assertThat(shown.frame().locator("g.holder").count()).isEqualTo(holders.size());
                    shown.screenshot("mintable");
                    assertThat(shown.contrastProblems())
                            .as("text under WCAG AA contrast")
                            .isEmpty();
                }
            }
        }
    }

    @Test
    void calculateIsExact() {
        Map<?, ?> sum = structured(client.callTool(
                new McpSchema.CallToolRequest("calculate", Map.of("expression", "0.1 ether + 0.2 ether to ether"))));
        assertThat(sum.get("result")).isEqualTo("0.3");
        Map<?, ?> gwei = structured(client.callTool(
                new McpSchema.CallToolRequest("calculate", Map.of("expression", "21000 * 30 gwei to ether"))));
        assertThat(gwei.get("result")).isEqualTo("0.00063");
        String mixed = error(
                client.callTool(new McpSchema.CallToolRequest("calculate", Map.of("expression", "1 ether + 1 TON"))));
        assertThat(mixed).contains("cannot add an amount of TON to an amount of ether");
    }

    private static void expect(String token, String field, String value, String evidence) {
        Map<?, ?> report = analyze(tokens.get(token));
        Map<?, ?> fields = (Map<?, ?>) report.get("fields");
        assertThat(fields.get(field))
                .as(token + " " + field + ": " + report.get("summary"))
                .isEqualTo(value);
        Map<?, ?> finding = ((List<?>) report.get("findings"))
                .stream()
                        .map(f -> (Map<?, ?>) f)
                        .filter(f -> field.equals(f.get("field")))
                        .findFirst()
                        .orElseThrow();
        assertThat(finding.get("evidence").toString()).as(token + " " + field).contains(evidence);
        assertThat(finding.get("risk")).as(token + " " + field).isNotEqualTo("none");
    }

    private static final Map<String, Map<?, ?>> reports = new HashMap<>();

    /** Each report is also written to target/analysis-reports, to read what a model would be told. */
    private static synchronized Map<?, ?> analyze(String address) {
        return reports.computeIfAbsent(address, a -> {
            McpSchema.CallToolResult result = call(Map.of("address", a, "network", "anvil"));
            Map<?, ?> report = structured(result);
            String name = tokens.entrySet().stream()
                    .filter(e -> e.getValue().equals(a))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse(a);
            try {
                Path folder = Files.createDirectories(Path.of("target", "analysis-reports"));
                Files.writeString(folder.resolve(name + ".txt"), EvmPaymentsTest.text(result));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return report;
        });
    }

    private static McpSchema.CallToolResult call(Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest("onchain_analyze", arguments));
    }

    // ---- setup on anvil

    private static JsonNode compile(Path source) throws Exception {
        Peers.Result result = Peers.run(
                List.of(
                        Peers.node22(),
                        Peers.dir().resolve("clients/compile-runtime.mjs").toString(),
                        source.toString()),
                Map.of(),
                Duration.ofSeconds(180));
        if (result.exit() != 0) {
            throw new IllegalStateException("solc failed: " + result.stderr());
        }
        return JSON.readTree(result.stdout());
    }

    private static String bytecode(String contract) {
        return compiled.get(contract).get("bytecode").asString();
    }

    private static String artifact(Path json) throws Exception {
        String code = JSON.readTree(Files.readString(json)).get("bytecode").asString();
        return code.startsWith("0x") ? code : "0x" + code;
    }

    private static String deploy(String creation) throws Exception {
        return anvil.sendFromFunder(null, BigInteger.ZERO, creation)
                .get("contractAddress")
                .asString();
    }

    private static void send(String to, String data) throws Exception {
        anvil.sendFromFunder(to, BigInteger.ZERO, data);
    }

    static String selector(String signature) {
        byte[] hash = new Keccak.Digest256().digest(signature.getBytes(StandardCharsets.US_ASCII));
        return "0x" + HexFormat.of().formatHex(hash, 0, 4);
    }

    private static String word(String address) {
        return "0".repeat(24) + address.substring(2).toLowerCase();
    }

    private static String word(BigInteger value) {
        String hex = value.toString(16);
        return "0".repeat(64 - hex.length()) + hex;
    }

    private static String pad(String hex) {
        return hex + "0".repeat((64 - hex.length() % 64) % 64);
    }

    private static String address(String word) {
        return "0x" + word.substring(word.length() - 40);
    }

    /** The committed trade probe is what its source compiles to (the server runs the committed one). */
    @Test
    void theShippedTradeProbeIsItsSource() throws Exception {
        Path source = Peers.dir().resolve("../tools/analysis/src/main/solidity/TradeProbe.sol");
        String runtime = compile(source).get("TradeProbe").get("runtime").asString();
        String shipped = Files.readString(Peers.dir()
                        .resolve("../tools/analysis/src/main/resources/dev/hal9/tools/analysis/TradeProbe.bin-runtime"))
                .strip();
        assertThat(shipped).isEqualTo(runtime);
    }
}
