package dev.hal9.tools.analysis;

import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * web_search and sentiment: searches through the provider the operator configured (a SearXNG instance's JSON API,
 * Brave Search or Tavily), and mentions of a subject in those results and in the operator's RSS and Atom feeds,
 * each scored by {@link Lexicon} with the words that scored it. Thread-safe.
 */
final class SearchTools {

    record SearchInput(
            @Param(value = "What to search for.", required = true, maxLength = 400)
            String query,

            @Param(value = "How many results, 1 to 50 (default 10).", minimum = 1, maximum = 50)
            Integer count) {}

    record Result(
            @Param("The page's title.") String title,
            @Param("Its address.") String url,
            @Param("The provider's snippet of it.") String snippet,

            @Param("Where it came from: the provider, and for SearXNG the engines.")
            String source,

            @Param("When it was published, as the provider says it, when it does.")
            String published) {}

    record SearchOutput(
            @Param("The query.") String query,
            @Param("searxng, brave or tavily.") String provider,
            @Param("The results, in the provider's order.") List<Result> results) {}

    record SentimentInput(
            @Param(
                    value = "The token or project, e.g. \"Uniswap\" or \"PEPE\"; items that mention it are scored.",
                    required = true,
                    maxLength = 100)
            String subject,

            @Param("Whether to search the web for it too (default true); feeds are always read.")
            Boolean search) {}

    record Mention(
            @Param("The item's title.") String title,
            @Param("Its address.") String url,

            @Param("The search provider or the feed it came from.")
            String source,

            @Param("When it was published, when known.") String published,

            @Param("The text scored: the title and snippet or summary.")
            String text,

            @Param("The score, -1 (negative) to 1 (positive).")
            double score,

            @Param("positive, neutral or negative.") String label,

            @Param("The lexicon's words found, with their weights: what made the score.")
            List<Lexicon.Term> terms) {}

    record SentimentOutput(
            @Param("The subject.") String subject,

            @Param("How the scores are computed, so you can check them.")
            String method,

            @Param("The mean score of the mentions.") double average,
            @Param("Mentions by label.") Map<String, Integer> counts,

            @Param("Each mention with its score and the words that made it.")
            List<Mention> mentions,

            @Param("Sources read, and what failed.") List<String> sources) {}

    private final Web web;
    private final String provider;
    private final String baseUrl;
    private final String apiKey;
    private final List<String> feeds;

    SearchTools(AnalysisSettings settings, Web web) {
        this.web = web;
        this.provider = settings.search().provider();
        this.baseUrl = settings.search().baseUrl();
        this.apiKey = settings.search().apiKey();
        this.feeds = settings.feeds();
    }

    List<Tool<?, ?>> tools() {
        return List.of(
                Tool.builder("web_search", SearchInput.class, SearchOutput.class)
                        .title("Search the web")
                        .description("Search the web through the search provider the operator configured (a SearXNG "
                                + "instance, Brave Search or Tavily) and return each result's title, URL, snippet, "
                                + "source and date. Open a result with browser_navigate to read it.")
                        .kind(ToolKind.READ_ONLY)
                        .capability("analysis.web")
                        .handler((input, call) -> search(input))
                        .render(SearchTools::render)
                        .build(),
                Tool.builder("sentiment", SentimentInput.class, SentimentOutput.class)
                        .title("Score what is said about a token or project")
                        .description("Find mentions of a token or project in web search results and the operator's "
                                + "RSS/Atom news feeds, and score each with a documented lexicon method, returned "
                                + "with the words that made its score and its source, so you can check the score "
                                + "rather than trust it.")
                        .kind(ToolKind.READ_ONLY)
                        .capability("analysis.web")
                        .handler(this::sentiment)
                        .render(o -> o.subject() + ": average " + o.average() + " over "
                                + o.mentions().size()
                                + " mentions " + o.counts() + "\n"
                                + String.join(
                                        "\n",
                                        o.mentions().stream()
                                                .map(m -> "- [" + m.label() + " " + m.score() + "] " + m.title() + " ("
                                                        + m.source() + ") " + m.url() + " " + m.terms())
                                                .toList()))
                        .build());
    }

    private SearchOutput search(SearchInput input) {
        if (input.query() == null || input.query().isBlank()) {
            throw ToolException.badArgument("query", "is empty");
        }
        int count = input.count() == null ? 10 : input.count();
        return new SearchOutput(input.query(), provider, results(input.query().strip(), count));
    }

    List<Result> results(String query, int count) {
        if (baseUrl.isEmpty()) {
            throw new ToolException("web search is not configured: set families.analysis.search.base-url to a "
                    + "SearXNG instance (with format=json enabled), or search.provider to brave or tavily with "
                    + "search.api-key");
        }
        if (!provider.equals("searxng") && apiKey.isEmpty()) {
            throw new ToolException(provider + " needs an API key: set families.analysis.search.api-key");
        }
        return switch (provider) {
            case "brave" -> brave(query, count);
            case "tavily" -> tavily(query, count);
            default -> searxng(query, count);
        };
    }

