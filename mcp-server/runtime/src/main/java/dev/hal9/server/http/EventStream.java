package dev.hal9.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One SSE stream of a Streamable HTTP session, kept so that a client that lost the connection can resume it
 * with {@code Last-Event-ID}: every event gets an id {@code <stream>_<seq>} and stays in the log until the
 * session ends or the stream is evicted. At most one HTTP connection is attached at a time; it receives the
 * events through its queue, and the handler thread that owns the connection does all the writing.
 * Thread-safe.
 */
final class EventStream {

    /** The most events one stream keeps for replay; older ones are dropped first. */
    static final int MAX_EVENTS = 1_000;

    /** What an attached connection is told. */
    sealed interface Item permits Event, Close, Detach {}

    /**
     * An SSE event.
     *
     * @param id the event id
     * @param data the JSON-RPC message
     * @param finalResponse whether it is the response that ends a POST stream
     */
    record Event(String id, String data, boolean finalResponse) implements Item {}

    /** The stream is complete: close the connection. */
    record Close() implements Item {}

    /** The server let go of the connection (the stream goes on in the log): close it without completing. */
    record Detach() implements Item {}

    private final String id;
    private final List<Event> events = new ArrayList<>();
    private long sequence;
    private boolean completed;
    private BlockingQueue<Item> attached;
    private volatile long lastActivity = System.nanoTime();

    EventStream(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }

    /** The id of a priming event: it marks the start of the stream, before any message. */
    String primingId() {
        return id + "_0";
    }

    long lastActivity() {
        return lastActivity;
    }

    synchronized boolean completed() {
        return completed;
    }

    /** Appends a message and hands it to the attached connection, if any. */
    synchronized void append(String data, boolean finalResponse) {
        if (completed) {
            return;
        }
        Event event = new Event(id + "_" + (++sequence), data, finalResponse);
        events.add(event);
        if (events.size() > MAX_EVENTS) {
            events.remove(0);
        }
        lastActivity = System.nanoTime();
        if (attached != null) {
            attached.add(event);
        }
        if (finalResponse) {
            complete();
        }
    }

    /** Marks the stream complete and closes the attached connection. */
    synchronized void complete() {
        if (!completed) {
            completed = true;
            if (attached != null) {
                attached.add(new Close());
                attached = null;
            }
        }
    }

    /**
     * Attaches a connection, replaying the events after {@code afterSequence} first; a previously attached
     * connection is let go.
     */
    synchronized BlockingQueue<Item> attach(long afterSequence) {
        if (attached != null) {
            attached.add(new Detach());
        }
        BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
        for (Event event : events) {
            if (sequenceOf(event.id()) > afterSequence) {
                queue.add(event);
            }
        }
        if (completed) {
            queue.add(new Close());
            attached = null;
        } else {
            attached = queue;
        }
        lastActivity = System.nanoTime();
        return queue;
    }

    /** Lets go of the connection, if it is the given one (or of any when {@code queue} is null). */
    synchronized void detach(BlockingQueue<Item> queue) {
        if (attached != null && (queue == null || attached == queue)) {
            attached.add(new Detach());
            attached = null;
        }
    }

    /** The sequence number in an event id {@code <stream>_<seq>}, or -1 if it is not one of ours. */
    static long sequenceOf(String eventId) {
        int underscore = eventId.lastIndexOf('_');
        if (underscore < 0) {
            return -1;
        }
        try {
            return Long.parseLong(eventId.substring(underscore + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The stream id in an event id, or null. */
    static String streamOf(String eventId) {
        int underscore = eventId.lastIndexOf('_');
        return underscore <= 0 ? null : eventId.substring(0, underscore);
    }
}
