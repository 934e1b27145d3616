package dev.hal9.tools.analysis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import dev.hal9.tools.chain.Evm;
import dev.hal9.tools.chain.Ton;
import dev.hal9.tools.contracts.ContractSources;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The research family: {@code onchain_analyze}, a token's or contract's risks read from the EVM node the chain
 * family is configured with, each finding with its evidence; {@code calculate}, exact decimal arithmetic with
 * on-chain units; {@code web_search} and {@code sentiment} through the operator's search provider and feeds;
 * {@code token_market} (a CoinGecko-shaped API beside the chain); {@code project_team} (GitHub's REST API); and
 * {@code file_read} over the upload folder. Read-only: nothing here signs, sends or moves value.
 */
public final class AnalysisFamily implements ToolFamily {

    /** The view of onchain_analyze's report: identity and overall risk, findings by risk, a top-holders chart. */
    static final String REPORT_VIEW = "ui://hal9/analysis/report";

    record AnalyzeInput(
            @Param(
                    value = "The token's or contract's address: 0x + 40 hex on an EVM network; a jetton master's "
                            + "address (EQ…, UQ… or 0:hex) on ton.",
                    required = true,
                    maxLength = 100)
            String address,

            @Param(
                    value = "The network: an EVM network (ethereum, polygon, bsc, mantle, or one the operator "
                            + "configured), or ton for a jetton master.",
                    required = true,
                    maxLength = 40)
            String network,

            @Param(
                    value = "A contract handle (ct_...) from contract_generate whose compile should be the deployed "
                            + "code (the logic's, behind a proxy); or give source.",
                    maxLength = 64)
            String contract,

            @Param(
                    value = "Or the Solidity source (one file; @openzeppelin/contracts imports resolve) to compare "
                            + "the deployed code with, compiled with the optimizer at optimizerRuns.",
                    maxLength = 200_000)
            String source,

            @Param(
                    value = "With source: optimizer runs, 0 for the optimizer off (default 200).",
                    minimum = 0,
                    maximum = 1_000_000)
            Integer optimizerRuns,

            @Param(
                    value = "With source: the EVM version, e.g. paris, cancun (default: the compiler's).",
                    pattern = "^[a-z]{3,20}$")
            String evmVersion) {}

    record CalculateInput(
            @Param(
                    value = "The expression, e.g. \"1.5 ether + 300000 gwei to gwei\", \"units(1234500, 6) * 3\", "
                            + "\"2 TON * ton_usd\", \"(10 - 3) / 4\". Operators + - * / % ^, parentheses, units "
                            + "wei gwei ether nanoton TON, units(raw, decimals), raw(amount, decimals), the "
                            + "operator's prices, and a final \"to <unit>\".",
                    required = true,
                    maxLength = 1000)
            String expression) {}

    record CalculateOutput(
            @Param("The expression as given.") String expression,
            @Param("The result, in plain decimal notation.") String result,

            @Param("The result's unit, when it is an amount.")
            String unit,

            @Param("Whether it is exact; a division that does not end is rounded to 40 significant digits.")
            boolean exact,

            @Param("An amount's value in each unit of its asset.")
            Map<String, String> inOtherUnits) {}

    @Override
    public String name() {
        return "analysis";
    }

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        AnalysisSettings settings = AnalysisSettings.from(context);
        Cache<String, Object> cache = Caffeine.newBuilder()
                .maximumSize(20_000)
                .expireAfterWrite(settings.cacheFor())
                .build();
        String probe = probeCode();
        InstantSource clock = context.clock();
        Web web = new Web(settings.httpTimeout(), context.serverVersion());
        List<Tool<?, ?>> tools = new ArrayList<>();
        tools.add(Tool.builder("onchain_analyze", AnalyzeInput.class, TokenAnalysis.Report.class)
                .title("Analyse a token's or contract's risks")
                .description("Read an EVM token or contract from the chain and report its risks with evidence, in "
                        + "GoPlus's token-security field names: proxy and the logic behind it (EIP-1967, beacon, "
                        + "EIP-1822, EIP-1167, Safe, diamond), owner and whether it is renounced, hidden owners, "
                        + "mint, pause, blacklist, whitelist, tax setters, anti-whale limits, cooldowns, "
                        + "owner-changeable balances, selfdestruct, holders and their shares, Uniswap-v2 pools "
                        + "and burned LP, and a simulated buy, transfer and sell (buy_tax, sell_tax, "
                        + "cannot_sell_all, is_honeypot). Each finding says how it was found (selector, slot, "
                        + "call, simulation, log range). Reads only; bounded by an RPC budget.")
                .kind(ToolKind.READ_ONLY)
                .capability("analysis.read")
                .handler((input, call) -> analyze(context, settings, cache, probe, clock, input, call))
                .render(AnalysisFamily::render)
                .view(REPORT_VIEW)
                .build());
        tools.add(Tool.builder("calculate", CalculateInput.class, CalculateOutput.class)
                .title("Calculate exactly")
                .description("Exact decimal arithmetic for money and on-chain amounts, never floating point: + - "
                        + "* / % ^ and parentheses, units (wei, gwei, ether, nanoton, TON) with conversions "
                        + "(\"0.05 ether to gwei\"), token units by decimals (units(raw, 6), raw(1.5, 18)), and "
                        + "the prices the operator configured (eth_usd). Says when a division had to be rounded.")
                .kind(ToolKind.READ_ONLY)
                .capability("analysis.read")
                .handler((input, call) -> calculate(settings.prices(), input))
                .render(o -> o.expression() + " = " + o.result() + (o.unit() == null ? "" : " " + o.unit())
                        + (o.exact() ? "" : " (rounded)"))
                .build());
        tools.addAll(new SearchTools(settings, web).tools());
        tools.add(new MarketTool(context, settings, web, cache).tool());
        tools.add(new TeamTool(context, settings, web, cache, clock).tool());
        tools.add(new FileTool(context, settings).tool());
        return tools;
    }

    @Override
    public List<View> views(FamilyContext context) {
        return List.of(View.of(
                REPORT_VIEW,
                "analysis_report",
                "Token risk report",
                "onchain_analyze's report: the token or contract and its overall risk, each finding with its evidence "
                        + "grouped by risk, and its top holders as a chart and a table.",
                AnalysisFamily.class,
                "views/report.html",
                List.of()));
    }

    private static TokenAnalysis.Report analyze(
            FamilyContext context,
            AnalysisSettings settings,
            Cache<String, Object> cache,
            String probe,
            InstantSource clock,
            AnalyzeInput input,
            ToolCall call) {
        if ("ton"
                .equalsIgnoreCase(input.network() == null ? "" : input.network().strip())) {
            Ton ton = context.service(Ton.class)
                    .orElseThrow(() -> new ToolException("onchain_analyze on ton needs the chain family's TON access"));
            long started = clock.millis();
            return JettonAnalysis.run(ton.jettonMaster(input.address()), settings.rpcBudget(), started, clock.millis());
        }
        Evm evm = context.service(Evm.class)
                .orElseThrow(() -> new ToolException("onchain_analyze needs the chain family, which is not loaded"));
        Evm.Network network = evm.network(input.network());
        String address = evm.address(input.address(), "address");
        long started = clock.millis();
        List<ContractSources.Compiled> sources = sources(context, input, call);
        Reads reads = new Reads(evm, network.name(), cache, settings.rpcBudget());
        TokenAnalysis.Settings limits = new TokenAnalysis.Settings(
                settings.rpcBudget(),
                settings.logWindowBlocks(),
                settings.logChunkBlocks(),
                settings.network(network.name()).routers(),
                probe,
                settings.rpcConcurrency());
        return new TokenAnalysis(reads, limits, call, started, sources).run(address, clock::millis);
    }

    /** The compiles to compare the deployed code with: the caller's ct_ handle's, or the given source's. */
    private static List<ContractSources.Compiled> sources(FamilyContext context, AnalyzeInput input, ToolCall call) {
        boolean handle = input.contract() != null && !input.contract().isBlank();
        boolean source = input.source() != null && !input.source().isBlank();
        if (!handle && !source) {
            return List.of();
        }
        if (handle && source) {
            throw ToolException.badArgument("source", "give a contract handle or a source, not both");
        }
        ContractSources compiler = context.service(ContractSources.class)
                .orElseThrow(() -> new ToolException(
                        "comparing with a source needs the contracts family, which is " + "not loaded"));
        call.progress(0, 8.0, "compiling the source to compare with");
        List<ContractSources.Compiled> compiled = handle
                ? compiler.compiled(call, input.contract())
                : compiler.compile(
                        input.source(),
                        input.optimizerRuns() == null || input.optimizerRuns() > 0,
                        input.optimizerRuns() == null || input.optimizerRuns() == 0 ? 200 : input.optimizerRuns(),
                        input.evmVersion());
        if (compiled.isEmpty()) {
            throw ToolException.badArgument(
                    handle ? "contract" : "source",
                    "defines no deployable contract to compare "
                            + "the code with (only interfaces, libraries or abstract contracts)");
        }
        return compiled;
    }

    private static CalculateOutput calculate(Map<String, BigDecimal> prices, CalculateInput input) {
        Calculator.Result result = Calculator.evaluate(input.expression(), prices);
        return new CalculateOutput(
                input.expression(),
                Calculator.plain(result.value()),
                result.unit(),
                result.exact(),
                result.inOtherUnits());
    }

    private static String render(TokenAnalysis.Report report) {
        StringBuilder text = new StringBuilder(report.summary()).append("\n");
        for (TokenAnalysis.Finding finding : report.findings()) {
            text.append("\n- ")
                    .append(finding.field())
                    .append(" = ")
                    .append(finding.value())
                    .append(" [")
                    .append(finding.risk())
                    .append("] ")
                    .append(finding.summary());
            for (String evidence : finding.evidence()) {
                text.append("\n    · ").append(evidence);
            }
        }
        if (!report.holders().isEmpty()) {
            text.append("\n\nTop holders:");
            for (TokenAnalysis.Holder holder : report.holders()) {
                text.append("\n- ")
                        .append(holder.address())
                        .append(" ")
                        .append(holder.balance())
                        .append(holder.percent() == null ? "" : " (" + holder.percent() + ")")
                        .append(holder.tag() == null ? "" : " " + holder.tag());
            }
        }
        text.append("\n\n")
                .append(report.rpcCalls())
                .append(" RPC requests (budget ")
                .append(report.rpcBudget())
                .append("), ")
                .append(report.cachedReads())
                .append(" cached reads, ")
                .append(report.elapsedMillis())
                .append(" ms");
        return text.toString();
    }

    private static String probeCode() {
        try (InputStream in = AnalysisFamily.class.getResourceAsStream("TradeProbe.bin-runtime")) {
            if (in == null) {
                throw new IllegalStateException("TradeProbe.bin-runtime is missing from the analysis jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
