package dev.hal9.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * How {@code hal9 install} edits a client's file as text (issue 14, item 6): the entry goes in with the file's own
 * layout and nothing else moves. The end-to-end runs per client are in conformance-tests' InstallTest.
 */
class ClientConfigMergeTest {

    private static final Path LAUNCHER = Path.of("/opt/hal9/hal9");
    private static final Path FILE = Path.of("/tmp/mcp.json");

    private static String merge(Install.Client client, String text) {
        return Install.merge(client, text, LAUNCHER, FILE);
    }

    @Test
    void aMissingOrEmptyFileBecomesTheSnippetTheClientDocuments() {
        String expected = """
                {
                  "mcpServers": {
                    "hal9": {
                      "command": "/opt/hal9/hal9",
                      "args": ["serve", "--stdio"]
                    }
                  }
                }
                """;
        assertThat(merge(Install.Client.CLAUDE_DESKTOP, null)).isEqualTo(expected);
        assertThat(merge(Install.Client.CURSOR, "  \n")).isEqualTo(expected);
    }

    @Test
    void vsCodeKeepsCommentsTrailingCommasAndTabs() {
        String before = "{\n\t// mine\n\t\"servers\": {\n\t\t\"a\": {\"command\": \"x\"},\n\t},\n}\n";
        assertThat(merge(Install.Client.VSCODE, before))
                .isEqualTo("{\n\t// mine\n\t\"servers\": {\n\t\t\"a\": {\"command\": \"x\"},\n\t\t\"hal9\": {\n"
                        + "\t\t\t\"type\": \"stdio\",\n\t\t\t\"command\": \"/opt/hal9/hal9\",\n"
                        + "\t\t\t\"args\": [\"serve\", \"--stdio\"]\n\t\t},\n\t},\n}\n");
    }

    @Test
    void commentsAreNotJsonForClaudeDesktop() {
        assertThatThrownBy(() -> merge(Install.Client.CLAUDE_DESKTOP, "{\n  // no\n  \"mcpServers\": {}\n}\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/tmp/mcp.json is not valid JSON")
                .hasMessageContaining("line 2");
    }

    @Test
    void aFileOnOneLineGetsTheEntryOnThatLine() {
        assertThat(merge(Install.Client.CURSOR, "{\"theme\": 1}"))
                .isEqualTo("{\"theme\": 1, \"mcpServers\": {\"hal9\": {\"command\": \"/opt/hal9/hal9\", "
                        + "\"args\": [\"serve\", \"--stdio\"]}}}");
        assertThat(merge(Install.Client.CURSOR, "{\"mcpServers\": {}}\n"))
                .isEqualTo("{\"mcpServers\": {\"hal9\": {\"command\": \"/opt/hal9/hal9\", "
                        + "\"args\": [\"serve\", \"--stdio\"]}}}\n");
    }

    @Test
    void anEntryAlreadyInPlaceLeavesTheTextAsItIsWhateverItsLayout() {
        String text = "{\"mcpServers\":{\"hal9\":{\"args\":[\"serve\",\"--stdio\"],\"command\":\"/opt/hal9/hal9\"}}}";
        assertThat(merge(Install.Client.CLAUDE_DESKTOP, text)).isSameAs(text);
    }

    @Test
    void serversThatAreNotAnObjectAreRefused() {
        assertThatThrownBy(() -> merge(Install.Client.CURSOR, "{\"mcpServers\": []}"))
                .hasMessageContaining("'mcpServers' is not an object");
        assertThatThrownBy(() -> merge(Install.Client.CURSOR, "\"text\""))
                .hasMessageContaining("does not hold a JSON object");
    }

    @Test
    void windowsLineEndsAreKept() {
        String before = "{\r\n  \"mcpServers\": {}\r\n}\r\n";
        String after = merge(Install.Client.CLAUDE_DESKTOP, before);
        assertThat(after)
                .isEqualTo("{\r\n  \"mcpServers\": {\r\n    \"hal9\": {\r\n      \"command\": \"/opt/hal9/hal9\",\r\n"
                        + "      \"args\": [\"serve\", \"--stdio\"]\r\n    }\r\n  }\r\n}\r\n");
        assertThat(merge(Install.Client.CLAUDE_DESKTOP, after)).isSameAs(after);
    }

    @Test
    void theDiffIsUnifiedWithRemovalsBeforeAdditions() {
        String diff = Install.Diff.unified("a\nb\nc\n", "a\nB\nc\nd\n", "old", "new");
        assertThat(diff).isEqualTo("--- old\n+++ new\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n");
    }
}
