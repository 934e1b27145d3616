package dev.hal9.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code hal9 install CLIENT}: merges an {@code hal9} entry that launches this checkout's {@code ./hal9 serve --stdio}
 * into an MCP client's JSON configuration, showing the change as a unified diff first. The file is edited as text
 * where the entry goes, so the client's other servers, settings, comments and layout stay as they were; a file that
 * is not valid JSON is never overwritten.
 */
@Command(
        name = "install",
        mixinStandardHelpOptions = true,
        description = {
            "Add hal9 to an MCP client's configuration, so no one edits its JSON by hand.",
            "Writes an 'hal9' entry that runs this checkout's ./hal9 with 'serve --stdio',",
            "after showing the change as a diff and asking. Other servers and settings",
            "stay as they were; a second run changes nothing. Restart the client after."
        },
        footer = {
            "%nClients, and the file each reads on Linux (macOS and Windows: README.md):",
            "  claude-desktop  ~/.config/Claude/claude_desktop_config.json (mcpServers)",
            "  cursor          ~/.cursor/mcp.json (mcpServers)",
            "  vscode          ~/.config/Code/User/mcp.json (servers, type stdio)",
            "%nExamples:",
            "  hal9 install claude-desktop",
            "  hal9 install cursor --dry-run      print the diff, write nothing",
            "  hal9 install vscode --config-file .vscode/mcp.json   one workspace only"
        })
final class Install implements Callable<Integer> {

    /** The MCP clients hal9 knows how to configure. */
    enum Client {
        CLAUDE_DESKTOP("claude-desktop", "mcpServers", false),
        CURSOR("cursor", "mcpServers", false),
        VSCODE("vscode", "servers", true);

        final String id;
        /** The top-level member that maps server names to their launch settings. */
        final String serversKey;
        /** VS Code reads its mcp.json as JSON with comments and trailing commas. */
        final boolean jsonWithComments;

        Client(String id, String serversKey, boolean jsonWithComments) {
            this.id = id;
            this.serversKey = serversKey;
            this.jsonWithComments = jsonWithComments;
        }

        static Client named(String id) {
            for (Client client : values()) {
                if (client.id.equals(id.toLowerCase(Locale.ROOT))) {
                    return client;
                }
            }
            throw new IllegalArgumentException(
                    "unknown client '" + id + "'; name one of claude-desktop, cursor or vscode");
        }

        /**
         * Where the client reads its user-wide configuration, by the client's documentation: Claude Desktop's
         * {@code claude_desktop_config.json} in the app's data folder, Cursor's global {@code ~/.cursor/mcp.json},
         * and VS Code's {@code mcp.json} in the default user profile (beside its user {@code settings.json}).
         */
        Path defaultFile(Map<String, String> environment, String osName) {
            Path home = Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")));
            String os = osName.toLowerCase(Locale.ROOT);
            Path appData; // Electron's app-data folder, which both Claude Desktop and VS Code use
            if (os.startsWith("mac") || os.startsWith("darwin")) {
                appData = home.resolve("Library/Application Support");
            } else if (os.startsWith("windows")) {
                String roaming = environment.get("APPDATA");
                appData = roaming != null && !roaming.isBlank() ? Path.of(roaming) : home.resolve("AppData/Roaming");
            } else {
                String xdg = environment.get("XDG_CONFIG_HOME");
                appData = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
            }
            return switch (this) {
                case CLAUDE_DESKTOP -> appData.resolve("Claude").resolve("claude_desktop_config.json");
                case CURSOR -> home.resolve(".cursor").resolve("mcp.json");
                case VSCODE -> appData.resolve("Code").resolve("User").resolve("mcp.json");
            };
        }

        /** The entry that launches {@code launcher serve --stdio}, in the shape this client reads. */
        Map<String, Object> entry(Path launcher) {
            Map<String, Object> entry = new LinkedHashMap<>();
            if (this == VSCODE) {
                entry.put("type", "stdio");
            }
            entry.put("command", launcher.toString());
            entry.put("args", List.of("serve", "--stdio"));
            return entry;
        }
    }

    /** The name the entry is written under. */
    static final String NAME = "hal9";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(
            paramLabel = "CLIENT",
            description = "claude-desktop, cursor or vscode.",
            completionCandidates = ClientNames.class)
    String client;

    @Option(
            names = "--config-file",
            paramLabel = "FILE",
            description = "Edit this file instead of the client's usual one, such as a workspace's .vscode/mcp.json.")
    Path configFile;

    @Option(
            names = {"-y", "--yes"},
            description = "Write without asking (the diff is still printed).")
    boolean yes;

    @Option(names = "--dry-run", description = "Print the diff and write nothing.")
    boolean dryRun;

