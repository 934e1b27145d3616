package dev.hal9.tools.browser;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/** The pages the browser tests drive, served on 127.0.0.1 from a free port. Stopped by {@link #close()}. */
final class TestSite implements AutoCloseable {

    /** families.browser.extra-args for every test browser: no DNS lookup leaves the machine. */
    static final Map<String, String> NO_DNS =
            Map.of("browser.extra-args", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");

    private final HttpServer server;
    private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);

    /** Lets every request to /hold answer. */
    void release() {
        held.countDown();
    }

    TestSite() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        page("/form", "Sign up", """
                <h1>Sign up</h1>
                <form method="post" action="/submit">
                  <label>Name <input name="name"></label>
                  <label>Email <input name="email" type="email"></label>
                  <label>Password <input name="password" type="password"></label>
                  <label>Country <select name="country"><option>Norway</option><option value="pe">Peru</option></select></label>
                  <label><input type="checkbox" name="terms"> I agree</label>
                  <button type="submit">Create account</button>
                </form>""");
        server.createContext("/submit", exchange -> {
            Map<String, String> form = form(exchange);
            send(
                    exchange,
                    200,
                    "Welcome",
                    "<h1>Welcome " + form.get("name") + "</h1><p>email " + form.get("email")
                            + "</p><p>country " + form.get("country") + "</p><p>terms "
                            + form.getOrDefault("terms", "no")
                            + "</p><p>password received: "
                            + (form.getOrDefault("password", "").isEmpty() ? "no" : "yes") + "</p>");
        });
        page("/table", "Prices", """
                <h1>Prices</h1>
                <table><caption>Pens</caption><tr><th>Item</th><th>Price</th></tr>
                <tr><td>Blue pen</td><td>1.50</td></tr><tr><td>Red pen</td><td>1.75</td></tr></table>
                <a href="/form">Sign up</a>""");
        // names that Playwright's aria snapshot quotes as a whole line, writes bare or escapes (issue 15, item 1)
        page("/names", "Names", """
                <a href="/a">Evolve: User Guide</a> <a href="/b">Issue #42</a> <a href="/c">/</a>
                <a href="/d">/regex/i</a> <a href="/e">It's "quoted"</a> <button>a/b\\c</button>
                <a href="/f">- dash start</a> <a href="/g">[bracket]</a> <a href="/h">{curly}</a>
                <a href="/i">'single'</a> <a href="/j">yes</a>
                <ul><li><a href="/k">Key: value</a><ul><li><button>Nested: child</button></li></ul></li></ul>
                <input aria-label="Search: site" value="x: y">
                <select aria-label="Pick: one"><option>A: a</option></select>""");
        page("/tabs", "Tabs", "<a href=\"/table\" target=\"_blank\">Prices in a new tab</a>");
        page("/dialogs", "Dialogs", """
                <button onclick="alert('Saved!')">Alert me</button>
                <button onclick="document.getElementById('out').textContent = confirm('Delete?') ? 'deleted' : 'kept'">Delete</button>
                <button onclick="document.getElementById('out').textContent = 'name ' + prompt('Name?')">Ask</button>
                <p id="out">nothing yet</p>""");
        server.createContext("/slow", exchange -> {
            sleep(2_000);
            send(exchange, 200, "Slow", "<p>finally</p>");
        });
        // answers once a test lets it (release()), so a test can hold a call in flight as long as it needs
        server.createContext("/hold", exchange -> {
            try {
                held.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(exchange, 200, "Held", "<p>let go</p>");
        });
        server.createContext("/never", exchange -> {
            sleep(60_000);
            send(exchange, 200, "Never", "<p>too late</p>");
        });
        StringBuilder big = new StringBuilder("<h1>Catalogue</h1><ul>");
        for (int i = 0; i < 2_500; i++) {
            big.append("<li><span>Item ")
                    .append(i)
                    .append("</span> <em>in stock</em> <button>Buy ")
                    .append(i)
                    .append("</button></li>");
        }
        page("/big", "Catalogue", big.append("</ul>").toString());
        // a news page: navigation, an advert and related links around one article with a byline (issue 15, item 3)
        StringBuilder story = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            story.append("<p>Paragraph ")
                    .append(i)
                    .append(" of the harbour story: the ferry company said on Monday that ")
                    .append(
                            "its new electric boats would cross the fjord every twenty minutes, and that the old diesel ")
                    .append(
                            "ships would be sold by the end of the year. See <a href=\"/timetable\">the timetable</a>.</p>");
        }
        page("/news", "Harbour gets electric ferries", """
                <header><nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a>
                <a href="/subscribe">Subscribe now</a></nav></header>
                <aside class="ad sponsored"><a href="/ad">Buy the best shoes today, fifty percent off</a></aside>
                <main><article><h1>Harbour gets electric ferries</h1>
                <p class="byline">By Kari Nordmann</p>
                """ + story + """
                <h2>What changes for passengers</h2><ul><li>Tickets stay the same price</li><li>Bikes ride free</li></ul>
                </article></main>
                <footer><a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>""");
        // one paragraph of 50,000 characters: numbered words, so that a lost or repeated piece shows (issue 15)
        StringBuilder paragraph = new StringBuilder("<h1>Long story</h1><p>");
        for (int i = 0; paragraph.length() < 50_000; i++) {
            paragraph.append("word").append(i).append(i % 13 == 12 ? ". " : " ");
        }
        page("/long", "Long story", paragraph.append("</p><p>The end.</p>").toString());
        page(
                "/frames",
                "Frames",
                "<h1>Outer</h1><iframe src=\"/form\" title=\"signup\" width=600 height=400></iframe>");
        page("/login", "Log in", """
                <form method="post" action="/session"><label>User <input name="user"></label>
                <label>Password <input name="password" type="password"></label><button>Log in</button></form>""");
        server.createContext("/session", exchange -> {
            Map<String, String> form = form(exchange);
            exchange.getResponseHeaders().add("Set-Cookie", "user=" + form.get("user") + "; Path=/; Max-Age=3600");
            exchange.getResponseHeaders().add("Location", "/account");
            exchange.sendResponseHeaders(303, -1);
            exchange.close();
        });
        server.createContext("/account", exchange -> {
            String cookie = exchange.getRequestHeaders().getFirst("Cookie");
            String user = cookie == null
                    ? null
                    : Arrays.stream(cookie.split(";\\s*"))
                            .filter(c -> c.startsWith("user="))
                            .map(c -> c.substring(5))
                            .findFirst()
                            .orElse(null);
            send(exchange, 200, "Account", user == null ? "<p>Not signed in</p>" : "<p>Signed in as " + user + "</p>");
        });
        page("/download", "Download", "<a href=\"/report.csv\" download>Get the report</a>");
        server.createContext("/report.csv", exchange -> {
            byte[] body = "item,price\npen,1.50\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/csv");
            exchange.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"report.csv\"");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        page("/upload", "Upload", """
                <input type="file" id="file" aria-label="Attachment"
                  onchange="document.getElementById('picked').textContent = 'picked ' + this.files[0].name + ' ' + this.files[0].size">
                <p id="picked">none</p>""");
        // a GET form with a password field: the browser puts the password into the next page's URL, and this site
        // echoes that query back in the title, the text, a table, links, a new tab and a download's file name
        page("/signin", "Sign in", """
                <h1>Sign in</h1>
                <form method="get" action="/welcome">
                  <label>User <input name="user"></label>
                  <label>Password <input name="pw" type="password"></label>
                  <button type="submit">Sign in</button>
                </form>""");
        server.createContext("/welcome", exchange -> {
            String raw = exchange.getRequestURI().getRawQuery();
            String query = URLDecoder.decode(raw == null ? "" : raw, StandardCharsets.UTF_8);
            send(
                    exchange,
                    200,
                    "Welcome " + query,
                    "<h1>Welcome</h1><p>You sent " + query + "</p>"
                            + "<table><tr><th>Field</th><th>Value</th></tr><tr><td>query</td><td>" + query
                            + "</td></tr></table>"
                            + "<a href=\"/welcome?" + raw + "\">Link to this page</a> "
                            + "<a href=\"/welcome?" + raw + "\" target=\"_blank\">Open in a new tab</a> "
                            + "<a href=\"/receipt?" + raw + "\" download>Receipt</a>");
        });
        server.createContext("/receipt", exchange -> {
            String raw = exchange.getRequestURI().getRawQuery();
            String query = URLDecoder.decode(raw == null ? "" : raw, StandardCharsets.UTF_8);
            byte[] body = ("receipt for " + query + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.getResponseHeaders()
                    .add("Content-Disposition", "attachment; filename=\"receipt " + query.replace('"', '_') + ".txt\"");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void page(String path, String title, String body) {
        server.createContext(path, exchange -> send(exchange, 200, title, body));
    }

    private static void send(HttpExchange exchange, int status, String title, String body) throws IOException {
        byte[] bytes = ("<!doctype html><html><head><title>" + title + "</title></head><body>" + body
                        + "</body></html>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        return Arrays.stream(body.split("&"))
                .filter(pair -> pair.contains("="))
                .collect(Collectors.toMap(
                        pair -> URLDecoder.decode(pair.substring(0, pair.indexOf('=')), StandardCharsets.UTF_8),
                        pair -> URLDecoder.decode(pair.substring(pair.indexOf('=') + 1), StandardCharsets.UTF_8),
                        (a, b) -> b));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
