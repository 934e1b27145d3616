package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * Stand-ins for the hosted APIs the research tools call, which cannot be reached from here, answering in each
 * API's documented wire format on 127.0.0.1: SearXNG's {@code /search?format=json}, Brave Search's
 * {@code /res/v1/web/search}, Tavily's {@code POST /search}, an RSS 2.0 and an Atom feed, CoinGecko's
 * {@code /api/v3} coin, contract and simple-price routes, and GitHub's REST routes for an account, its
 * repositories, contributors, commits (paged with a Link header) and releases. Every request is recorded with its
 * headers so tests can check keys were sent where they belong. Stopped by {@link #close()}.
 */
final class FakeResearchApis implements AutoCloseable {

    static final String BRAVE_KEY = "brave-test-key";
    static final String TAVILY_KEY = "tavily-test-key";
    static final String GITHUB_TOKEN = "ghp_testtoken";

    record Request(String method, String path, Map<String, String> headers, String body) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** CoinGecko's answers by platform/contract (lower case): id, price, supply; set by tests. */
    final Map<String, Map<String, Object>> coins = new ConcurrentHashMap<>();

    private final HttpServer server;

    FakeResearchApis() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(
                exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
        try {
            if (path.equals("/searxng/search")) {
                if (!"json".equals(query.get("format"))) {
                    reply(exchange, 403, "text/html", "<h1>403 Forbidden</h1>");
                    return;
                }
                reply(exchange, 200, "application/json", searxng(query.get("q")));
            } else if (path.equals("/brave/res/v1/web/search")) {
                if (!BRAVE_KEY.equals(headers.get("x-subscription-token"))) {
                    reply(
                            exchange,
                            401,
                            "application/json",
                            "{\"type\":\"ErrorResponse\",\"error\":{\"code\":"
                                    + "\"SUBSCRIPTION_TOKEN_INVALID\",\"detail\":\"The provided subscription token is invalid.\","
                                    + "\"status\":401}}");
                    return;
                }
                reply(exchange, 200, "application/json", brave(query.get("q")));
            } else if (path.equals("/tavily/search")
                    && exchange.getRequestMethod().equals("POST")) {
                if (!("Bearer " + TAVILY_KEY).equals(headers.get("authorization"))) {
                    reply(
                            exchange,
                            401,
                            "application/json",
                            "{\"detail\":{\"error\":\"Unauthorized: missing or invalid API key.\"}}");
                    return;
                }
                reply(exchange, 200, "application/json", tavily(body));
            } else if (path.equals("/feeds/news.rss")) {
                reply(exchange, 200, "application/rss+xml", RSS);
            } else if (path.equals("/feeds/blog.atom")) {
                reply(exchange, 200, "application/atom+xml", ATOM);
            } else if (path.startsWith("/coingecko/api/v3/")) {
                coingecko(exchange, path.substring("/coingecko/api/v3".length()), query);
            } else if (path.startsWith("/github/")) {
                github(exchange, path.substring("/github".length()), query, headers);
            } else {
                reply(exchange, 404, "text/plain", "no route " + path);
            }
        } catch (RuntimeException e) {
            reply(exchange, 500, "text/plain", e.toString());
        }
    }

    // ---- search

    private static String searxng(String q) {
        return """
                {"query": "%s", "number_of_results": 0,
                 "results": [
                  {"url": "https://news.example/uniswap-v4-launch", "title": "Uniswap launches v4 with hooks",
                   "content": "The Uniswap v4 launch brings hooks and a successful audit.", "engine": "duckduckgo",
                   "engines": ["duckduckgo", "brave"], "positions": [1, 2], "score": 4.0, "category": "general",
                   "publishedDate": "2026-11-30T10:00:00"},
                  {"url": "https://forum.example/uniswap-phishing", "title": "Warning: fake Uniswap airdrop is a scam",
                   "content": "A fake site drained wallets; this is not a Uniswap partnership.", "engine": "bing",
                   "engines": ["bing"], "positions": [3], "score": 1.5, "category": "general", "publishedDate": null},
                  {"url": "https://example.org/weather", "title": "Weather today", "content": "Sunny.",
                   "engine": "bing", "engines": ["bing"], "positions": [4], "score": 0.5, "category": "general"}
                 ],
                 "answers": [], "corrections": [], "infoboxes": [], "suggestions": ["uniswap v4"],
                 "unresponsive_engines": [["google", "timeout"]]}
                """.formatted(q.replace("\"", ""));
    }

    private static String brave(String q) {
        return """
                {"type": "search", "query": {"original": "%s", "more_results_available": true},
                 "web": {"type": "search", "family_friendly": true, "results": [
                   {"title": "<strong>Uniswap</strong> Protocol", "url": "https://uniswap.org/",
                    "description": "Swap, earn, and build on the leading decentralized crypto trading protocol.",
                    "page_age": "2026-11-01T00:00:00", "age": "November 1, 2026", "type": "search_result",
                    "language": "en", "family_friendly": true}
                 ]}}
                """.formatted(q.replace("\"", ""));
    }

    private static String tavily(String body) {
        return """
                {"query": "uniswap", "answer": null, "images": [], "response_time": 0.84,
                 "results": [{"title": "Uniswap Labs", "url": "https://blog.uniswap.org/",
                   "content": "News from Uniswap Labs.", "score": 0.93, "raw_content": null,
                   "published_date": "2026-10-10"}]}
                """;
    }

    static final String RSS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel>
                <title>Crypto Wire</title>
                <link>https://wire.example/</link>
                <description>News</description>
                <item>
                  <title>Uniswap volume surges to a record</title>
                  <link>https://wire.example/uniswap-record</link>
                  <description><![CDATA[<p>Trading on <b>Uniswap</b> hit a record as adoption grows.</p>]]></description>
                  <pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate>
                </item>
                <item>
                  <title>Bitcoin ETF flows</title>
                  <link>https://wire.example/etf</link>
                  <description>Nothing about the subject here.</description>
                </item>
              </channel>
            </rss>
            """;

    static final String ATOM = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <title>Security Blog</title>
              <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
              <updated>2026-11-29T18:30:02Z</updated>
              <entry>
                <title>Exploit on a Uniswap fork: funds stolen</title>
                <link href="https://sec.example/fork-exploit"/>
                <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
                <updated>2026-11-29T18:30:02Z</updated>
                <summary>An exploit on a fork of Uniswap drained liquidity; Uniswap itself was not hacked.</summary>
              </entry>
            </feed>
            """;

    // ---- CoinGecko

    private void coingecko(HttpExchange exchange, String path, Map<String, String> query) throws IOException {
        if (path.equals("/simple/price")) {
            StringBuilder json = new StringBuilder("{");
            for (String id : query.getOrDefault("ids", "").split(",")) {
                if (json.length() > 1) {
                    json.append(',');
                }
                String usd = id.equals("ethereum") ? "3120.55" : id.equals("bitcoin") ? "97000.5" : "1.5";
                json.append('"').append(id).append("\":{\"usd\":").append(usd).append('}');
            }
            reply(exchange, 200, "application/json", json.append('}').toString());
            return;
        }
        String[] parts = path.split("/");
        // /coins/{id} or /coins/{platform}/contract/{address}
        Map<String, Object> coin = parts.length == 5 && parts[3].equals("contract")
                ? coins.get(parts[2] + "/" + parts[4].toLowerCase())
                : parts.length == 3 && parts[2].equals("bitcoin") ? BITCOIN : null;
        if (coin == null) {
            reply(exchange, 404, "application/json", "{\"error\":\"coin not found\"}");
            return;
        }
        reply(exchange, 200, "application/json", """
                {"id": "%s", "symbol": "%s", "name": "%s", "asset_platform_id": %s,
                 "market_data": {"current_price": {"usd": %s, "eth": 0.0001},
                   "market_cap": {"usd": %s}, "fully_diluted_valuation": {"usd": %s},
                   "total_volume": {"usd": %s}, "circulating_supply": %s, "total_supply": %s, "max_supply": %s,
                   "last_updated": "2026-12-01T12:00:00.000Z"},
                 "last_updated": "2026-12-01T12:00:00.000Z"}
                """.formatted(
                        coin.get("id"),
                        coin.get("symbol"),
                        coin.get("name"),
                        coin.get("platform"),
                        coin.get("price"),
                        coin.get("cap"),
                        coin.get("fdv"),
                        coin.get("volume"),
                        coin.get("circulating"),
                        coin.get("total"),
                        coin.get("max")));
    }

    static final Map<String, Object> BITCOIN = coin(
            "id",
            "bitcoin",
            "symbol",
            "btc",
            "name",
            "Bitcoin",
            "platform",
            "null",
            "price",
            "97000.5",
            "cap",
            "1920000000000",
            "fdv",
            "2037010500000",
            "volume",
            "35000000000.25",
            "circulating",
            "19790000.0",
            "total",
            "21000000.0",
            "max",
            "21000000.0");

    /** A coin's fields for {@link #coins}: id, symbol, name, platform (JSON), price, cap, fdv, volume, circulating,
     * total, max, as pairs. */
    static Map<String, Object> coin(String... pairs) {
        Map<String, Object> coin = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            coin.put(pairs[i], pairs[i + 1]);
        }
        return coin;
    }

    // ---- GitHub

    private void github(HttpExchange exchange, String path, Map<String, String> query, Map<String, String> headers)
            throws IOException {
        if (path.startsWith("/users/ratelimited")) {
            exchange.getResponseHeaders().add("x-ratelimit-limit", "60");
            exchange.getResponseHeaders().add("x-ratelimit-remaining", "0");
            exchange.getResponseHeaders().add("x-ratelimit-reset", "1796000000");
            reply(
                    exchange,
                    403,
                    "application/json",
                    "{\"message\":\"API rate limit exceeded for 127.0.0.1. (But "
                            + "here's the good news: Authenticated requests get a higher rate limit.)\",\"documentation_url\":"
                            + "\"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting\"}");
            return;
        }
        switch (path) {
            case "/users/halswap" -> reply(exchange, 200, "application/json", """
                    {"login": "halswap", "id": 101, "type": "Organization", "name": "HalSwap",
                     "public_repos": 3, "followers": 120, "created_at": "2024-02-01T00:00:00Z"}
                    """);
            case "/users/halswap/repos" -> reply(exchange, 200, "application/json", """
                    [{"id": 1, "name": "core", "full_name": "halswap/core", "fork": false, "stargazers_count": 340,
                      "forks_count": 51, "language": "Solidity", "created_at": "2024-03-01T00:00:00Z",
                      "pushed_at": "2026-11-28T00:00:00Z", "archived": false},
                     {"id": 2, "name": "interface", "full_name": "halswap/interface", "fork": false,
                      "stargazers_count": 80, "forks_count": 20, "language": "TypeScript",
                      "created_at": "2024-03-05T00:00:00Z", "pushed_at": "2026-11-20T00:00:00Z", "archived": false},
                     {"id": 3, "name": "openzeppelin-contracts", "full_name": "halswap/openzeppelin-contracts",
                      "fork": true, "stargazers_count": 900, "forks_count": 0, "language": "Solidity",
                      "created_at": "2024-02-02T00:00:00Z", "pushed_at": "2024-02-02T00:00:00Z", "archived": true}]
                    """);
            case "/repos/halswap/core" -> reply(exchange, 200, "application/json", """
                    {"id": 1, "name": "core", "full_name": "halswap/core", "fork": false, "stargazers_count": 340,
                     "forks_count": 51, "language": "Solidity", "created_at": "2024-03-01T00:00:00Z",
                     "pushed_at": "2026-11-28T00:00:00Z", "archived": false}
                    """);
            case "/repos/halswap/core/contributors" -> reply(exchange, 200, "application/json", """
                    [{"login": "alice", "id": 1, "type": "User", "contributions": 410},
                     {"login": "bob", "id": 2, "type": "User", "contributions": 120},
                     {"login": "dependabot[bot]", "id": 3, "type": "Bot", "contributions": 30}]
                    """);
            case "/repos/halswap/core/commits" -> {
                int page = Integer.parseInt(query.getOrDefault("page", "1"));
                // 150 commits in the window: a full page with a Link to the next, then 50
                if (page == 1) {
                    exchange.getResponseHeaders()
                            .add(
                                    "Link",
                                    "<" + base() + "/github/repos/halswap/core/commits?page=2>;" + " rel=\"next\", <"
                                            + base() + "/github/repos/halswap/core/commits?page=2>; rel=\"last\"");
                }
                reply(exchange, 200, "application/json", commits(page == 1 ? 100 : 50));
            }
            case "/repos/halswap/core/releases" -> reply(exchange, 200, "application/json", """
                    [{"tag_name": "v2.1.0", "name": "v2.1.0", "published_at": "2026-10-01T00:00:00Z", "prerelease": false},
                     {"tag_name": "v2.0.0", "name": "v2.0.0", "published_at": "2026-04-01T00:00:00Z", "prerelease": false}]
                    """);
            default ->
                reply(
                        exchange,
                        404,
                        "application/json",
                        "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"404\"}");
        }
    }

    private static String commits(int count) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"sha\":\"")
                    .append(String.format("%040x", i))
                    .append("\",\"commit\":{\"message\":\"c")
                    .append(i)
                    .append("\"}}");
        }
        return json.append(']').toString();
    }

    // ----

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(
                        URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return query;
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
