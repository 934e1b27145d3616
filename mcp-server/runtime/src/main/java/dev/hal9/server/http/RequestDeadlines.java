package dev.hal9.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request is not read in full within a deadline: from its first line to the end of its
 * headers, and to the last byte of its body. Helidon's idle timeout only covers a connection waiting for a request
 * line (it does not interrupt one that is reading headers or a body), so a client trickling header bytes or
 * sending half a body held a connection and a thread for as long as it liked. A request without a body is done at
 * its headers; one with a body when a handler has read it ({@link #bodyRead}); an unread body keeps the deadline,
 * so a connection that would drain it slowly is closed too. Thread-safe.
 */
public final class RequestDeadlines implements Http1ConnectionListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestDeadlines.class);

    private final long timeoutNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hal9-request-deadlines").daemon().factory());

    private record Pending(ConnectionContext connection, long deadline) {}

    public RequestDeadlines(Duration timeout, LongSupplier nanoTime) {
        this.timeoutNanos = timeout.toNanos();
        this.nanoTime = nanoTime;
        long period = Math.max(100, Math.min(1000, timeout.toMillis() / 4));
        sweeper.scheduleAtFixedRate(this::closeLate, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void prologue(ConnectionContext connection, HttpPrologue prologue) {
        pending.put(
                key(connection.socketId(), connection.childSocketId()),
                new Pending(connection, nanoTime.getAsLong() + timeoutNanos));
    }

    @Override
    public void headers(ConnectionContext connection, Headers headers) {
        boolean body = headers.contains(HeaderNames.TRANSFER_ENCODING)
                || headers.contentLength().orElse(0L) > 0;
        if (!body) {
            pending.remove(key(connection.socketId(), connection.childSocketId()));
        }
    }

    /** The handler has read the request's body in full: the deadline no longer applies. */
    public void bodyRead(ServerRequest request) {
        pending.remove(key(request.serverSocketId(), request.socketId()));
    }

    private void closeLate() {
        long now = nanoTime.getAsLong();
        pending.forEach((key, request) -> {
            if (now - request.deadline() > 0 && pending.remove(key, request)) {
                LOG.debug(
                        "closing connection {} from {}: its request was not read within the deadline",
                        key,
                        request.connection().remotePeer().address());
                try {
                    request.connection().serverSocket().close();
                } catch (RuntimeException e) {
                    LOG.debug("closing {}: {}", key, e.getMessage());
                }
            }
        });
    }

    private static String key(String socketId, String childSocketId) {
        return socketId + " " + childSocketId;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
