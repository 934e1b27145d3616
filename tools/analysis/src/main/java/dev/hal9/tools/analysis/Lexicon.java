package dev.hal9.tools.analysis;

import dev.hal9.api.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lexicon sentiment score for short texts about tokens and projects, shown with the words that made it so a
 * model can check it rather than trust it. The method follows VADER's outline (Hutto and Gilbert, 2014): each word
 * of the lexicon adds its weight (-3 to +3); a negation among the three words before it flips the weight and halves
 * it; the sum is normalised to -1..1 as {@code sum / sqrt(sum² + 15)}; a score of 0.05 or more is positive, -0.05 or
 * less negative, neutral between. The lexicon is hal9's own, about crypto projects (rug, exploit, audit, listing,
 * ...), not VADER's general one. Stateless.
 */
final class Lexicon {

    record Term(
            @Param("The word or phrase.") String term,
            @Param("Its weight, after negation.") double weight) {}

    record Score(double score, String label, List<Term> terms) {}

    static final String METHOD =
            "lexicon score: each listed word adds its weight (-3..+3), a negation (not, no, never, "
                    + "n't, without) in the three words before it flips and halves it, the sum s becomes s/sqrt(s²+15) "
                    + "(-1..1; VADER's normalisation); >= 0.05 positive, <= -0.05 negative, else neutral";

    private static final Map<String, Double> WEIGHTS = Map.ofEntries(
            Map.entry("scam", -3.0),
            Map.entry("scammer", -3.0),
            Map.entry("rug", -3.0),
            Map.entry("rugpull", -3.0),
            Map.entry("rugged", -3.0),
            Map.entry("honeypot", -3.0),
            Map.entry("exploit", -2.5),
            Map.entry("exploited", -2.5),
            Map.entry("hack", -2.5),
            Map.entry("hacked", -2.5),
            Map.entry("drained", -2.5),
            Map.entry("stolen", -2.5),
            Map.entry("fraud", -3.0),
            Map.entry("ponzi", -3.0),
            Map.entry("lawsuit", -2.0),
            Map.entry("sued", -2.0),
            Map.entry("delisted", -2.0),
            Map.entry("delisting", -2.0),
            Map.entry("vulnerability", -2.0),
            Map.entry("crash", -2.0),
            Map.entry("crashed", -2.0),
            Map.entry("dump", -1.5),
            Map.entry("dumped", -1.5),
            Map.entry("plunge", -2.0),
            Map.entry("plunges", -2.0),
            Map.entry("collapse", -2.5),
            Map.entry("insolvent", -2.5),
            Map.entry("warning", -1.5),
            Map.entry("risky", -1.5),
            Map.entry("suspicious", -2.0),
            Map.entry("fake", -2.0),
            Map.entry("bearish", -1.5),
            Map.entry("abandoned", -2.0),
            Map.entry("outage", -1.5),
            Map.entry("paused", -1.0),
            Map.entry("loss", -1.5),
            Map.entry("losses", -1.5),
            Map.entry("falls", -1.0),
            Map.entry("down", -0.5),
            Map.entry("concern", -1.0),
            Map.entry("concerns", -1.0),
            Map.entry("bullish", 1.5),
            Map.entry("surge", 2.0),
            Map.entry("surges", 2.0),
            Map.entry("rally", 1.5),
            Map.entry("soars", 2.0),
            Map.entry("gains", 1.0),
            Map.entry("growth", 1.5),
            Map.entry("partnership", 1.5),
            Map.entry("partners", 1.0),
            Map.entry("listing", 1.0),
            Map.entry("listed", 1.0),
            Map.entry("launch", 1.0),
            Map.entry("launches", 1.0),
            Map.entry("upgrade", 1.0),
            Map.entry("audited", 1.5),
            Map.entry("audit", 0.5),
            Map.entry("secure", 1.5),
            Map.entry("trusted", 1.5),
            Map.entry("adoption", 1.5),
            Map.entry("milestone", 1.5),
            Map.entry("record", 1.0),
            Map.entry("innovative", 1.5),
            Map.entry("success", 2.0),
            Map.entry("successful", 2.0),
            Map.entry("strong", 1.0),
            Map.entry("recovers", 1.5),
            Map.entry("recovered", 1.5),
            Map.entry("legit", 1.5),
            Map.entry("approved", 1.5),
            Map.entry("funding", 1.0),
            Map.entry("raises", 1.0));

    private static final List<String> NEGATIONS = List.of(
            "not", "no", "never", "without", "isn't", "wasn't", "aren't", "don't", "doesn't", "didn't", "cannot",
            "can't", "won't", "nor");
    private static final Pattern WORD = Pattern.compile("[a-z][a-z']*");

    private Lexicon() {}

    static Score score(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(text.toLowerCase(Locale.ROOT).replace('’', '\''));
        while (matcher.find()) {
            words.add(matcher.group());
        }
        double sum = 0;
        List<Term> terms = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            Double weight = WEIGHTS.get(words.get(i));
            if (weight == null) {
                continue;
            }
            boolean negated = false;
            for (int j = Math.max(0, i - 3); j < i; j++) {
                negated |= NEGATIONS.contains(words.get(j)) || words.get(j).endsWith("n't");
            }
            double w = negated ? -weight / 2 : weight;
            sum += w;
            terms.add(new Term(negated ? "not " + words.get(i) : words.get(i), w));
        }
        double score = sum == 0 ? 0 : sum / Math.sqrt(sum * sum + 15);
        score = Math.round(score * 1000) / 1000.0;
        String label = score >= 0.05 ? "positive" : score <= -0.05 ? "negative" : "neutral";
        return new Score(score, label, terms);
    }
}
