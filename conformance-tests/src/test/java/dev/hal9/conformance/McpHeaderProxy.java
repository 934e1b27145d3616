package dev.hal9.conformance;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A pass-through in front of a hal9 server's Streamable HTTP endpoint that records what each MCP request said and
 * the {@code traceparent} header it carried, so a test can see the trace context a client sends. It forwards POST and
 * DELETE with MCP's headers and answers GET (the optional server-to-client stream) with 405, which the transport
 * allows. Test code only.
 */
final class McpHeaderProxy implements AutoCloseable {

    /** One request as the proxy passed it on. */
    record Seen(String body, String traceparent) {}

    private static final List<String> REQUEST_HEADERS =
            List.of("Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "traceparent");
    private static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "Mcp-Session-Id");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String upstream;
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** The proxy's base URL; the endpoint is at {@code /mcp} as on the server. */
    final String base;

    /** @param upstream the server's base URL ({@link PackagedServer#base()}) */
    McpHeaderProxy(String upstream) throws IOException {
        this.upstream = upstream;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::forward);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void forward(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET")) {
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return;
        }
        byte[] body = exchange.getRequestBody().readAllBytes();
        seen.add(new Seen(
                new String(body, StandardCharsets.UTF_8),
                exchange.getRequestHeaders().getFirst("traceparent")));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        for (String name : REQUEST_HEADERS) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
            exchange.close();
            return;
        }
        for (String name : RESPONSE_HEADERS) {
            response.headers().firstValue(name).ifPresent(value -> exchange.getResponseHeaders()
                    .set(name, value));
        }
        byte[] answer = response.body();
        exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            exchange.getResponseBody().write(answer);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
