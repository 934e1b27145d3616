package dev.hal9.conformance;

import static dev.hal9.conformance.EvmPaymentsTest.error;
import static dev.hal9.conformance.EvmPaymentsTest.structured;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ton.ton4j.address.Address;

/**
 * web_search, sentiment, token_market (by coin id), project_team and file_read through the Java SDK's client against
 * the packaged server, with the hosted APIs stood in for by {@link FakeResearchApis} in their documented wire
 * formats, and files in a real upload folder (a PDF written with PDFBox, CSV, JSON).
 */
class ResearchToolsTest {

    private static FakeResearchApis apis;
    private static TonSandbox ton;
    private static Path uploads;
    private static PackagedServer server;
    private static McpSyncClient client;

    @BeforeAll
    static void start() throws Exception {
        apis = new FakeResearchApis();
        uploads = Files.createTempDirectory("hal9-uploads-");
        writePdf(uploads.resolve("whitepaper.pdf"), 7);
        Files.writeString(
                uploads.resolve("holders.csv"),
                "\uFEFFaddress;balance;note\n0xabc;1,5;\"team; vesting\"\n" + "0xdef;2;\n");
        Files.writeString(
                uploads.resolve("pools.json"),
                "[{\"pair\":\"A/B\",\"tvl\":1200.5},{\"pair\":\"C/D\"," + "\"fee\":0.003}]");
        Files.createDirectories(uploads.resolve("notes"));
        Files.writeString(uploads.resolve("notes/plan.md"), "# Plan\nShip v2.");
        Files.writeString(uploads.getParent().resolve("secret-outside.txt"), "outside");
        ton = new TonSandbox();
        server = PackagedServer.http(
                PackagedServer.newHome(), environment(Map.of("HAL9_FAMILIES_CHAIN_TON_ENDPOINT", ton.endpoint)));
        client = client(server);
    }

    static Map<String, String> environment(Map<String, String> more) {
        Map<String, String> environment = new HashMap<>();
        environment.put("HAL9_FAMILIES_ANALYSIS_SEARCH_BASE__URL", apis.base() + "/searxng");
        environment.put(
                "HAL9_FAMILIES_ANALYSIS_FEEDS",
                apis.base() + "/feeds/news.rss," + apis.base() + "/feeds/blog.atom," + apis.base()
                        + "/feeds/missing.rss");
        environment.put("HAL9_FAMILIES_ANALYSIS_MARKET_BASE__URL", apis.base() + "/coingecko/api/v3");
        environment.put("HAL9_FAMILIES_ANALYSIS_MARKET_API__KEY", "CG-demo-key");
        environment.put("HAL9_FAMILIES_ANALYSIS_GITHUB_BASE__URL", apis.base() + "/github");
        environment.put("HAL9_FAMILIES_ANALYSIS_GITHUB_TOKEN", FakeResearchApis.GITHUB_TOKEN);
        environment.put("HAL9_FAMILIES_ANALYSIS_FILES_FOLDER", uploads.toString());
        environment.putAll(more);
        return environment;
    }

