package dev.hal9.server.secrets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Recognizes secrets by their shape, wherever they appear: a private key (64 hex digits, with or without 0x), a
 * BIP-39 mnemonic (a run of 12 or more words of the English list), a hal9 bearer token ({@code hal9_} and 40 base62
 * characters), a JWT (an OAuth access token: base64url header and claims that both open with {@code eyJ}, and a
 * signature, empty for {@code alg: none}) and an HTTP {@code Bearer} credential. The audit log, the ledger and log lines pass their text through
 * {@link #redact(String)}, so a secret pasted into the wrong argument ({@code to}, {@code id}, a memo) is not stored.
 * Name-based redaction (arguments called password, privateKey, ...) happens besides this, in Telemetry. Stateless;
 * thread-safe.
 */
public final class Secrets {

    /** What a secret is replaced with. */
    public static final String MARKER = "[redacted]";

    /** 64 hex digits, except after a TON workchain ({@code 0:}, {@code -1:}): that is a raw address, not a key. */
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "(?<![0-9A-Za-z])(?<!(?:^|[^0-9A-Za-z])-?[0-9]{1,2}:)(?:0[xX])?[0-9a-fA-F]{64}(?![0-9A-Za-z])");

    private static final Pattern HAL9_TOKEN = Pattern.compile("(?<![0-9A-Za-z])hal9_[0-9A-Za-z]{40}(?![0-9A-Za-z])");
    /** A compact JWS: {@code {"} encodes as {@code eyJ}, so a header and claims set both start with it. */
    private static final Pattern JWT = Pattern.compile(
            "(?<![0-9A-Za-z_-])eyJ[0-9A-Za-z_-]{4,}\\.eyJ[0-9A-Za-z_-]{4,}\\.[0-9A-Za-z_-]*(?![0-9A-Za-z_-])");

    private static final Pattern BEARER = Pattern.compile("(?i)\\bbearer\\s+[0-9A-Za-z._~+/=-]{8,}");
    /** Candidate words; whether a run of them is a mnemonic is decided against the word list. */
    private static final Pattern WORD = Pattern.compile("(?<![0-9A-Za-z])[a-z]{3,8}(?![0-9A-Za-z])");

    /** The shortest mnemonic BIP-39 allows (12 words; 15, 18, 21 and 24 are longer runs of the same). */
    private static final int MNEMONIC_WORDS = 12;

    private static final Set<String> WORDS = loadWords();

    private Secrets() {}

    /** The text with every secret-shaped value replaced by {@link #MARKER}; null stays null. */
    public static String redact(String text) {
        if (text == null || text.length() < 8) {
            return text;
        }
        String redacted = PRIVATE_KEY.matcher(text).replaceAll(MARKER);
        redacted = HAL9_TOKEN.matcher(redacted).replaceAll(MARKER);
        redacted = JWT.matcher(redacted).replaceAll(MARKER);
        redacted = BEARER.matcher(redacted).replaceAll("Bearer " + MARKER);
        return redactMnemonics(redacted);
    }

    /** Whether the text holds a secret-shaped value. */
    public static boolean containsSecret(String text) {
        return text != null && !text.equals(redact(text));
    }

    /** Whether the text looks like a transaction or block hash (64 hex digits), which a private key also does. */
    public static boolean hashShaped(String text) {
        return text != null && PRIVATE_KEY.matcher(text).matches();
    }

    /** Runs of 12 or more list words separated only by white space become one marker. */
    private static String redactMnemonics(String text) {
        Matcher word = WORD.matcher(text);
        StringBuilder out = null;
        int copied = 0;
        int runStart = -1;
        int runEnd = -1;
        int runLength = 0;
        while (true) {
            boolean found = word.find();
            boolean continues = found
                    && WORDS.contains(word.group())
                    && runLength > 0
                    && text.substring(runEnd, word.start()).isBlank();
            if (!continues) {
                if (runLength >= MNEMONIC_WORDS) {
                    out = out == null ? new StringBuilder(text.length()) : out;
                    out.append(text, copied, runStart).append(MARKER);
                    copied = runEnd;
                }
                runLength = 0;
                if (found && WORDS.contains(word.group())) {
                    runStart = word.start();
                    runEnd = word.end();
                    runLength = 1;
                }
            } else {
                runEnd = word.end();
                runLength++;
            }
            if (!found) {
                break;
            }
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private static Set<String> loadWords() {
        // the BIP-39 English list, as web3j's crypto jar (a dependency of the chain family) ships it
        try (InputStream in = Secrets.class.getClassLoader().getResourceAsStream("en-mnemonic-word-list.txt")) {
            if (in == null) {
                throw new IllegalStateException("the BIP-39 word list (en-mnemonic-word-list.txt from "
                        + "org.web3j:crypto) is not on the classpath");
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
