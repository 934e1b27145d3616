package dev.hal9.server.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Lines in and out of a stdio server: one JSON-RPC message per line. Holds no logger of its own, so the first
 * answers of a start do not wait for SLF4J, whose first use reads every jar on the class path.
 */
final class StdioLines {

    /** The longest line accepted; a longer one is answered with an error and skipped. */
    static final int MAX_LINE_CHARS = 4 * 1024 * 1024;

    private StdioLines() {}

    /**
     * Reads lines until the stream ends, passing each on ({@code null} for one longer than {@link #MAX_LINE_CHARS},
     * which was skipped).
     */
    static void read(InputStream input, Consumer<String> lines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            int c;
            boolean overlong = false;
            while ((c = reader.read()) != -1) {
                if (c == '\n') {
                    lines.accept(overlong ? null : line.toString());
                    line.setLength(0);
                    overlong = false;
                } else if (!overlong) {
                    if (line.length() >= MAX_LINE_CHARS) {
                        overlong = true;
                        line.setLength(0);
                    } else {
                        line.append((char) c);
                    }
                }
            }
            if (!line.isEmpty() && !overlong) {
                lines.accept(line.toString());
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(StdioLines.class).debug("stdin closed: {}", e.getMessage());
        }
    }

    /** Writes one line and flushes it, under the output's lock (every writer of this output takes it). */
    static void write(OutputStream output, String json) {
        synchronized (output) {
            try {
                output.write(json.getBytes(StandardCharsets.UTF_8));
                output.write('\n');
                output.flush();
            } catch (IOException e) {
                LoggerFactory.getLogger(StdioLines.class).debug("stdout closed: {}", e.getMessage());
            }
        }
    }
}
