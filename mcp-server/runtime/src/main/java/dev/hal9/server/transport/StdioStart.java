package dev.hal9.server.transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.LoggerFactory;

/**
 * The first moments of a stdio server: reads the client from its first byte while the server is built on another
 * thread, answers the handshake from {@link StdioHandshake} where it can, and keeps every line, in order, for the
 * transport. Once the server is ready it gets those lines (the answered ones to check, not to send again) and
 * every line after them. Should the server fail to start, each request is answered with an error that says so.
 * Nothing here logs on the way to the first answers: SLF4J's first use looks through every jar on the class path.
 */
public final class StdioStart {

    /** The handshake is looked for in this many lines at most; after them lines go straight on. */
    private static final int HANDSHAKE_LINES = 8;

    private final InputStream input;
    private final OutputStream output;
    private final StdioHandshake handshake;

    private record Line(String text, StdioHandshake.Request request, boolean answered) {}

    private final List<Line> waiting = new ArrayList<>();
    /** Whether a request is waiting for the server: the lines after it wait too, answered or not. */
    private boolean blocked;

    private int lines;
    private StdioTransport transport;
    private Throwable failure;

    public StdioStart(InputStream input, OutputStream output, StdioHandshake handshake) {
        this.input = input;
        this.output = output;
        this.handshake = handshake;
    }

    /**
     * Serves stdin until it closes: from the handshake until {@code server} completes, then through the transport it
     * completes with (already started, writing to the same output).
     *
     * @throws CompletionException with the cause when the server could not be built
     */
    public void run(CompletableFuture<StdioTransport> server) {
        server.whenComplete((ready, error) -> {
            if (ready != null) {
                handOver(ready);
            } else {
                failed(error);
            }
        });
        StdioLines.read(input, this::accept);
        StdioTransport ready = server.join();
        synchronized (this) {
            if (transport == null) {
                handOver(ready);
            }
        }
        ready.finish();
    }

    private synchronized void accept(String text) {
        StdioHandshake.Kind kind = text != null && lines++ < HANDSHAKE_LINES
                ? handshake.classify(text, transport == null && failure == null && !blocked)
                : StdioHandshake.OTHER;
        StdioHandshake.Request request = kind instanceof StdioHandshake.Handshake h ? h.request() : null;
        if (transport != null) {
            transport.handle(text, request, false);
            return;
        }
        if (failure != null) {
            answerFailure(text);
            return;
        }
        String answer = kind instanceof StdioHandshake.Handshake h ? h.answer() : null;
        if (answer != null) {
            StdioLines.write(output, answer);
        } else if (!(kind instanceof StdioHandshake.Initialized)) {
            blocked = true;
        }
        waiting.add(new Line(text, request, answer != null));
    }

    private synchronized void handOver(StdioTransport ready) {
        if (transport != null) {
            return;
        }
        if (handshake.answeredEarly() > 0) {
            LoggerFactory.getLogger(StdioStart.class)
                    .debug("answered {} handshake requests before the server was ready", handshake.answeredEarly());
        }
        for (Line line : waiting) {
            ready.handle(line.text(), line.request(), line.answered());
        }
        waiting.clear();
        transport = ready;
    }

    private synchronized void failed(Throwable error) {
        failure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        LoggerFactory.getLogger(StdioStart.class).error("hal9 could not start: {}", failure.toString());
        for (Line line : waiting) {
            if (!line.answered()) {
                answerFailure(line.text());
            }
        }
        waiting.clear();
    }

    /** A request (not a notification) gets an error naming why the server is not there. */
    private void answerFailure(String text) {
        if (text == null) {
            return;
        }
        JsonRpc.Parsed parsed = JsonRpc.parse(text.strip());
        if (parsed.ok() && parsed.message() instanceof io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest request) {
            Map<String, Object> error = JsonRpc.error(
                    request.id(),
                    io.modelcontextprotocol.spec.McpSchema.ErrorCodes.INTERNAL_ERROR,
                    "hal9 could not start: " + failure.getMessage() + "; its log (stderr) says more");
            StdioLines.write(output, dev.hal9.api.internal.Json.MAPPER.writeValueAsString(error));
        }
    }
}
