package dev.hal9.tools.browser;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a snapshot or a page's text into pages of at most a token budget, line by line. Tokens are counted with
 * o200k_base (OpenAI's current tokenizer, through jtokkit); other models' tokenizers count English pages within a
 * few percent of it, and the budget leaves room for that. A line longer than a page is split at a space across
 * pages, never cut, so every character of the text is on some page.
 */
final class Pager {

    /** What one page shows, and how the others are described to the model. */
    record Paged(String text, int page, int pages, List<String> laterPages) {}

    /**
     * The most characters a page holds, whatever its token budget: below the server's bound on a result's text
     * (tools.max-output-chars, 100,000 by default), which would otherwise cut a large page of short tokens.
     */
    static final int MAX_PAGE_CHARS = 90_000;

    /** How many of the following pages a page describes. */
    static final int LATER_PAGES = 5;

    /**
     * Tokens held back from each page for the lines a tool adds around it: the title and URL, and the footer that
     * describes the next {@link #LATER_PAGES} pages (about 40 tokens each at most).
     */
    static final int RESERVE = 400;

    /** A ref as Playwright writes it: {@code e12}, or {@code f1e12} for later documents and frames. */
    private static final Pattern REF = Pattern.compile("\\[((?:[a-z]\\d+)*e\\d+)]");
    /** A heading as {@link Snapshots} writes it: {@code h2 Reviews}, with any ref and states after the name. */
    private static final Pattern SNAPSHOT_HEADING =
            Pattern.compile("^\\s*h[1-6]? (.+?)(?: \\[(?:[a-z]\\d+)*e\\d+].*)?$");

    private static final Pattern MARKDOWN_HEADING = Pattern.compile("^#{1,6} (.+)$");

    private Pager() {}

    /** The o200k_base encoding, loaded on first use (about 3.6 MB of ranks): a server that never pages never loads it. */
    private static final class Tokenizer {
        static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    static int tokens(String text) {
        return text.isEmpty() ? 0 : Tokenizer.O200K.countTokensOrdinary(text);
    }

    /**
     * The pages of {@code text} under {@code budget} tokens each (less {@link #RESERVE}), and page {@code page}
     * (1-based) of them.
     *
     * @throws IllegalArgumentException if {@code page} is past the last page; the message says how many there are
     */
    static Paged page(String text, int page, int budget) {
        List<String> pages = split(text, Math.max(budget - RESERVE, 100));
        if (page < 1 || page > pages.size()) {
            throw new IllegalArgumentException(
                    "there " + (pages.size() == 1 ? "is 1 page" : "are " + pages.size() + " pages")
                            + ", so page must be 1 to " + pages.size() + ", not " + page);
        }
        List<String> later = new ArrayList<>();
        for (int i = page; i < Math.min(pages.size(), page + LATER_PAGES); i++) {
            later.add("page " + (i + 1) + ": " + describe(pages.get(i)));
        }
        if (pages.size() > page + LATER_PAGES) {
            int more = pages.size() - page - LATER_PAGES;
            later.add("and " + more + " more page" + (more == 1 ? "" : "s") + " after those");
        }
        String shown = pages.get(page - 1);
        return new Paged(shown, page, pages.size(), later);
    }

    /**
     * The line after a page of several: where the model is, how to read another page (of the same snapshot, when
     * {@code snapshotId} names one) and what the next pages hold.
     */
    static String footer(String snapshotId, int page, int pages, List<String> laterPages) {
        StringBuilder text = new StringBuilder("[");
        if (snapshotId != null) {
            text.append("snapshot ").append(snapshotId).append(", ");
        }
        text.append("page ").append(page).append(" of ").append(pages).append(". ");
        text.append(
                snapshotId != null
                        ? "browser_extract what=snapshot snapshotId=" + snapshotId
                                + " page=N reads another page (same refs); query=... filters."
                        : "page=N reads another.");
        if (laterPages != null && !laterPages.isEmpty()) {
            text.append(" Later pages:");
            laterPages.forEach(later -> text.append("\n  ").append(later));
        }
        return text.append("]\n").toString();
    }

    static List<String> split(String text, int budget) {
        List<String> pages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int used = 0;
        for (String line : text.strip().split("\n", -1)) {
            int cost = tokens(line) + 1;
            boolean tooLong = cost > budget || line.length() >= MAX_PAGE_CHARS;
            for (String piece : tooLong ? pieces(line, budget - 1) : List.of(line)) {
                int pieceCost = tooLong ? tokens(piece) + 1 : cost;
                if ((used + pieceCost > budget || current.length() + piece.length() >= MAX_PAGE_CHARS) && used > 0) {
                    pages.add(current.toString().stripTrailing());
                    current.setLength(0);
                    used = 0;
                }
                current.append(piece).append('\n');
                used += pieceCost;
            }
        }
        if (used > 0 || pages.isEmpty()) {
            pages.add(current.toString().stripTrailing());
        }
        return pages;
    }

    /** A line too long for one page, in pieces of at most {@code budget} tokens, split after a space where it can. */
    private static List<String> pieces(String line, int budget) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < line.length()) {
            String rest = line.substring(start);
            int restTokens = tokens(rest);
            if (restTokens <= budget && rest.length() < MAX_PAGE_CHARS) {
                pieces.add(rest);
                break;
            }
            // a first guess from the line's own characters per token, then shrink until it fits
            int length = Math.max(
                    1, Math.min(MAX_PAGE_CHARS - 1, (int) ((long) rest.length() * budget / restTokens * 0.95)));
            int end;
            while (true) {
                end = start + length;
                int space = line.lastIndexOf(' ', end);
                if (space > start + length / 2) {
                    end = space + 1;
                }
                end = Math.min(end, line.length());
                if (end < line.length() && end - 1 > start && Character.isLowSurrogate(line.charAt(end))) {
                    end--; // never between the halves of a surrogate pair
                }
                if (tokens(line.substring(start, end)) <= budget || length == 1) {
                    break;
                }
                length = Math.max(1, length * 9 / 10);
            }
            pieces.add(line.substring(start, end));
            start = end;
        }
        return pieces;
    }

    /** A page in a line: the refs it holds and its first headings. */
    static String describe(String page) {
        List<String> parts = new ArrayList<>();
        Matcher ref = REF.matcher(page);
        String first = null;
        String last = null;
        int count = 0;
        while (ref.find()) {
            first = first == null ? ref.group(1) : first;
            last = ref.group(1);
            count++;
        }
        if (count > 0) {
            parts.add(count + (count == 1 ? " ref (" + first + ")" : " refs (" + first + " to " + last + ")"));
        }
        Set<String> headings = new LinkedHashSet<>();
        for (String line : page.split("\n")) {
            Matcher heading = SNAPSHOT_HEADING.matcher(line);
            Matcher markdown = MARKDOWN_HEADING.matcher(line);
            if (markdown.matches()) {
                headings.add(markdown.group(1).strip());
            } else if (heading.matches()) {
                headings.add(heading.group(1).strip());
            }
            if (headings.size() == 3) {
                break;
            }
        }
        if (!headings.isEmpty()) {
            parts.add("headings "
                    + String.join(
                            ", ",
                            headings.stream().map(h -> '"' + clip(h) + '"').toList()));
        }
        if (parts.isEmpty()) {
            String opening = page.strip().lines().findFirst().orElse("").strip();
            parts.add("starts \"" + clip(opening) + "\"");
        }
        return String.join("; ", parts);
    }

    private static String clip(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57).stripTrailing() + "...";
    }

    /** Lines containing the query (case-insensitive) and, for an indented snapshot, their ancestors. */
    static String filter(String text, String query) {
        String needle = query.toLowerCase(Locale.ROOT);
        String[] lines = text.split("\n");
        boolean[] keep = new boolean[lines.length];
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).contains(needle)) {
                keep[i] = true;
                int depth = indent(lines[i]);
                for (int j = i - 1; j >= 0 && depth > 0; j--) {
                    if (indent(lines[j]) < depth) {
                        keep[j] = true;
                        depth = indent(lines[j]);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (keep[i]) {
                out.append(lines[i]).append('\n');
            }
        }
        return out.toString();
    }

    private static int indent(String line) {
        int count = 0;
        while (count < line.length() && line.charAt(count) == ' ') {
            count++;
        }
        return count;
    }
}
