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
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * project_team: a project's public code activity from GitHub's REST API (the account, its repositories, the main
 * repository's contributors, commits over 90 days, releases and age), and, given the token, who deployed it and
 * what the deployer still holds. Thread-safe.
 */
final class TeamTool {

    record TeamInput(
            @Param(
                    value = "The project on GitHub: an account (\"Uniswap\"), a repository (\"Uniswap/v2-core\") or "
                            + "its URL.",
                    required = true,
                    maxLength = 200)
            String github,

            @Param(value = "The project's token, to say who deployed it.", pattern = "^0x[0-9a-fA-F]{40}$")
            String address,

            @Param(value = "The token's network.", maxLength = 40)
            String network) {}

    record Repository(
            @Param("owner/name.") String name,
            @Param("Stars.") int stars,
            @Param("Forks.") int forks,
            @Param("Its main language.") String language,
            @Param("When it was created.") String created,
            @Param("When it was last pushed to.") String pushed,
            @Param("Whether it is archived.") boolean archived) {}

    record Contributor(
            @Param("The GitHub login.") String login,
            @Param("Commits counted by GitHub.") int commits) {}

    record Release(
            @Param("Its tag.") String tag,
            @Param("When it was published.") String published) {}

    record Deployer(
            @Param("The account whose transaction created the token.")
            String address,

            @Param("The creating transaction.") String transaction,

            @Param("Whether it is still the token's owner().")
            boolean isOwner,

            @Param("Its share of the token's supply, as a fraction.")
            String share) {}

    record TeamOutput(
            @Param("The GitHub account.") String account,
            @Param("User or Organization.") String type,
            @Param("When the account was created.") String accountCreated,

            @Param("Its public repositories, and its followers.")
            Map<String, Integer> counts,

            @Param("Its most recently pushed repositories (up to 10).")
            List<Repository> repositories,

            @Param("The repository looked at closely: the one named, else the most starred.")
            String mainRepository,

            @Param("Its age in days.") Long ageDays,

            @Param("Commits in the last 90 days (on the default branch); \"1000+\" past ten pages.")
            String commits90d,

            @Param("Its contributors (up to 100 counted, the 10 most active shown).")
            List<Contributor> contributors,

            @Param("How many contributors it has, up to 100.")
            int contributorCount,

            @Param("Its latest releases.") List<Release> releases,

            @Param("Who deployed the token, when one was given.")
            Deployer deployer,

            @Param("What could not be read, and why.") List<String> notes) {}

    private static final Pattern REPO = Pattern.compile(
            "^(?:https?://github\\.com/)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?:/([A-Za-z0-9._-]{1,100}))?/?(?:\\.git)?$");

    private final FamilyContext context;
    private final Web web;
    private final Cache<String, Object> cache;
    private final InstantSource clock;
    private final String baseUrl;
    private final String token;

    TeamTool(
            FamilyContext context,
            AnalysisSettings settings,
            Web web,
            Cache<String, Object> cache,
            InstantSource clock) {
        this.context = context;
        this.web = web;
        this.cache = cache;
        this.clock = clock;
        this.baseUrl = settings.github().baseUrl();
        this.token = settings.github().key();
    }

    Tool<TeamInput, TeamOutput> tool() {
        return Tool.builder("project_team", TeamInput.class, TeamOutput.class)
                .title("A project's team and code activity")
                .description("A project's public code activity on GitHub: the account and its age, its most recently "
                        + "pushed repositories, the main repository's contributors, commits in the last 90 days and "
                        + "releases; given the token's address and network, who deployed it, whether they still own "
                        + "it and what share they hold.")
                .kind(ToolKind.READ_ONLY)
                .capability("analysis.web")
                .handler(this::team)
                .render(o -> o.account() + " (" + o.type() + ", since " + o.accountCreated() + "): "
                        + o.counts() + "; " + o.mainRepository() + ": " + o.commits90d() + " commits in 90 days, "
                        + o.contributorCount() + " contributors, "
                        + o.releases().size() + " recent releases"
                        + (o.deployer() == null
                                ? ""
                                : "; deployed by " + o.deployer().address())
                        + (o.notes().isEmpty() ? "" : "\n" + String.join("\n", o.notes())))
                .build();
    }

    private TeamOutput team(TeamInput input, ToolCall call) {
        Matcher matcher =
                REPO.matcher(input.github() == null ? "" : input.github().strip());
        if (!matcher.matches()) {
            throw ToolException.badArgument(
                    "github",
                    "is an account (\"Uniswap\"), a repository (\"Uniswap/v2-core\") " + "or its github.com URL, not '"
                            + input.github() + "'");
        }
        String login = matcher.group(1);
        String named = matcher.group(2);
        List<String> notes = new ArrayList<>();
        JsonNode account = get("/users/" + login, "GitHub has no account '" + login + "'");
        call.progress(1, 5.0, "repositories");
        JsonNode repos = get(
                "/users/" + login + "/repos?" + Web.query(Map.of("per_page", "100", "sort", "pushed")),
                "GitHub lists no repositories of " + login);
        List<Repository> repositories = new ArrayList<>();
        JsonNode main = null;
        for (JsonNode repo : repos) {
            if (repositories.size() < 10) {
                repositories.add(repository(repo));
            }
            if (named == null
                    && !repo.path("fork").asBoolean(false)
                    && (main == null
                            || repo.path("stargazers_count").asInt()
                                    > main.path("stargazers_count").asInt())) {
                main = repo;
            }
        }
        if (named != null) {
            main = get("/repos/" + login + "/" + named, "GitHub has no repository " + login + "/" + named);
        }
        String mainName = main == null ? null : main.path("full_name").asString();
        Long age = null;
        String commits = null;
        List<Contributor> contributors = new ArrayList<>();
        int contributorCount = 0;
        List<Release> releases = new ArrayList<>();
        if (main != null) {
            age = days(main.path("created_at").asString());
            call.progress(2, 5.0, "contributors");
            List<Contributor> all = new ArrayList<>();
            for (JsonNode contributor : get(
                    "/repos/" + mainName + "/contributors?" + Web.query(Map.of("per_page", "100")),
                    "no contributors")) {
                all.add(new Contributor(
                        contributor.path("login").asString(),
                        contributor.path("contributions").asInt()));
            }
            all.sort(Comparator.comparingInt(Contributor::commits).reversed());
            contributorCount = all.size();
            contributors.addAll(all.subList(0, Math.min(10, all.size())));
            call.progress(3, 5.0, "commits");
            commits = commits(mainName);
            call.progress(4, 5.0, "releases");
            for (JsonNode release :
                    get("/repos/" + mainName + "/releases?" + Web.query(Map.of("per_page", "5")), "no releases")) {
                releases.add(new Release(
                        release.path("tag_name").asString(),
                        release.path("published_at").asString()));
            }
        } else {
            notes.add(login + " has no public repository of its own (forks are not counted)");
        }
        Deployer deployer = null;
        if (input.address() != null && !input.address().isBlank()) {
            deployer = deployer(input, notes);
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("publicRepositories", account.path("public_repos").asInt());
        counts.put("followers", account.path("followers").asInt());
        return new TeamOutput(
                account.path("login").asString(),
                account.path("type").asString(),
                account.path("created_at").asString(),
                counts,
                repositories,
                mainName,
                age,
                commits,
                contributors,
                contributorCount,
                releases,
                deployer,
                notes);
    }

    /** Commits since 90 days ago, counted over pages of 100 (GitHub's Link header says whether there is another). */
    private String commits(String repo) {
        String since = clock.instant().minus(Duration.ofDays(90)).toString();
        int total = 0;
        for (int page = 1; page <= 10; page++) {
            Web.Answer answer = answer("/repos/" + repo + "/commits?"
                    + Web.query(Map.of("since", since, "per_page", "100", "page", String.valueOf(page))));
            if (answer.status() == 409) {
                return "0"; // an empty repository
            }
            JsonNode list = ok(answer).json("GitHub");
            total += list.size();
            String link = answer.headers().firstValue("link").orElse("");
            if (list.size() < 100 || !link.contains("rel=\"next\"")) {
                return String.valueOf(total);
            }
        }
        return total + "+";
    }

    private Deployer deployer(TeamInput input, List<String> notes) {
        if (input.network() == null || input.network().isBlank()) {
            throw ToolException.badArgument("network", "is needed with address");
        }
        Evm evm = context.service(Evm.class)
                .orElseThrow(() -> new ToolException("project_team with an address needs the chain family"));
        String network = evm.network(input.network()).name();
        String address = evm.address(input.address(), "address");
        Reads reads = new Reads(evm, network, cache, 20);
        if ("0x".equals(reads.code(address))) {
            throw ToolException.badArgument("address", address + " has no code on " + network + ": it is not a token");
        }
        Evm.Creation creation = reads.creation(address).orElse(null);
        if (creation == null) {
            notes.add(
                    "the node cannot say who created " + address + " (no ots_getContractCreator and no archive state)");
            return null;
        }
        String owner = reads.view(address, Signatures.OWNER)
                .flatMap(r -> Abi.address(r, 0))
                .orElse("");
        BigInteger balance = reads.view(address, Signatures.BALANCE_OF + Abi.word(creation.creator()))
                .flatMap(r -> Abi.uint(r, 0))
                .orElse(BigInteger.ZERO);
        BigInteger supply = reads.view(address, Signatures.TOTAL_SUPPLY)
                .flatMap(r -> Abi.uint(r, 0))
                .orElse(BigInteger.ZERO);
        String share = supply.signum() == 0
                ? null
                : new BigDecimal(balance)
                        .divide(new BigDecimal(supply), 6, RoundingMode.HALF_UP)
                        .stripTrailingZeros()
                        .toPlainString();
        return new Deployer(
                creation.creator(), creation.transactionHash(), owner.equalsIgnoreCase(creation.creator()), share);
    }

    private Long days(String iso) {
        try {
            return Duration.between(Instant.parse(iso), clock.instant()).toDays();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Repository repository(JsonNode repo) {
        return new Repository(
                repo.path("full_name").asString(),
                repo.path("stargazers_count").asInt(),
                repo.path("forks_count").asInt(),
                repo.path("language").isNull() ? null : repo.path("language").asString(null),
                repo.path("created_at").asString(null),
                repo.path("pushed_at").asString(null),
                repo.path("archived").asBoolean(false));
    }

    private JsonNode get(String path, String notFound) {
        Web.Answer answer = answer(path);
        if (answer.status() == 404) {
            throw new ToolException(notFound + " (GitHub answered 404)");
        }
        return ok(answer).json("GitHub");
    }

    private Web.Answer answer(String path) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/vnd.github+json");
        headers.put("X-GitHub-Api-Version", "2022-11-28");
        if (!token.isEmpty()) {
            headers.put("Authorization", "Bearer " + token);
        }
        return web.get("GitHub", "families.analysis.github.base-url", baseUrl + path, headers);
    }

    private Web.Answer ok(Web.Answer answer) {
        if ((answer.status() == 403 || answer.status() == 429)
                && "0"
                        .equals(answer.headers()
                                .firstValue("x-ratelimit-remaining")
                                .orElse(""))) {
            String reset = answer.headers()
                    .firstValue("x-ratelimit-reset")
                    .map(r -> Instant.ofEpochSecond(Long.parseLong(r)).toString())
                    .orElse("later");
            throw new ToolException("GitHub's rate limit for this server is used up until " + reset
                    + (token.isEmpty()
                            ? "; a token (families.analysis.github.token) raises it from 60 to 5,000 "
                                    + "requests an hour"
                            : ""));
        }
        return Web.ok("GitHub", "families.analysis.github.token", answer);
    }
}
