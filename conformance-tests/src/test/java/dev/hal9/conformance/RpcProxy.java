package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON-RPC proxy in front of anvil that behaves like the RPCs hal9 meets in the wild, in test code only: a
 * load-balanced public RPC whose nodes answer transaction lookups late ({@link #lagLookups}), one that offers no
 * simulation methods ({@link #refuse}), and a place to stop the server mid-payment ({@link #hold}: the request is
 * held until the test lets it go, so the test can kill the server at that very point).
 */
final class RpcProxy implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String upstream;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Long> broadcastAt = new ConcurrentHashMap<>();
    private final Map<String, Long> lagFor = new ConcurrentHashMap<>();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final List<Hold> holds = new CopyOnWriteArrayList<>();
    private final Random random = new Random(12);
    private volatile long lagMinMillis;
    private volatile long lagMaxMillis;
    /** Lookups answered as if the node did not know the transaction yet. */
    final java.util.concurrent.atomic.AtomicInteger lagged = new java.util.concurrent.atomic.AtomicInteger();

    RpcProxy(String upstream) throws IOException {
        this.upstream = upstream;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * For a random time between {@code min} and {@code max} after a transaction is broadcast, answer
     * eth_getTransactionReceipt and eth_getTransactionByHash for it with null, as a node behind a load balancer
     * that has not seen the block yet does.
     */
    void lagLookups(Duration min, Duration max) {
        this.lagMinMillis = min.toMillis();
        this.lagMaxMillis = max.toMillis();
    }

    /** Answers a method with "method not found", as public RPCs do for debug and simulation methods. */
    void refuse(String method) {
        refused.add(method);
    }

    /** Stops refusing a method. */
    void allow(String method) {
        refused.remove(method);
    }

    /**
     * Holds the next request of a method whose params match, before or after forwarding it, until {@link
     * Hold#release()} or the proxy closes.
     */
    Hold hold(String method, Predicate<JsonNode> params, boolean afterForwarding) {
        Hold hold = new Hold(method, params, afterForwarding);
        holds.add(hold);
        return hold;
    }

    /** One request held: {@link #reached} tells when the server got there. */
    static final class Hold {
        final String method;
        final Predicate<JsonNode> params;
        final boolean afterForwarding;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        Hold(String method, Predicate<JsonNode> params, boolean afterForwarding) {
            this.method = method;
            this.params = params;
            this.afterForwarding = afterForwarding;
        }

        /** Waits until a request hit this hold. */
        boolean reached(Duration within) throws InterruptedException {
            return reached.await(within.toMillis(), TimeUnit.MILLISECONDS);
        }

        private volatile boolean dropped;

        /** Lets the held request go on. */
        void release() {
            released.countDown();
        }

        /** Drops the held request without forwarding it (its sender died meanwhile). */
        void drop() {
            dropped = true;
            released.countDown();
        }

        /** Holds the request; true when it is to go on. */
        private boolean stop() throws InterruptedException {
            reached.countDown();
            released.await(5, TimeUnit.MINUTES);
            return !dropped;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            JsonNode request = JSON.readTree(body);
            String method = request.path("method").asString("");
            JsonNode params = request.path("params");
            if (refused.contains(method)) {
                reply(exchange, error(request, -32601, "the method " + method + " does not exist/is not available"));
                return;
            }
            Hold hold = take(method, params, false);
            if (hold != null && !hold.stop()) {
                return;
            }
            if (lagging(method, params)) {
                lagged.incrementAndGet();
                ObjectNode answer = JSON.createObjectNode();
                answer.put("jsonrpc", "2.0");
                answer.set("id", request.path("id"));
                answer.putNull("result");
                reply(exchange, answer.toString());
                return;
            }
            String answer = forward(body);
            if (method.equals("eth_sendRawTransaction")) {
                JsonNode result = JSON.readTree(answer).path("result");
                if (result.isString()) {
                    String hash = result.asString().toLowerCase(java.util.Locale.ROOT);
                    broadcastAt.putIfAbsent(hash, System.currentTimeMillis());
                    lagFor.putIfAbsent(
                            hash,
                            lagMinMillis
                                    + (lagMaxMillis <= lagMinMillis
                                            ? 0
                                            : (long) (random.nextDouble() * (lagMaxMillis - lagMinMillis))));
                }
            }
            Hold after = take(method, params, true);
            if (after != null && !after.stop()) {
                return;
            }
            reply(exchange, answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Hold take(String method, JsonNode params, boolean afterForwarding) {
        for (Hold hold : holds) {
            if (hold.method.equals(method) && hold.afterForwarding == afterForwarding && hold.params.test(params)) {
                holds.remove(hold);
                return hold;
            }
        }
        return null;
    }

    private boolean lagging(String method, JsonNode params) {
        if (lagMaxMillis == 0
                || !(method.equals("eth_getTransactionReceipt") || method.equals("eth_getTransactionByHash"))) {
            return false;
        }
        String hash = params.path(0).asString("").toLowerCase(java.util.Locale.ROOT);
        Long at = broadcastAt.get(hash);
        return at != null && System.currentTimeMillis() - at < lagFor.getOrDefault(hash, 0L);
    }

    private String forward(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(upstream))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static String error(JsonNode request, int code, String message) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("jsonrpc", "2.0");
        answer.set("id", request.path("id"));
        ObjectNode error = answer.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return answer.toString();
    }

    private static void reply(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        holds.forEach(Hold::drop);
        server.stop(0);
    }
}
