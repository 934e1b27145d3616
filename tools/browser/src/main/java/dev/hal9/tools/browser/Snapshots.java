package dev.hal9.tools.browser;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Playwright's accessibility snapshot (AI mode, with {@code [ref=eN]} markers) into hal9's compact
 * snapshot: every interactive element keeps its ref, layout wrappers without meaning are dropped and their
 * children lifted, table rows become one line, link targets and cursor hints are left out (browser_extract
 * what=links has the URLs), and one space indents a level. Stateless and thread-safe.
 */
final class Snapshots {

    /** Roles a model acts on: these keep their refs. */
    static final Set<String> INTERACTIVE = Set.of(
            "link",
            "button",
            "textbox",
            "searchbox",
            "checkbox",
            "radio",
            "combobox",
            "listbox",
            "option",
            "menuitem",
            "menuitemcheckbox",
            "menuitemradio",
            "tab",
            "switch",
            "slider",
            "spinbutton",
            "treeitem",
            "gridcell",
            "columnheader",
            "iframe");

    /** Roles that only group: without a name they vanish and their children move up. */
    private static final Set<String> WRAPPERS = Set.of(
            "generic",
            "group",
            "none",
            "presentation",
            "rowgroup",
            "paragraph",
            "list",
            "listitem",
            "main",
            "region",
            "section",
            "article",
            "contentinfo",
            "banner",
            "complementary",
            "document",
            "Section",
            "LineBreak",
            "strong",
            "emphasis",
            "code",
            "blockquote",
            "figure",
            "separator");

    /**
     * One line of Playwright's YAML-shaped aria snapshot: {@code - KEY}, {@code - KEY:} (children follow) or
     * {@code - KEY: VALUE}. Its serializer (yaml.ts) wraps a whole KEY in single quotes ({@code ''} inside) when the
     * key needs quoting (a {@code ": "} or {@code " #"} in a name, a leading bracket or quote...), and a VALUE in
     * double quotes with JSON's escapes.
     */
    private static final Pattern ITEM = Pattern.compile("^(?<indent> *)- (?<rest>.*)$");
    /**
     * A KEY: a role, then a name as a JSON string, as a regular expression ({@code /.../flags}) or bare (a name such
     * as {@code /} that needs no quotes), then attributes.
     */
    private static final Pattern KEY = Pattern.compile("^(?<role>[A-Za-z/][\\w-]*)"
            + "(?: (?<name>\"(?:[^\"\\\\]|\\\\.)*\"|/(?:[^/\\\\]|\\\\.)*/[a-z]*|[^\\[\\s][^\\[]*?))?"
            + "(?<attrs>(?: \\[[^\\]]*\\])*)$");

    private static final Pattern ATTRIBUTE = Pattern.compile("\\[([^\\]=]+)(?:=([^\\]]*))?\\]");

    private Snapshots() {}

    /** One node of the snapshot tree. */
    private static final class Node {
        final String role;
        final String name;
        final String ref;
        final List<String> states = new ArrayList<>();
        final String value;
        final List<Node> children = new ArrayList<>();

        Node(String role, String name, String ref, String value) {
            this.role = role;
            this.name = name;
            this.ref = ref;
            this.value = value;
        }
    }

    /**
     * The compact form of an AI-mode snapshot.
     *
     * @param aria the snapshot as {@code page.ariaSnapshot(mode AI)} returns it
     */
    static String compact(String aria) {
        Node root = new Node("root", null, null, null);
        List<Node> stack = new ArrayList<>();
        List<Integer> indents = new ArrayList<>();
        stack.add(root);
        indents.add(-1);
        for (String line : aria.split("\n")) {
            Matcher item = ITEM.matcher(line);
            if (!item.matches()) {
                continue;
            }
            int indent = item.group("indent").length();
            Item parts = item(item.group("rest"));
            Matcher matcher = parts == null ? null : KEY.matcher(parts.key());
            if (matcher == null || !matcher.matches()) {
                // a form this parser does not know: kept as it is, and its children stay under their parent
                attach(new Node("text", null, null, item.group("rest")), indent, stack, indents);
                continue;
            }
            String role = matcher.group("role");
            String ref = null;
            List<String> states = new ArrayList<>();
            Matcher attribute = ATTRIBUTE.matcher(matcher.group("attrs") == null ? "" : matcher.group("attrs"));
            while (attribute.find()) {
                String key = attribute.group(1);
                String value = attribute.group(2);
                switch (key) {
                    case "ref" -> ref = value;
                    case "cursor", "active" -> {}
                    case "level" -> states.add("h" + value);
                    default -> states.add(value == null ? key : key + "=" + value);
                }
            }
            Node node = new Node(role, name(matcher.group("name")), ref, parts.value());
            node.states.addAll(states);
            attach(node, indent, stack, indents);
        }
        StringBuilder out = new StringBuilder();
        for (Node child : root.children) {
            render(child, 0, out);
        }
        return out.toString();
    }

    private static void attach(Node node, int indent, List<Node> stack, List<Integer> indents) {
        while (indents.get(indents.size() - 1) >= indent) {
            stack.remove(stack.size() - 1);
            indents.remove(indents.size() - 1);
        }
        stack.get(stack.size() - 1).children.add(node);
        stack.add(node);
        indents.add(indent);
    }

