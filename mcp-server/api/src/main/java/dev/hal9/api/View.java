package dev.hal9.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An MCP Apps view (the {@code io.modelcontextprotocol/ui} extension, stable 2026-01-26): an HTML page a host shows
 * in a sandboxed frame in place of a tool's text, fed the tool's own result. A tool names its view with
 * {@link Tool.Builder#view}; its family lists it in {@link ToolFamily#views}. The runtime offers views (the
 * {@code ui://} resource and the tool's {@code _meta.ui.resourceUri}) only to clients that declare the extension;
 * the others keep the tool's text and structured content.
 *
 * <p>A view is one HTML document with no external requests but images from the domains it names, so that a host's
 * Content-Security-Policy built from {@code _meta.ui.csp} lets it work. The runtime inlines the hal9 bridge (the
 * extension's postMessage protocol: {@code ui/initialize}, the tool's input and result, the host's theme, calls back
 * through the host) where the page holds {@value #BRIDGE_MARK}.
 *
 * @param uri {@code ui://hal9/...}
 * @param name a short machine name
 * @param title a human title
 * @param description what the view shows, for a host's listing
 * @param html the page, with the bridge inlined
 * @param imageDomains origins images may come from ({@code https://m.media-amazon.com}), the view's CSP
 *     {@code resourceDomains}; empty for none
 */
public record View(String uri, String name, String title, String description, String html, List<String> imageDomains) {

    /** The MIME type of an MCP Apps HTML view. */
    public static final String MIME_TYPE = "text/html;profile=mcp-app";

    /** The extension's identifier in a client's {@code capabilities.extensions}. */
    public static final String EXTENSION = "io.modelcontextprotocol/ui";

    /** Where a view's page wants the bridge script. */
    public static final String BRIDGE_MARK = "/*hal9:bridge*/";

    /** The URI of {@link #payment()}, the view of every tool whose output carries a {@link PaymentView}. */
    public static final String PAYMENT = "ui://hal9/payment";

    private static final Pattern URI = Pattern.compile("ui://hal9/[a-z0-9/_-]+");

    public View {
        Objects.requireNonNull(uri, "uri");
        if (!URI.matcher(uri).matches()) {
            throw new IllegalArgumentException("a view's URI is ui://hal9/ and lower-case path words, not " + uri);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(html, "html");
        imageDomains = List.copyOf(imageDomains);
    }

    /**
     * A view whose page is a resource of the owner's jar, with the bridge inlined at {@value #BRIDGE_MARK}.
     *
     * @param owner a class of the jar that holds the page
     * @param page the page's resource name, relative to the owner's package or absolute with a leading /
     */
    public static View of(
            String uri,
            String name,
            String title,
            String description,
            Class<?> owner,
            String page,
            List<String> imageDomains) {
        String html = read(owner, page);
        if (!html.contains(BRIDGE_MARK)) {
            throw new IllegalArgumentException(page + " has no " + BRIDGE_MARK + " for the bridge script");
        }
        String bridge = read(View.class, "views/bridge.js");
        return new View(uri, name, title, description, html.replace(BRIDGE_MARK, bridge), imageDomains);
    }

    /**
     * The payment preview: what a payment moves, to whom, its fee cap, its state and, while it is pending, how a
     * person approves it ({@code hal9 approve}, the approvals page). It finds the {@link PaymentView}s in whatever
     * output it is given ({@code payment}, {@code refund}, {@code payments} or any other field or list of them) and
     * never approves anything: its one call is {@code payment_status} to refresh a payment. Every family whose tools
     * return payments names it with {@link Tool.Builder#view}({@link #PAYMENT}) and lists it in its
     * {@link ToolFamily#views}.
     */
    public static View payment() {
        return of(
                PAYMENT,
                "payment",
                "Payment",
                "A payment as the guard recorded it: amount, asset and network, the recipient, the fee cap, its state, "
                        + "the transaction hash, and while it is pending how a person approves it.",
                View.class,
                "views/payment.html",
                List.of());
    }

    private static String read(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource + " beside " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