    static final class ClientNames extends ArrayList<String> {
        ClientNames() {
            super(List.of("claude-desktop", "cursor", "vscode"));
        }
    }

    @Override
    public Integer call() throws IOException {
        Client target = Client.named(client);
        Path launcher = launcher();
        Path file = (configFile != null
                        ? configFile
                        : target.defaultFile(System.getenv(), System.getProperty("os.name")))
                .toAbsolutePath()
                .normalize();
        String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
        String after = merge(target, before, launcher, file);
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (after.equals(before)) {
            err.println("hal9: " + file + " already runs " + launcher + " serve --stdio as '" + NAME
                    + "'; nothing to change");
            err.flush();
            return 0;
        }
        out.print(Diff.unified(
                before == null ? "" : before, after, before == null ? "/dev/null" : file.toString(), file.toString()));
        out.flush();
        if (dryRun) {
            err.println("hal9: --dry-run: " + file + " was not changed");
            err.flush();
            return 0;
        }
        if (!yes) {
            err.print("Write this to " + file + "? [y/N] ");
            err.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                err.println();
                err.println("hal9: " + file + " was not changed (answer y, or pass --yes)");
                err.flush();
                return 1;
            }
        }
        write(file, after);
        err.println("hal9: wrote '" + NAME + "' to " + file + "; restart " + target.id + " to use it");
        err.flush();
        return 0;
    }

    /**
     * The checkout's {@code ./hal9} launcher: the jar runs from {@code <checkout>/mcp-server/runtime/target/}, and
     * the entry must name the launcher (which finds a JDK and uses the start-up cache), never the jar itself.
     */
    static Path launcher() {
        Path code;
        try {
            code = Path.of(Install.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalArgumentException("cannot tell where this hal9 runs from: " + e.getMessage());
        }
        // target/hal9.jar and target/classes are both four levels below the checkout
        // (a jar elsewhere, such as the MCPB bundle's, has no launcher four levels up, and is told so below)
        Path checkout = code.toAbsolutePath();
        for (int level = 0; level < 4 && checkout != null; level++) {
            checkout = checkout.getParent();
        }
        Path launcher = (checkout != null ? checkout : code.toAbsolutePath().getRoot()).resolve("hal9");
        if (!Files.isRegularFile(launcher) || !Files.isExecutable(launcher)) {
            throw new IllegalArgumentException("install writes the path of a checkout's ./hal9 launcher, and there is "
                    + "none at " + launcher + "; run it as '<checkout>/hal9 install ...'");
        }
        return launcher;
    }

    /**
     * The file's text with the entry in place: unchanged if it is there already, else the entry replaced or inserted
     * as text, with the file's own indentation, leaving every other byte alone.
     *
     * @throws IllegalArgumentException if the text is not JSON (or, for VS Code, JSON with comments) whose top level
     *     is an object and whose servers member (if any) is an object
     */
    static String merge(Client client, String text, Path launcher, Path file) {
        if (text != null && text.contains("\r\n")) {
            // a file saved with Windows line ends keeps them: edit it with plain ones, then put them back
            String plain = text.replace("\r\n", "\n");
            String merged = mergePlain(client, plain, launcher, file);
            return merged.equals(plain) ? text : merged.replace("\n", "\r\n");
        }
        return mergePlain(client, text, launcher, file);
    }

    private static String mergePlain(Client client, String text, Path launcher, Path file) {
        Map<String, Object> entry = client.entry(launcher);
        JsonMapper mapper = reader(client);
        JsonNode wanted = mapper.valueToTree(entry);
        if (text == null || text.isBlank()) {
            String unit = "  ";
            return "{\n" + unit + quote(client.serversKey) + ": {\n" + unit + unit + quote(NAME) + ": "
                    + render(entry, unit, 2) + "\n" + unit + "}\n}\n";
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    file + " is not valid " + (client.jsonWithComments ? "JSON (with comments)" : "JSON")
                            + " (" + e.getOriginalMessage() + " at line "
                            + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr()
                            + "); fix it or move it away, then run again. Nothing was written.");
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(file
                    + " does not hold a JSON object at its top level; fix it or move it away. Nothing was written.");
        }
        JsonNode servers = tree.get(client.serversKey);
        if (servers != null && !servers.isObject()) {
            throw new IllegalArgumentException(file + ": '" + client.serversKey + "' is not an object; fix it or move "
                    + "it away. Nothing was written.");
        }
        if (servers != null && wanted.equals(servers.get(NAME))) {
            return text;
        }
        Members root = Members.scan(mapper, text, List.of());
        String unit = root.indentUnit(text);
        String merged;
        if (servers == null) {
            // an object written on one line gets the entry on that line too
            boolean oneLine = root.oneLine(text);
            String member = oneLine
                    ? quote(client.serversKey) + ": {" + quote(NAME) + ": " + render(entry, null, 0) + "}"
                    : quote(client.serversKey) + ": {\n" + unit + unit + quote(NAME) + ": " + render(entry, unit, 2)
                            + "\n" + unit + "}";
            merged = root.insert(text, member, oneLine ? null : unit, 1);
        } else {
            Members inServers = Members.scan(mapper, text, List.of(client.serversKey));
            boolean oneLine = inServers.oneLine(text);
            Members.Member existing = inServers.member(NAME);
            if (existing != null) {
                merged = text.substring(0, existing.valueStart())
                        + render(entry, oneLine ? null : unit, 2)
                        + text.substring(existing.valueEnd());
            } else {
                merged = inServers.insert(
                        text, quote(NAME) + ": " + render(entry, oneLine ? null : unit, 2), oneLine ? null : unit, 2);
            }
        }
        // the edit was made as text: check that it says exactly what was meant, and nothing else changed
        ObjectNode expected = (ObjectNode) tree.deepCopy();
        JsonNode expectedServers = expected.get(client.serversKey);
        if (expectedServers == null) {
            expectedServers = expected.putObject(client.serversKey);
        }
        ((ObjectNode) expectedServers).set(NAME, wanted);
        JsonNode actual = mapper.readTree(merged);
        if (!actual.equals(expected)) {
            throw new IllegalStateException("merging into " + file + " went wrong; nothing was written");
        }
        return merged;
    }

    private static JsonMapper reader(Client client) {
        JsonMapper.Builder builder = JsonMapper.builder();
        if (client.jsonWithComments) {
            builder.enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA);
        }
        return builder.build();
    }

    /**
     * The entry as indented JSON, one member a line and the args on one line as these clients' docs show it; on a
     * single line when {@code unit} is null.
     */
    private static String render(Map<String, Object> entry, String unit, int depth) {
        StringBuilder json = new StringBuilder(unit == null ? "{" : "{\n");
        int i = 0;
        for (Map.Entry<String, Object> member : entry.entrySet()) {
            json.append(unit == null ? "" : unit.repeat(depth + 1))
                    .append(quote(member.getKey()))
                    .append(": ");
            if (member.getValue() instanceof List<?> list) {
                json.append('[');
                for (int j = 0; j < list.size(); j++) {
                    json.append(j == 0 ? "" : ", ").append(quote(list.get(j).toString()));
                }
                json.append(']');
            } else {
                json.append(quote(member.getValue().toString()));
            }
            boolean more = ++i < entry.size();
            json.append(unit == null ? (more ? ", " : "") : (more ? ",\n" : "\n"));
        }
        return json.append(unit == null ? "" : unit.repeat(depth)).append('}').toString();
    }

    private static String quote(String text) {
        return JsonMapper.shared().writeValueAsString(text);
    }

    /** Writes next to the file and moves it into place, keeping the old file's permissions (it may hold secrets). */
    private static void write(Path file, String text) throws IOException {
        Path parent = file.getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, "." + file.getFileName(), ".hal9-install");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            if (Files.exists(file)) {
                PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
                if (view != null) {
                    Files.setPosixFilePermissions(
                            temporary, view.readAttributes().permissions());
                }
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * The members of one object in a JSON text, with the character offsets of their values, found with a streaming
     * parser (so comments and odd spacing are no obstacle).
     */
    record Members(int open, int close, List<Member> members) {

        record Member(String name, int nameStart, int valueStart, int valueEnd) {}

        /** Scans the object reached from the top level through the named members. */
        static Members scan(JsonMapper mapper, String text, List<String> path) {
            try (JsonParser parser = mapper.createParser(text)) {
                JsonToken token = parser.nextToken();
                for (String step : path) {
                    boolean found = false;
                    while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                        String name = parser.currentName();
                        parser.nextToken();
                        if (name.equals(step)) {
                            found = true;
                            break;
                        }
                        parser.skipChildren();
                    }
                    if (!found) {
                        throw new IllegalStateException("no member " + step);
                    }
                }
                int open = (int) parser.currentTokenLocation().getCharOffset();
                List<Member> members = new ArrayList<>();
                while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    int nameStart = (int) parser.currentTokenLocation().getCharOffset();
                    JsonToken value = parser.nextToken();
                    int valueStart = (int) parser.currentTokenLocation().getCharOffset();
                    int valueEnd;
                    if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                        parser.skipChildren();
                        valueEnd = (int) parser.currentTokenLocation().getCharOffset() + 1;
                    } else {
                        parser.getString(); // finishes a lazily read string, so the location is past its end
                        valueEnd = (int) parser.currentLocation().getCharOffset();
                    }
                    members.add(new Member(name, nameStart, valueStart, valueEnd));
                }
                int close = (int) parser.currentTokenLocation().getCharOffset();
                return new Members(open, close, members);
            } catch (JacksonException e) {
                throw new UncheckedIOException(new IOException(e));
            }
        }

        Member member(String name) {
            return members.stream()
                    .filter(m -> m.name().equals(name))
                    .reduce((a, b) -> b)
                    .orElse(null);
        }

        /** The file's indentation step, read from its first member; two spaces for a file written on one line. */
        String indentUnit(String text) {
            if (members.isEmpty()) {
                return "  ";
            }
            int start = members.get(0).nameStart();
            int lineStart = text.lastIndexOf('\n', start - 1) + 1;
            String indent = text.substring(lineStart, start);
            return !indent.isEmpty() && indent.isBlank() && lineStart > open ? indent : "  ";
        }

        /**
         * Whether this object is written on one line: one with members, by its own text; an empty one, by the
         * whole file's (a multi-line file's {@code "mcpServers": {}} gets the entry indented on lines of its own).
         */
        boolean oneLine(String text) {
            return (members.isEmpty() ? text.strip() : text.substring(open, close + 1)).indexOf('\n') < 0;
        }

        /**
         * Adds a member at the end of this object: on a line of its own at the given depth, or on the object's one
         * line when {@code unit} is null.
         */
        String insert(String text, String member, String unit, int depth) {
            if (members.isEmpty()) {
                return unit == null
                        ? text.substring(0, open + 1) + member + text.substring(close)
                        : text.substring(0, open + 1) + "\n" + unit.repeat(depth) + member + "\n"
                                + unit.repeat(depth - 1) + text.substring(close);
            }
            int end = members.get(members.size() - 1).valueEnd();
            return text.substring(0, end)
                    + (unit == null ? ", " : ",\n" + unit.repeat(depth))
                    + member
                    + text.substring(end);
        }
    }

    /** A unified diff of two texts (the files here are small, so a plain LCS table is fine). */
    static final class Diff {
        private Diff() {}

        static String unified(String before, String after, String fromLabel, String toLabel) {
            List<String> a = lines(before);
            List<String> b = lines(after);
            int[][] common = new int[a.size() + 1][b.size() + 1];
            for (int i = a.size() - 1; i >= 0; i--) {
                for (int j = b.size() - 1; j >= 0; j--) {
                    common[i][j] = a.get(i).equals(b.get(j))
                            ? common[i + 1][j + 1] + 1
                            : Math.max(common[i + 1][j], common[i][j + 1]);
                }
            }
            // the edit script: ' ', '-' or '+' with the line and its positions in both texts
            record Op(char kind, String line, int aIndex, int bIndex) {}
            List<Op> ops = new ArrayList<>();
            int i = 0;
            int j = 0;
            while (i < a.size() || j < b.size()) {
                if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                    ops.add(new Op(' ', a.get(i), i++, j++));
                } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
                    ops.add(new Op('-', a.get(i), i++, j)); // removals first, as diff(1) prints them
                } else {
                    ops.add(new Op('+', b.get(j), i, j++));
                }
            }
            StringBuilder diff = new StringBuilder("--- " + fromLabel + "\n+++ " + toLabel + "\n");
            int context = 3;
            int k = 0;
            while (k < ops.size()) {
                if (ops.get(k).kind() == ' ') {
                    k++;
                    continue;
                }
                int start = Math.max(0, k - context);
                int end = k;
                // extend the hunk while changes are within two contexts of each other
                int last = k;
                while (end < ops.size()) {
                    if (ops.get(end).kind() != ' ') {
                        last = end;
                    } else if (end - last > 2 * context) {
                        break;
                    }
                    end++;
                }
                end = Math.min(ops.size(), last + context + 1);
                int aStart = ops.get(start).aIndex();
                int bStart = ops.get(start).bIndex();
                int aCount = 0;
                int bCount = 0;
                StringBuilder body = new StringBuilder();
                for (int m = start; m < end; m++) {
                    Op op = ops.get(m);
                    body.append(op.kind()).append(op.line()).append('\n');
                    aCount += op.kind() != '+' ? 1 : 0;
                    bCount += op.kind() != '-' ? 1 : 0;
                }
                diff.append("@@ -")
                        .append(range(aStart, aCount))
                        .append(" +")
                        .append(range(bStart, bCount))
                        .append(" @@\n")
                        .append(body);
                k = end;
            }
            return diff.toString();
        }

        private static String range(int start, int count) {
            return (count == 0 ? start : start + 1) + "," + count;
        }

        private static List<String> lines(String text) {
            if (text.isEmpty()) {
                return List.of();
            }
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            if (text.endsWith("\n")) {
                lines.remove(lines.size() - 1);
            }
            return lines;
        }
    }
}
