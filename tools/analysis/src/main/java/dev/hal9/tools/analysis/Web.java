package dev.hal9.tools.analysis;

import dev.hal9.api.ToolException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The research tools' HTTP: one JDK client, a timeout per request, answers capped in size, and failures as
 * {@link ToolException}s naming the provider, what it answered and the setting to check. A key given in a header
 * never appears in a message. Thread-safe.
 */
final class Web {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_BYTES = 5 * 1024 * 1024;

    private final HttpClient http;
    private final Duration timeout;
    private final String userAgent;

    Web(Duration timeout, String serverVersion) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.userAgent = "hal9/" + serverVersion;
    }

    /** A provider's answer: its status, body and headers. */
    record Answer(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json(String provider) {
            try {
                return JSON.readTree(body);
            } catch (RuntimeException e) {
                throw new ToolException(provider + " answered something that is not JSON (HTTP " + status + ")");
            }
        }
    }

    Answer get(String provider, String setting, String url, Map<String, String> headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri(provider, setting, url)).GET();
        return send(provider, setting, request, headers);
    }

    Answer postJson(String provider, String setting, String url, Object body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(provider, setting, url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return send(provider, setting, request, headers);
    }

    /** Fails with the provider's own words when the answer is not 2xx. */
    static Answer ok(String provider, String setting, Answer answer) {
        if (answer.status() / 100 == 2) {
            return answer;
        }
        String detail = answer.body().length() > 200 ? answer.body().substring(0, 200) + "…" : answer.body();
        String hint =
                switch (answer.status()) {
                    case 401, 403 -> "; check the API key (" + setting + ")";
                    case 404 -> "";
                    case 429 -> "; it is rate-limiting this server: wait, or configure a key";
                    default -> "";
                };
        throw new ToolException(provider + " answered HTTP " + answer.status() + hint + ": " + detail.strip());
    }

    /** A field of a provider's JSON as text; null when it is missing or null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    static String query(Map<String, String> parameters) {
        return parameters.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private Answer send(String provider, String setting, HttpRequest.Builder request, Map<String, String> headers) {
        request.timeout(timeout).header("User-Agent", userAgent).header("Accept", "application/json, */*;q=0.5");
        headers.forEach(request::header);
        HttpRequest built = request.build();
        try {
            HttpResponse<InputStream> response = http.send(built, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_BYTES + 1);
            }
            if (body.length > MAX_BYTES) {
                throw new ToolException(provider + " answered more than " + MAX_BYTES / (1024 * 1024) + " MiB");
            }
            return new Answer(response.statusCode(), new String(body, StandardCharsets.UTF_8), response.headers());
        } catch (HttpTimeoutException e) {
            throw new ToolException(provider + " did not answer within " + timeout.toSeconds() + " s; try again later");
        } catch (ConnectException e) {
            throw new ToolException(
                    provider + " (" + built.uri().getHost() + ") refused the connection; check " + setting);
        } catch (IOException e) {
            throw new ToolException(provider + " could not be reached: " + e.getMessage() + "; check " + setting);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("the call was cancelled while waiting for " + provider);
        }
    }

    private static URI uri(String provider, String setting, String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ToolException(provider + "'s address '" + url + "' is not an http(s) URL; check " + setting);
        }
    }
}
