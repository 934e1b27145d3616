package dev.hal9.server.transport;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * What this server answered to a stdio client's {@code initialize} (per requested revision) and first
 * {@code tools/list} at an earlier start of the same build with the same settings. A start answers a client's
 * handshake from it while the server is still being built (issue 14: the JVM, the families and the SDK's first
 * use of Jackson took three times as long as a Node server's start), then hands the same requests to the real
 * server, compares its answers and keeps them here for the next start. A tools/list that turns out different is
 * followed by {@code notifications/tools/list_changed}, so a stale entry costs a client one more listing, never a
 * wrong tool list for long.
 *
 * <p>Only the plain handshake is answered early: a 2025-era {@code initialize} without {@code _meta} whose revision
 * was seen before, then {@code tools/list} without params; anything else waits for the server. The file holds
 * results only (what any client is sent) under a hash of the build and the settings, never a setting's value.
 * Thread-safe.
 */
public final class StdioHandshake {

    private static final String INITIALIZE = "initialize";
    private static final String TOOLS_LIST = "tools/list";
    private static final String INITIALIZED = "notifications/initialized";

    private final Path file;
    private final String key;
    /** method, or "initialize " + requested revision, to the JSON of the result. */
    private final Map<String, String> results = new TreeMap<>();

    private boolean initializeAnswered;

    /** Whether the client's initialize named MCP Apps: its tool list is a different entry ("tools/list apps"). */
    private boolean apps;

    private int answeredEarly;

    private StdioHandshake(Path file, String key) {
        this.file = file;
        this.key = key;
    }

    /**
     * The handshake kept in {@code file}, if it was written under {@code key}; otherwise an empty one that fills as
     * the server answers.
     */
    public static StdioHandshake load(Path file, String key) {
        StdioHandshake handshake = new StdioHandshake(file, key);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (!key.equals(reader.readLine())) {
                return handshake;
            }
            String line;
            while ((line = reader.readLine()) != null) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    handshake.results.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        } catch (NoSuchFileException e) {
            // the first start with these settings
        } catch (IOException e) {
            LoggerFactory.getLogger(StdioHandshake.class).debug("cannot read {}: {}", file, e.getMessage());
        }
        return handshake;
    }

    /**
     * The key for a build and its settings: hashes of the jar (path, size, modification time), the settings' own
     * fingerprint and whatever else changes the tool list. The file holds the hashes only, never a setting's value.
     */
    public static String key(Path build, String settingsFingerprint, String... more) {
        // not Hal9.VERSION: Hal9's initialisation starts SLF4J, and the jar's time and size tell builds apart
        StringBuilder text = new StringBuilder().append(build).append('\n');
        try {
            text.append(Files.size(build))
                    .append(' ')
                    .append(Files.getLastModifiedTime(build).toMillis());
        } catch (IOException e) {
            text.append("unknown");
        }
        text.append('\n').append(settingsFingerprint);
        for (String part : more) {
            text.append('\n').append(part);
        }
        // two independent 64-bit hashes rather than SHA-256: the JDK's security providers take a tenth of the
        // time to the first answer to set up, and a collision costs no more than a tool list sent again
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        long first = 1125899906842597L;
        long second = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            first = 31 * first + (b & 0xff);
            second = (second ^ (b & 0xff)) * 0x100000001b3L;
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return Long.toHexString(first) + Long.toHexString(second) + Long.toHexString(crc.getValue());
    }

    /** How many requests were answered from the file (for tests and the log). */
    synchronized int answeredEarly() {
        return answeredEarly;
    }

    /** One request of the handshake: what identifies its result here, its id, and the id as JSON. */
    record Request(String entry, String idKey, String idJson) {}

    /** What a line is to the handshake. */
    sealed interface Kind {}

    /**
     * A request this class can answer or learn from; {@code answer} is the whole response line, or null when the
     * server must answer it (and every request after it, in order).
     */
    record Handshake(Request request, String answer) implements Kind {}

    /** {@code notifications/initialized}: needs no answer, so it does not hold up the requests after it. */
    record Initialized() implements Kind {}

    /** Anything else: it and every line after it wait for the server. */
    record Other() implements Kind {}

    /** The one {@link Other}. */
    static final Kind OTHER = new Other();

    /**
     * Reads one line of a client. With {@code mayAnswer}, an answer is given for {@code initialize} only once, and
     * for {@code tools/list} only after an {@code initialize} answered here.
     */
    synchronized Kind classify(String line, boolean mayAnswer) {
        Parsed parsed = parse(line);
        if (parsed == null) {
            return OTHER;
        }
        if (parsed.method.equals(INITIALIZED)) {
            return parsed.idJson == null && !parsed.hasParams ? new Initialized() : OTHER;
        }
        if (parsed.idJson == null) {
            return OTHER;
        }
        String entry;
        boolean answerable;
        if (parsed.method.equals(INITIALIZE) && parsed.wellFormedInitialize) {
            entry = INITIALIZE + " " + parsed.protocolVersion;
            answerable = mayAnswer && !initializeAnswered;
            apps = parsed.apps;
        } else if (parsed.method.equals(TOOLS_LIST) && !parsed.hasParams) {
            entry = apps ? TOOLS_LIST + " apps" : TOOLS_LIST;
            answerable = mayAnswer && initializeAnswered;
        } else {
            return OTHER;
        }
        Request request = new Request(entry, parsed.idKey, parsed.idJson);
        String result = answerable ? results.get(entry) : null;
        if (result == null) {
            return new Handshake(request, null);
        }
        if (entry.startsWith(INITIALIZE)) {
            initializeAnswered = true;
        }
        answeredEarly++;
        return new Handshake(request, "{\"jsonrpc\":\"2.0\",\"id\":" + parsed.idJson + ",\"result\":" + result + "}");
    }

    /**
     * Keeps the server's result for a handshake request (JSON, or null when it answered with an error) and writes
     * the file when it changed.
     *
     * @return whether it differs from what was kept before
     */
    boolean record(Request request, String result) {
        boolean changed;
        synchronized (this) {
            String before = result == null ? results.remove(request.entry()) : results.put(request.entry(), result);
            changed = !java.util.Objects.equals(before, result);
        }
        if (changed) {
            save();
        }
        return changed;
    }

    private void save() {
        List<Map.Entry<String, String>> entries;
        synchronized (this) {
            entries = List.copyOf(results.entrySet());
        }
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), "handshake", ".tmp");
            try (BufferedWriter writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                writer.write(key);
                writer.write('\n');
                for (Map.Entry<String, String> entry : entries) {
                    writer.write(entry.getKey());
                    writer.write('\t');
                    writer.write(entry.getValue());
                    writer.write('\n');
                }
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(StdioHandshake.class).debug("cannot write {}: {}", file, e.getMessage());
        }
    }

    /** The parts of a JSON-RPC message the handshake looks at; null when it is not one the handshake could take. */
    private record Parsed(
            String method,
            String idKey,
            String idJson,
            boolean hasParams,
            String protocolVersion,
            boolean wellFormedInitialize,
            boolean apps) {}

    /**
     * Reads the top level and {@code params} of one message. Null for anything unusual (unknown members,
     * {@code _meta}, a non-integer id) and for anything that is not strict JSON: the server decides about those.
     *
     * <p>A scanner of its own rather than Jackson's streaming parser: the parser's class initialisation alone took a
     * quarter of the time from the JVM's start to the first answer, and the server's Jackson reads every message
     * again anyway.
     */
    private static Parsed parse(String line) {
        try {
            return new Scanner(line).message();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A strict JSON reader over one line (RFC 8259); throws IllegalArgumentException where the text is not JSON. */
    private static final class Scanner {
        private final String text;
        private int at;

        Scanner(String text) {
            this.text = text;
        }

        Parsed message() {
            String jsonrpc = null;
            String method = null;
            String idKey = null;
            String idJson = null;
            boolean hasParams = false;
            String protocolVersion = null;
            boolean capabilities = false;
            boolean apps = false;
            boolean clientName = false;
            boolean unusual = false;
            expect('{');
            for (boolean more = startMembers(); more; more = nextMember()) {
                String name = name();
                switch (name) {
                    case "jsonrpc" -> jsonrpc = peek() == '"' ? string() : skipNull();
                    case "method" -> method = peek() == '"' ? string() : skipNull();
                    case "id" -> {
                        if (peek() == '"') {
                            String id = string();
                            idKey = "s:" + id;
                            idJson = quote(id);
                        } else {
                            int start = at;
                            skipValue();
                            String number = text.substring(start, at);
                            if (!number.matches("-?(0|[1-9][0-9]{0,17})")) {
                                unusual = true;
                            } else {
                                idKey = "n:" + Long.parseLong(number);
                                idJson = number;
                            }
                        }
                    }
                    case "params" -> {
                        if (peek() != '{') {
                            skipValue();
                            unusual = true;
                            continue;
                        }
                        expect('{');
                        for (boolean param = startMembers(); param; param = nextMember()) {
                            hasParams = true;
                            String key = name();
                            switch (key) {
                                case "protocolVersion" -> protocolVersion = peek() == '"' ? string() : skipNull();
                                case "capabilities" -> {
                                    capabilities = peek() == '{';
                                    int start = at;
                                    skipValue();
                                    // MCP Apps views change the tool list (_meta.ui), so such clients' list is kept
                                    // apart; one that names the extension wrongly gets the server's list after
                                    apps = text.substring(start, at)
                                            .contains("\"" + dev.hal9.api.View.EXTENSION + "\"");
                                }
                                case "clientInfo" -> {
                                    if (peek() != '{') {
                                        skipValue();
                                        unusual = true;
                                        continue;
                                    }
                                    expect('{');
                                    for (boolean info = startMembers(); info; info = nextMember()) {
                                        String field = name();
                                        if (field.equals("name") && peek() == '"') {
                                            string();
                                            clientName = true;
                                        } else {
                                            skipValue();
                                        }
                                    }
                                }
                                case "_meta" -> {
                                    skipValue();
                                    unusual = true;
                                }
                                default -> skipValue();
                            }
                        }
                    }
                    default -> {
                        skipValue();
                        unusual = true;
                    }
                }
            }
            space();
            if (at != text.length()) {
                throw new IllegalArgumentException("text after the message");
            }
            if (unusual || !"2.0".equals(jsonrpc) || method == null) {
                return null;
            }
            return new Parsed(
                    method,
                    idKey,
                    idJson,
                    hasParams,
                    protocolVersion,
                    protocolVersion != null && capabilities && clientName,
                    apps);
        }

        /** After '{': whether a member follows (else the '}' is read). */
        private boolean startMembers() {
            space();
            if (peek() == '}') {
                at++;
                return false;
            }
            return true;
        }

        /** After a member's value: whether another follows (',' read) or the object ended ('}' read). */
        private boolean nextMember() {
            space();
            char c = next();
            if (c == ',') {
                return true;
            }
            if (c == '}') {
                return false;
            }
            throw new IllegalArgumentException("expected , or }");
        }

        /** A member's name and its colon; the scanner is then at its value. */
        private String name() {
            space();
            String name = string();
            space();
            expect(':');
            space();
            return name;
        }

        private String skipNull() {
            skipValue();
            return null;
        }

        private void skipValue() {
            space();
            char c = peek();
            switch (c) {
                case '"' -> string();
                case '{' -> {
                    at++;
                    for (boolean more = startMembers(); more; more = nextMember()) {
                        name();
                        skipValue();
                    }
                }
                case '[' -> {
                    at++;
                    space();
                    if (peek() == ']') {
                        at++;
                        return;
                    }
                    while (true) {
                        skipValue();
                        space();
                        char after = next();
                        if (after == ']') {
                            return;
                        }
                        if (after != ',') {
                            throw new IllegalArgumentException("expected , or ]");
                        }
                    }
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> number();
            }
        }

        private void literal(String word) {
            if (!text.startsWith(word, at)) {
                throw new IllegalArgumentException("not JSON");
            }
            at += word.length();
        }

        private void number() {
            int start = at;
            if (peek() == '-') {
                at++;
            }
            if (peek() == '0') {
                at++;
            } else {
                digits();
            }
            if (at < text.length() && text.charAt(at) == '.') {
                at++;
                digits();
            }
            if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
                at++;
                if (peek() == '+' || peek() == '-') {
                    at++;
                }
                digits();
            }
            if (at == start) {
                throw new IllegalArgumentException("not JSON");
            }
        }

        private void digits() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            if (at == start) {
                throw new IllegalArgumentException("expected a digit");
            }
        }

        private String string() {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return value.toString();
                }
                if (c < 0x20) {
                    throw new IllegalArgumentException("a control character in a string");
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                char escape = next();
                switch (escape) {
                    case '"', '\\', '/' -> value.append(escape);
                    case 'b' -> value.append('\b');
                    case 'f' -> value.append('\f');
                    case 'n' -> value.append('\n');
                    case 'r' -> value.append('\r');
                    case 't' -> value.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw new IllegalArgumentException("a short \\u escape");
                        }
                        value.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw new IllegalArgumentException("an unknown escape");
                }
            }
        }

        private void space() {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                at++;
            }
        }

        private void expect(char c) {
            if (next() != c) {
                throw new IllegalArgumentException("expected " + c);
            }
        }

        private char peek() {
            if (at >= text.length()) {
                throw new IllegalArgumentException("the message ends early");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }
    }

    /** A string as JSON, escaped as the server's Jackson writes it. */
    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                case '\b' -> quoted.append("\\b");
                case '\f' -> quoted.append("\\f");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04X", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
