package dev.hal9.server.http;

import dev.hal9.api.Guard;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Principal;
import dev.hal9.server.Hal9;
import dev.hal9.server.guard.Ledger;
import dev.hal9.server.guard.LedgerGuard;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /approvals}: where a person approves or declines the payments waiting for them, in a browser or with
 * curl. It has its own authentication, whatever {@code --auth} says: a token made with {@code hal9 token create
 * --capability payments.approve} (listed explicitly; {@code *} does not count), given once on the page (then kept
 * in an HttpOnly, SameSite=Strict cookie) or as a bearer header. An approver decides only their own principal's
 * payments. No MCP client holds such a token, so a model cannot approve its own spend even through the browser.
 */
final class ApprovalsPage {

    static final String CAPABILITY = "payments.approve";
    private static final String COOKIE = "hal9_approver";

    private final Hal9 hal9;
    private final LedgerGuard guard;
    private final int maxFormBytes;

    ApprovalsPage(Hal9 hal9) {
        this.hal9 = hal9;
        this.maxFormBytes = hal9.settings().integer("server.max-unauthenticated-request-bytes");
        this.guard = hal9.guard();
    }

    void register(HttpRouting.Builder routing) {
        routing.get("/approvals", this::page)
                .get("/approvals/api/{id}", this::record)
                .post("/approvals/login", this::login)
                .post("/approvals/{id}/{decision}", this::decide);
    }

