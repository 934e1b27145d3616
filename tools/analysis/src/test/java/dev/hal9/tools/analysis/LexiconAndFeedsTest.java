package dev.hal9.tools.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.ToolException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LexiconAndFeedsTest {

    @Test
    void scoresFollowTheDocumentedFormula() {
        Lexicon.Score good = Lexicon.score("Volume surges to a record");
        // surges 2.0 + record 1.0 = 3; 3 / sqrt(9 + 15)
        assertThat(good.score()).isEqualTo(Math.round(3 / Math.sqrt(24) * 1000) / 1000.0);
        assertThat(good.label()).isEqualTo("positive");
        assertThat(good.terms()).extracting(Lexicon.Term::term).containsExactly("surges", "record");
    }

    @Test
    void aNegationFlipsAndHalves() {
        Lexicon.Score score = Lexicon.score("The protocol was not hacked");
        assertThat(score.terms()).containsExactly(new Lexicon.Term("not hacked", 1.25));
        assertThat(score.label()).isEqualTo("positive");
        assertThat(Lexicon.score("It isn’t a scam").terms()).containsExactly(new Lexicon.Term("not scam", 1.5));
        assertThat(Lexicon.score("Nothing to see").label()).isEqualTo("neutral");
    }

    @Test
    void rssAtomAndRdfItemsAreRead() {
        List<Feeds.Item> rss = Feeds.parse("rss", """
                <rss version="2.0"><channel><item><title>A</title><link>https://a.example/</link>
                <description><![CDATA[<p>Hello <b>there</b> &amp; more</p>]]></description>
                <pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>""");
        assertThat(rss)
                .containsExactly(new Feeds.Item(
                        "A", "https://a.example/", "Hello there & more", "Mon, 30 Nov 2026 08:00:00 GMT"));
        List<Feeds.Item> atom = Feeds.parse("atom", """
                <feed xmlns="http://www.w3.org/2005/Atom"><entry><title>B</title><link href="https://b.example/"/>
                <content type="html">Body</content><updated>2026-11-29T18:30:02Z</updated></entry></feed>""");
        assertThat(atom).containsExactly(new Feeds.Item("B", "https://b.example/", "Body", "2026-11-29T18:30:02Z"));
        List<Feeds.Item> rdf = Feeds.parse("rdf", """
                <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                  xmlns:dc="http://purl.org/dc/elements/1.1/"><item rdf:about="https://c.example/"><title>C</title>
                <link>https://c.example/</link><dc:date>2026-11-28</dc:date></item></rdf:RDF>""");
        assertThat(rdf).containsExactly(new Feeds.Item("C", "https://c.example/", null, "2026-11-28"));
    }

    @Test
    void aFeedWithADoctypeIsRefusedSoNoEntityReadsAFile() {
        String hostile = """
                <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>""";
        assertThatThrownBy(() -> Feeds.parse("hostile", hostile))
                .isInstanceOf(ToolException.class)
                .hasMessageContaining("the feed hostile is not RSS or Atom XML")
                .hasMessageNotContaining("root:");
    }
}