    /** A line's KEY and VALUE (null when it has none), both unquoted. */
    private record Item(String key, String value) {}

    /** The KEY and VALUE after a line's "- ", or null when the quoting is not one yaml.ts writes. */
    private static Item item(String rest) {
        String key;
        String after;
        if (rest.startsWith("'")) {
            StringBuilder unquoted = new StringBuilder();
            int i = 1;
            while (true) {
                if (i >= rest.length()) {
                    return null;
                }
                char c = rest.charAt(i);
                if (c == '\'') {
                    if (i + 1 < rest.length() && rest.charAt(i + 1) == '\'') {
                        unquoted.append('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                unquoted.append(c);
                i++;
            }
            key = unquoted.toString();
            after = rest.substring(i + 1);
        } else {
            // an unquoted key holds no ": " (yaml.ts would have quoted it): it ends at the first, or at a last ':'
            int colon = rest.indexOf(": ");
            if (colon >= 0) {
                key = rest.substring(0, colon);
                after = rest.substring(colon);
            } else if (rest.endsWith(":")) {
                key = rest.substring(0, rest.length() - 1);
                after = ":";
            } else {
                key = rest;
                after = "";
            }
        }
        if (after.isEmpty() || after.equals(":")) {
            return new Item(key, null);
        }
        if (!after.startsWith(": ")) {
            return null;
        }
        String value = after.substring(2);
        if (value.startsWith("\"")) {
            value = jsonString(value);
            if (value == null) {
                return null;
            }
        }
        return new Item(key, value);
    }

    /** A name as written in a KEY: a JSON string is decoded; a regular expression or a bare name is kept. */
    private static String name(String written) {
        if (written == null) {
            return null;
        }
        if (written.startsWith("\"")) {
            String decoded = jsonString(written);
            return decoded == null ? written : decoded;
        }
        return written.strip();
    }

    /** A double-quoted string with JSON's escapes (and yaml.ts's \xNN), or null when it is not one. */
    private static String jsonString(String quoted) {
        if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c != '\\') {
                if (c == '"') {
                    return null;
                }
                out.append(c);
                continue;
            }
            if (++i >= quoted.length() - 1) {
                return null;
            }
            char e = quoted.charAt(i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u', 'x' -> {
                    int digits = e == 'u' ? 4 : 2;
                    if (i + digits >= quoted.length()) {
                        return null;
                    }
                    try {
                        out.append((char) Integer.parseInt(quoted.substring(i + 1, i + 1 + digits), 16));
                    } catch (NumberFormatException bad) {
                        return null;
                    }
                    i += digits;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }

    private static void render(Node node, int depth, StringBuilder out) {
        switch (node.role) {
            case "/url", "/placeholder" -> {
                return;
            }
            case "text" -> {
                line(out, depth, node.value == null ? "" : node.value);
                return;
            }
            case "row" -> {
                if (node.children.stream().noneMatch(Snapshots::hasInteractive)) {
                    List<String> cells = new ArrayList<>();
                    for (Node cell : node.children) {
                        cells.add(text(cell));
                    }
                    line(out, depth, "| " + String.join(" | ", cells) + " |");
                    return;
                }
            }
            default -> {}
        }
        boolean interactive = INTERACTIVE.contains(node.role);
        boolean wrapper = WRAPPERS.contains(node.role) && node.name == null && !interactive;
        if (wrapper) {
            if (node.value != null && !node.value.isBlank()) {
                line(out, depth, node.value);
            }
            for (Node child : node.children) {
                render(child, depth, out);
            }
            return;
        }
        StringBuilder text = new StringBuilder();
        if (node.role.equals("heading")) {
            String level = node.states.stream()
                    .filter(s -> s.startsWith("h"))
                    .findFirst()
                    .orElse("h");
            text.append(level).append(' ').append(node.name == null ? "" : node.name);
        } else {
            text.append(node.role);
            if (node.name != null && !node.name.isEmpty()) {
                text.append(" \"").append(node.name).append('"');
            }
        }
        if (interactive && node.ref != null) {
            text.append(" [").append(node.ref).append(']');
        }
        for (String state : node.states) {
            if (!state.matches("h\\d")) {
                text.append(" [").append(state).append(']');
            }
        }
        if (node.value != null && !node.value.isBlank()) {
            text.append(": ").append(node.value);
        }
        line(out, depth, text.toString());
        for (Node child : node.children) {
            render(child, depth + 1, out);
        }
    }

    private static boolean hasInteractive(Node node) {
        return INTERACTIVE.contains(node.role) && !node.role.equals("gridcell") && !node.role.equals("columnheader")
                || node.children.stream().anyMatch(Snapshots::hasInteractive);
    }

    private static String text(Node node) {
        if (node.name != null && !node.name.isEmpty()) {
            return node.name;
        }
        if (node.value != null) {
            return node.value;
        }
        List<String> parts = new ArrayList<>();
        for (Node child : node.children) {
            String part = text(child);
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return String.join(" ", parts);
    }

    private static void line(StringBuilder out, int depth, String text) {
        if (text.isBlank()) {
            return;
        }
        out.append(" ".repeat(depth)).append(text.strip()).append('\n');
    }
}
