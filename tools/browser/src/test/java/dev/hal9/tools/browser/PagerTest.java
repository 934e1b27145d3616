package dev.hal9.tools.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PagerTest {

    @Test
    void everyPageFitsItsBudgetAndTogetherTheyHoldEveryCharacter() {
        StringBuilder text = new StringBuilder("# Heading\n");
        for (int i = 0; i < 3_000; i++) {
            text.append("ord ").append(i).append(" 🚢 ærlig ").append(i % 40 == 0 ? "\n" : "");
        }
        text.append("\nlast line");
        List<String> pages = Pager.split(text.toString(), 1_000);
        assertThat(pages).hasSizeGreaterThan(5).allSatisfy(page -> assertThat(Pager.tokens(page))
                .isLessThanOrEqualTo(1_000));
        // the pages break at line ends or inside a long line, and lose nothing: joined, the words are the text's
        assertThat(String.join(" ", pages).split("\\s+"))
                .containsExactly(text.toString().strip().split("\\s+"));
        assertThat(String.join("", pages)).doesNotContain("\uFFFD");
    }

    /** The browser bench's 2,500-button page at 100,000 tokens a page was cut by the server's 100,000-character bound. */
    @Test
    void aPageOfShortTokensStaysUnderTheServersCharacterBound() {
        String buttons = "button \"Buy 1\" [e5]\n".repeat(20_000);
        List<String> pages = Pager.split(buttons, 100_000);
        assertThat(pages).hasSizeGreaterThan(1).allSatisfy(page -> assertThat(page.length())
                .isLessThan(Pager.MAX_PAGE_CHARS));
        assertThat(String.join("\n", pages)).isEqualTo(buttons.strip());
    }

    @Test
    void aPagePastTheLastSaysHowManyThereAre() {
        assertThatThrownBy(() -> Pager.page("one line", 2, 20_000))
                .hasMessage("there is 1 page, so page must be 1 to 1, not 2");
    }

    @Test
    void laterPagesAreDescribedByTheirRefsAndHeadings() {
        assertThat(Pager.describe("h2 Reviews\nbutton \"Buy\" [f1e12]\nlink \"More\" [f1e14]\n## Related"))
                .isEqualTo("2 refs (f1e12 to f1e14); headings \"Reviews\", \"Related\"");
    }
}