    private Optional<Principal> approver(ServerRequest request) {
        Optional<String> secret = request.headers()
                .first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).trim())
                .or(() -> request.headers().cookies().first(COOKIE).asOptional());
        return secret.flatMap(s -> hal9.store().tokens().authenticate(s))
                .filter(p -> p.capabilities().contains(CAPABILITY));
    }

    private void page(ServerRequest request, ServerResponse response) {
        Optional<Principal> approver = approver(request);
        if (approver.isEmpty()) {
            html(
                    response,
                    Status.OK_200,
                    "<h1>hal9 approvals</h1><p>Sign in with an approver token: on the server's "
                            + "machine run <code>hal9 token create --principal YOU --capability payments.approve</code>.</p>"
                            + "<form method=post action=/approvals/login><input type=password name=token size=60 "
                            + "autocomplete=off placeholder=hal9_...> <button>Sign in</button></form>");
            return;
        }
        StringBuilder body = new StringBuilder(
                "<h1>Payments waiting for " + escape(approver.get().id()) + "</h1>");
        var pending = guard.pending(approver.get().id());
        if (pending.isEmpty()) {
            body.append("<p>Nothing waits for your approval.</p>");
        }
        for (Ledger.Row row : pending) {
            Guard.Payment p = row.payment();
            body.append("<section><h2>").append(escape(p.summary())).append("</h2><dl>");
            for (Guard.Effect effect : p.effects()) {
                body.append("<dt>moves</dt><dd>")
                        .append(escape(PaymentView.describe(effect)))
                        .append("</dd>");
            }
            p.preview().forEach((k, v) -> body.append("<dt>")
                    .append(escape(k))
                    .append("</dt><dd>")
                    .append(escape(v))
                    .append("</dd>"));
            body.append("<dt>id</dt><dd>")
                    .append(escape(p.id()))
                    .append("</dd><dt>expires</dt><dd>")
                    .append(p.expiresAt())
                    .append("</dd></dl>");
            for (String decision : new String[] {"approve", "decline"}) {
                body.append("<form method=post style=display:inline action=/approvals/")
                        .append(escape(p.id()))
                        .append('/')
                        .append(decision)
                        .append("><button>")
                        .append(decision.equals("approve") ? "Approve and send" : "Decline")
                        .append("</button></form> ");
            }
            body.append("</section>");
        }
        html(response, Status.OK_200, body.toString());
    }

    private void login(ServerRequest request, ServerResponse response) {
        // a stranger's form: read with the small limit of unauthenticated routes (chunked bodies included)
        Optional<String> body = HttpErrors.readBody(request, response, maxFormBytes);
        if (body.isEmpty()) {
            return;
        }
        String token = form(body.get()).getOrDefault("token", "");
        Optional<Principal> approver = hal9.store()
                .tokens()
                .authenticate(token.trim())
                .filter(p -> p.capabilities().contains(CAPABILITY));
        if (approver.isEmpty()) {
            html(
                    response,
                    Status.UNAUTHORIZED_401,
                    "<p>That is not an active token with the capability "
                            + "<code>payments.approve</code>. <a href=/approvals>Try again</a>.</p>");
            return;
        }
        response.header(
                HeaderNames.SET_COOKIE,
                COOKIE + "=" + token.trim() + "; Path=/approvals; HttpOnly; SameSite=Strict; Max-Age=43200");
        response.header(HeaderNames.LOCATION, "/approvals");
        response.status(Status.SEE_OTHER_303).send();
    }

    /**
     * One of the approver's payments as the guard recorded it (JSON), for a client that shows it to the person
     * deciding (the Telegram bridge's card): never what a tool result claimed about it.
     */
    private void record(ServerRequest request, ServerResponse response) {
        Optional<Principal> approver = approver(request);
        if (approver.isEmpty()) {
            reply(response, true, Status.UNAUTHORIZED_401, "sign in with a token that has payments.approve");
            return;
        }
        String id = request.path().pathParameters().get("id");
        Optional<Guard.Payment> payment = guard.row(id).map(Ledger.Row::payment).filter(p -> p.principal()
                .equals(approver.get().id()));
        if (payment.isEmpty()) {
            reply(response, true, Status.NOT_FOUND_404, "no payment " + id + " of yours");
            return;
        }
        Guard.Payment p = payment.get();
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("id", p.id());
        body.put("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
        body.put("summary", p.summary());
        body.put("moves", p.effects().stream().map(PaymentView::describe).toList());
        body.put("preview", p.preview());
        body.put("expiresAt", p.expiresAt().toString());
        HttpErrors.sendJson(response, Status.OK_200, body);
    }

    private void decide(ServerRequest request, ServerResponse response) {
        Optional<Principal> approver = approver(request);
        String id = request.path().pathParameters().get("id");
        String decision = request.path().pathParameters().get("decision");
        boolean json = request.headers().first(HeaderNames.AUTHORIZATION).isPresent();
        if (approver.isEmpty()) {
            reply(response, json, Status.UNAUTHORIZED_401, "sign in with a token that has payments.approve");
            return;
        }
        String who = "web:" + approver.get().id();
        try {
            String summary =
                    switch (decision) {
                        case "approve" -> guard.approve(id, approver.get().id(), who, LedgerGuard.VIA_WEB);
                        case "decline" -> guard.decline(id, approver.get().id(), who);
                        default ->
                            throw new IllegalArgumentException("the decision is approve or decline, not " + decision);
                    };
            if (json) {
                HttpErrors.sendJson(
                        response, Status.OK_200, Map.of("id", id, "decision", decision, "summary", summary));
            } else {
                response.header(HeaderNames.LOCATION, "/approvals");
                response.status(Status.SEE_OTHER_303).send();
            }
        } catch (IllegalArgumentException e) {
            reply(response, json, Status.CONFLICT_409, e.getMessage());
        }
    }

    private static void reply(ServerResponse response, boolean json, Status status, String message) {
        if (json) {
            HttpErrors.sendJson(response, status, Map.of("error", message));
        } else {
            html(response, status, "<p>" + escape(message) + "</p><p><a href=/approvals>Back</a></p>");
        }
    }

    private static void html(ServerResponse response, Status status, String body) {
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        response.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
        response.header("X-Frame-Options", "DENY");
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        response.send("<!doctype html><html><head><meta charset=utf-8><title>hal9 approvals</title>"
                + "<style>body{font:15px system-ui;max-width:48em;margin:2em auto}section{border:1px solid #ccc;"
                + "padding:0 1em 1em;margin:1em 0}dt{font-weight:bold}</style></head><body>" + body + "</body></html>");
    }

    private static Map<String, String> form(String body) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
