package dev.hal9.tools.browser;

import dev.hal9.api.Param;
import java.util.List;

/**
 * What a browser tool reports about the page after it acted: where it is, and a compact snapshot whose refs
 * browser_interact takes. The snapshot itself is in the text of the result only, not again in its structured content.
 */
public record PageState(
        @Param("The session handle.") String session,

        @Param(value = "The active tab's URL.", format = "uri")
        String url,

        @Param("The active tab's title.") String title,

        @Param("The HTTP status of the main document, when this call loaded one.")
        Integer status,

        @Param(
                value = "The compact accessibility snapshot of the active tab: one element per line, [eN] refs on what "
                        + "can be acted on. In the result's text only. Omitted when snapshot=false.",
                textOnly = true)
        String snapshot,

        @Param("The snapshot's id (s1, s2, ...): browser_extract what=snapshot snapshotId=... page=N reads its other "
                + "pages, with the same refs.")
        String snapshotId,

        @Param("Which page of the snapshot this is (1-based); see snapshotPages.")
        Integer snapshotPage,

        @Param("How many pages the snapshot has.") Integer snapshotPages,

        @Param("What each later page of the snapshot holds (its refs and first headings).")
        List<String> laterPages,

        @Param("Dialogs (alert/confirm/prompt) the page opened during this call and how they were answered.")
        List<String> dialogs,

        @Param("Something the model should know, such as a browser restart that restored the session.")
        String notice) {

    PageState withNotice(String notice) {
        return new PageState(
                session,
                url,
                title,
                status,
                snapshot,
                snapshotId,
                snapshotPage,
                snapshotPages,
                laterPages,
                dialogs,
                notice);
    }

    /** Renders the state as the text the model reads. */
    String render() {
        StringBuilder text = new StringBuilder();
        text.append(title == null || title.isEmpty() ? "(untitled)" : title)
                .append(" — ")
                .append(url);
        if (status != null) {
            text.append(" [HTTP ").append(status).append(']');
        }
        text.append('\n');
        if (notice != null) {
            text.append("Note: ").append(notice).append('\n');
        }
        if (dialogs != null && !dialogs.isEmpty()) {
            text.append("Dialogs: ").append(String.join("; ", dialogs)).append('\n');
        }
        if (snapshot != null) {
            text.append(snapshot).append('\n');
            if (snapshotPages != null && snapshotPages > 1) {
                text.append(Pager.footer(snapshotId, snapshotPage, snapshotPages, laterPages));
            }
        }
        return text.toString().stripTrailing();
    }
}