    private List<Result> searxng(String query, int count) {
        Map<String, String> headers = apiKey.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
        Web.Answer answer = web.get(
                "SearXNG",
                "families.analysis.search.base-url",
                baseUrl + "/search?" + Web.query(Map.of("q", query, "format", "json")),
                headers);
        if (answer.status() == 403) {
            throw new ToolException("SearXNG refused format=json (HTTP 403): enable it under search.formats in the "
                    + "instance's settings.yml");
        }
        JsonNode json =
                Web.ok("SearXNG", "families.analysis.search.base-url", answer).json("SearXNG");
        List<Result> results = new ArrayList<>();
        for (JsonNode result : json.path("results")) {
            if (results.size() >= count) {
                break;
            }
            List<String> engines = new ArrayList<>();
            result.path("engines").forEach(e -> engines.add(e.asString()));
            results.add(new Result(
                    Web.text(result, "title"),
                    Web.text(result, "url"),
                    Web.text(result, "content"),
                    "searxng" + (engines.isEmpty() ? "" : " (" + String.join(", ", engines) + ")"),
                    Web.text(result, "publishedDate")));
        }
        return results;
    }

    private List<Result> brave(String query, int count) {
        Web.Answer answer = web.get(
                "Brave Search",
                "families.analysis.search.api-key",
                baseUrl + "/web/search?" + Web.query(Map.of("q", query, "count", String.valueOf(Math.min(count, 20)))),
                Map.of("X-Subscription-Token", apiKey));
        JsonNode json = Web.ok("Brave Search", "families.analysis.search.api-key", answer)
                .json("Brave Search");
        List<Result> results = new ArrayList<>();
        for (JsonNode result : json.path("web").path("results")) {
            if (results.size() >= count) {
                break;
            }
            String published = Web.text(result, "page_age");
            results.add(new Result(
                    Feeds.plain(String.valueOf(Web.text(result, "title"))),
                    Web.text(result, "url"),
                    result.has("description")
                            ? Feeds.plain(result.get("description").asString())
                            : null,
                    "brave",
                    published != null ? published : Web.text(result, "age")));
        }
        return results;
    }

    private List<Result> tavily(String query, int count) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", query);
        body.put("max_results", Math.min(count, 20));
        Web.Answer answer = web.postJson(
                "Tavily",
                "families.analysis.search.api-key",
                baseUrl + "/search",
                body,
                Map.of("Authorization", "Bearer " + apiKey));
        JsonNode json =
                Web.ok("Tavily", "families.analysis.search.api-key", answer).json("Tavily");
        List<Result> results = new ArrayList<>();
        for (JsonNode result : json.path("results")) {
            if (results.size() >= count) {
                break;
            }
            results.add(new Result(
                    Web.text(result, "title"),
                    Web.text(result, "url"),
                    Web.text(result, "content"),
                    "tavily",
                    Web.text(result, "published_date")));
        }
        return results;
    }

    private SentimentOutput sentiment(SentimentInput input, ToolCall call) {
        String subject = input.subject() == null ? "" : input.subject().strip();
        if (subject.isEmpty()) {
            throw ToolException.badArgument("subject", "is empty");
        }
        Pattern mentions = Pattern.compile(
                "(?<![\\p{L}\\p{N}])\\$?" + Pattern.quote(subject.replaceFirst("^\\$", "")) + "(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        List<Mention> found = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        if (input.search() == null || input.search()) {
            try {
                List<Result> results = results(subject, 20);
                sources.add(provider + ": " + results.size() + " results");
                for (Result result : results) {
                    String text = join(result.title(), result.snippet());
                    if (mentions.matcher(text).find()) {
                        found.add(mention(result.title(), result.url(), result.source(), result.published(), text));
                    }
                }
            } catch (ToolException e) {
                sources.add(provider + ": " + e.getMessage());
            }
        }
        for (String feed : feeds) {
            call.checkCancelled();
            try {
                Web.Answer answer = Web.ok(
                        feed,
                        "families.analysis.feeds",
                        web.get(
                                feed,
                                "families.analysis.feeds",
                                feed,
                                Map.of(
                                        "Accept",
                                        "application/rss+xml, application/atom+xml, application/xml, text/xml")));
                List<Feeds.Item> items = Feeds.parse(feed, answer.body());
                sources.add(feed + ": " + items.size() + " items");
                for (Feeds.Item item : items) {
                    String text = join(item.title(), item.summary());
                    if (mentions.matcher(text).find()) {
                        found.add(mention(item.title(), item.link(), feed, item.published(), text));
                    }
                }
            } catch (ToolException e) {
                sources.add(feed + ": " + e.getMessage());
            }
        }
        if (sources.isEmpty()) {
            throw new ToolException("there is nothing to read: configure families.analysis.feeds (RSS or Atom URLs) "
                    + "or a search provider (families.analysis.search.*)");
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("positive", 0);
        counts.put("neutral", 0);
        counts.put("negative", 0);
        double sum = 0;
        for (Mention mention : found) {
            counts.merge(mention.label(), 1, Integer::sum);
            sum += mention.score();
        }
        double average = found.isEmpty() ? 0 : Math.round(sum / found.size() * 1000) / 1000.0;
        return new SentimentOutput(subject, Lexicon.METHOD, average, counts, found, sources);
    }

    private static Mention mention(String title, String url, String source, String published, String text) {
        Lexicon.Score score = Lexicon.score(text);
        return new Mention(title, url, source, published, text, score.score(), score.label(), score.terms());
    }

    private static String join(String title, String body) {
        return (title == null ? "" : title) + (body == null ? "" : ". " + body);
    }

    private static String render(SearchOutput output) {
        StringBuilder text = new StringBuilder(
                output.results().size() + " results for \"" + output.query() + "\" (" + output.provider() + ")");
        for (Result result : output.results()) {
            text.append("\n- ").append(result.title()).append("\n  ").append(result.url());
            if (result.snippet() != null) {
                text.append("\n  ").append(result.snippet());
            }
        }
        return text.toString();
    }
}