    static McpSyncClient client(PackagedServer server) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(server.base())
                        .endpoint("/mcp")
                        .build())
                .requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("research-test", "1"))
                .build();
        client.initialize();
        return client;
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.closeGracefully();
        }
        if (server != null) {
            server.close();
        }
        apis.close();
        if (ton != null) {
            ton.close();
        }
    }

    @Test
    void aJettonMasterOnTon() throws Exception {
        Address master = ton.deployJetton();
        // past a long: ton4j's own getJettonData reads the supply with Long.decode and fails here
        BigInteger supply = BigInteger.TWO.pow(64).add(BigInteger.valueOf(7));
        ton.mint(ton.treasury(), supply);
        Map<?, ?> report =
                structured(call(client, "onchain_analyze", Map.of("address", master.toBounceable(), "network", "ton")));
        assertThat(report.get("standard")).isEqualTo("jetton");
        assertThat(report.get("totalSupply")).isEqualTo(supply.toString());
        Map<?, ?> fields = (Map<?, ?>) report.get("fields");
        assertThat(fields.get("is_mintable")).isEqualTo("1");
        assertThat(fields.get("owner_address")).isEqualTo(ton.treasury().toBounceable());
        assertThat(report.get("notDone").toString()).contains("lists neither jetton holders nor DEX pools");

        String wallet = error(
                call(client, "onchain_analyze", Map.of("address", ton.treasury().toBounceable(), "network", "ton")));
        assertThat(wallet).contains("is a contract but not a TEP-74 jetton master");
        String nothing =
                error(call(client, "onchain_analyze", Map.of("address", "0:" + "ab".repeat(32), "network", "ton")));
        assertThat(nothing).contains("has no active contract on TON");
    }

    private static McpSchema.CallToolResult call(McpSyncClient on, String tool, Map<String, Object> arguments) {
        return on.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    @Test
    void webSearchThroughSearxngBraveAndTavily() throws Exception {
        Map<?, ?> searx = structured(call(client, "web_search", Map.of("query", "uniswap", "count", 2)));
        List<?> results = (List<?>) searx.get("results");
        assertThat(results).hasSize(2);
        Map<?, ?> first = (Map<?, ?>) results.get(0);
        assertThat(first.get("title")).isEqualTo("Uniswap launches v4 with hooks");
        assertThat(first.get("url")).isEqualTo("https://news.example/uniswap-v4-launch");
        assertThat(first.get("source")).isEqualTo("searxng (duckduckgo, brave)");
        assertThat(apis.requests)
                .anyMatch(
                        r -> r.path().startsWith("/searxng/search?") && r.path().contains("format=json"));

        try (PackagedServer brave = PackagedServer.http(
                        PackagedServer.newHome(),
                        environment(Map.of(
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_PROVIDER",
                                "brave",
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_BASE__URL",
                                apis.base() + "/brave/res/v1",
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_API__KEY",
                                FakeResearchApis.BRAVE_KEY)));
                PackagedServer wrongKey = PackagedServer.http(
                        PackagedServer.newHome(),
                        environment(Map.of(
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_PROVIDER", "tavily",
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_BASE__URL", apis.base() + "/tavily",
                                "HAL9_FAMILIES_ANALYSIS_SEARCH_API__KEY", "not-the-key")))) {
            McpSyncClient braveClient = client(brave);
            Map<?, ?> answer = structured(call(braveClient, "web_search", Map.of("query", "uniswap")));
            Map<?, ?> top = (Map<?, ?>) ((List<?>) answer.get("results")).get(0);
            assertThat(top.get("title")).isEqualTo("Uniswap Protocol"); // Brave's <strong> marks removed
            assertThat(top.get("published")).isEqualTo("2026-11-01T00:00:00");
            braveClient.closeGracefully();

            McpSyncClient tavilyClient = client(wrongKey);
            String refused = error(call(tavilyClient, "web_search", Map.of("query", "uniswap")));
            assertThat(refused).contains("Tavily answered HTTP 401").contains("check the API key");
            assertThat(refused).doesNotContain("not-the-key");
            tavilyClient.closeGracefully();
        }
    }

    @Test
    void sentimentScoresEachMentionWithItsWords() {
        Map<?, ?> sentiment = structured(call(client, "sentiment", Map.of("subject", "Uniswap")));
        assertThat(sentiment.get("method").toString()).contains("s/sqrt(s²+15)");
        List<Map<?, ?>> mentions = new ArrayList<>();
        ((List<?>) sentiment.get("mentions")).forEach(m -> mentions.add((Map<?, ?>) m));
        // two search results and one item of each feed mention Uniswap; the weather and the ETF item do not
        assertThat(mentions)
                .extracting(m -> (Object) m.get("url"))
                .containsExactlyInAnyOrder(
                        "https://news.example/uniswap-v4-launch",
                        "https://forum.example/uniswap-phishing",
                        "https://wire.example/uniswap-record",
                        "https://sec.example/fork-exploit");
        Map<?, ?> record = mentions.stream()
                .filter(m -> m.get("url").equals("https://wire.example/uniswap-record"))
                .findFirst()
                .orElseThrow();
        assertThat(record.get("label")).isEqualTo("positive");
        assertThat(record.get("terms").toString())
                .contains("surges")
                .contains("record")
                .contains("adoption");
        assertThat(record.get("text").toString()).doesNotContain("<b>");
        Map<?, ?> scam = mentions.stream()
                .filter(m -> m.get("url").equals("https://forum.example/uniswap-phishing"))
                .findFirst()
                .orElseThrow();
        assertThat(scam.get("label")).isEqualTo("negative");
        // "not a Uniswap partnership": negated, so it counts against
        assertThat(scam.get("terms").toString()).contains("not partnership");
        Map<?, ?> exploit = mentions.stream()
                .filter(m -> m.get("url").equals("https://sec.example/fork-exploit"))
                .findFirst()
                .orElseThrow();
        assertThat(exploit.get("terms").toString()).contains("not hacked");
        List<?> sources = (List<?>) sentiment.get("sources");
        assertThat(sources.toString())
                .contains("news.rss: 2 items")
                .contains("blog.atom: 1 items")
                .contains("missing.rss")
                .contains("HTTP 404");
    }

    @Test
    void tokenMarketByCoinId() {
        Map<?, ?> btc = structured(call(client, "token_market", Map.of("coin", "bitcoin")));
        assertThat(btc.get("priceUsd")).isEqualTo("97000.5");
        assertThat(btc.get("volume24hUsd")).isEqualTo("35000000000.25");
        assertThat(btc.get("maxSupply")).isEqualTo("21000000");
        assertThat(btc.get("symbol")).isEqualTo("BTC");
        assertThat(apis.requests)
                .anyMatch(r -> r.path().startsWith("/coingecko/api/v3/coins/bitcoin")
                        && "CG-demo-key".equals(r.headers().get("x-cg-demo-api-key")));
        assertThat(error(call(client, "token_market", Map.of("coin", "no-such-coin"))))
                .contains("the market API has no coin 'no-such-coin'");
        assertThat(error(call(client, "token_market", Map.of()))).contains("give either address and network, or coin");
    }

    @Test
    void projectTeamFromGithub() {
        Map<?, ?> team = structured(call(client, "project_team", Map.of("github", "https://github.com/halswap")));
        assertThat(team.get("type")).isEqualTo("Organization");
        assertThat(team.get("mainRepository")).isEqualTo("halswap/core"); // the fork has more stars but is a fork
        assertThat(team.get("commits90d")).isEqualTo("150");
        assertThat(team.get("contributorCount")).isEqualTo(3);
        assertThat(((List<?>) team.get("releases"))).hasSize(2);
        assertThat(((Number) team.get("ageDays")).longValue()).isPositive();
        assertThat(apis.requests)
                .anyMatch(r -> r.path().startsWith("/github/repos/halswap/core/commits?")
                        && r.path().contains("since=")
                        && ("Bearer " + FakeResearchApis.GITHUB_TOKEN)
                                .equals(r.headers().get("authorization"))
                        && "2022-11-28".equals(r.headers().get("x-github-api-version")));
        String limited = error(call(client, "project_team", Map.of("github", "ratelimited")));
        assertThat(limited).contains("rate limit").contains("until 2026-11-30T00:53:20Z");
        assertThat(error(call(client, "project_team", Map.of("github", "nobody-here"))))
                .contains("no account 'nobody-here'");
        assertThat(error(call(client, "project_team", Map.of("github", "not a repo!"))))
                .contains("is an account");
    }

    @Test
    void fileReadPagesPdfsTablesAndText() {
        Map<?, ?> listing = structured(call(client, "file_read", Map.of()));
        assertThat(listing.get("files").toString()).contains("whitepaper.pdf").contains("notes/plan.md");

        Map<?, ?> pdf = structured(call(client, "file_read", Map.of("path", "whitepaper.pdf")));
        assertThat(pdf.get("type")).isEqualTo("pdf");
        assertThat(pdf.get("pages")).isEqualTo(2); // 7 PDF pages, 5 per page
        assertThat(pdf.get("text").toString())
                .contains("Page 1 of the HalSwap paper")
                .contains("Page 5 of")
                .doesNotContain("Page 6 of");
        Map<?, ?> second = structured(call(client, "file_read", Map.of("path", "whitepaper.pdf", "page", 2)));
        assertThat(second.get("text").toString()).contains("Page 7 of the HalSwap paper");

        Map<?, ?> csv = structured(call(client, "file_read", Map.of("path", "holders.csv")));
        assertThat(csv.get("columns")).isEqualTo(List.of("address", "balance", "note"));
        assertThat(((List<?>) csv.get("rows")).get(0).toString()).contains("note=team; vesting");
        assertThat(csv.get("totalRows")).isEqualTo(2);

        Map<?, ?> json = structured(call(client, "file_read", Map.of("path", "pools.json")));
        assertThat(json.get("columns")).isEqualTo(List.of("pair", "tvl", "fee"));

        assertThat(error(call(client, "file_read", Map.of("path", "../secret-outside.txt"))))
                .contains("outside the upload folder");
        assertThat(error(call(client, "file_read", Map.of("path", "nope.pdf"))))
                .contains("there is no file 'nope.pdf'");
        assertThat(error(call(client, "file_read", Map.of("path", "whitepaper.pdf", "page", 3))))
                .contains("there are 2 pages");
    }

    private static void writePdf(Path file, int pages) throws Exception {
        try (PDDocument document = new PDDocument()) {
            for (int i = 1; i <= pages; i++) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                    content.newLineAtOffset(72, 700);
                    content.showText("Page " + i + " of the HalSwap paper.");
                    content.endText();
                }
            }
            document.save(file.toFile());
        }
    }
}
