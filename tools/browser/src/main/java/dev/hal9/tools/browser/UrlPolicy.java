package dev.hal9.tools.browser;

import dev.hal9.api.ToolException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/** Which URLs a session may load: http and https only, within the operator's domain lists. Thread-safe. */
final class UrlPolicy {

    private final Set<String> allowed;
    private final Set<String> denied;

    UrlPolicy(Set<String> allowed, Set<String> denied) {
        this.allowed = allowed;
        this.denied = denied;
    }

    /** The URL, checked; throws a {@link ToolException} that says what is allowed. */
    String check(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw ToolException.badArgument(
                    "url", "is not a valid URL (" + e.getMessage() + "); give an absolute http:// or https:// URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw ToolException.badArgument(
                    "url",
                    "uses the scheme '" + (scheme.isEmpty() ? "(none)" : scheme)
                            + "'; only http:// and https:// pages can be opened (no file:, data:, chrome: or javascript:)");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw ToolException.badArgument("url", "has no host; give an absolute URL such as https://example.com/");
        }
        if (!permitted(host)) {
            throw new ToolException("the operator does not allow pages from " + host
                    + " (families.browser.allowed-domains / denied-domains)");
        }
        return uri.toString();
    }

    /** Whether pages may be loaded from this host. */
    boolean permitted(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (denied.stream().anyMatch(domain -> matches(name, domain))) {
            return false;
        }
        return allowed.isEmpty() || allowed.stream().anyMatch(domain -> matches(name, domain));
    }

    boolean restricts() {
        return !allowed.isEmpty() || !denied.isEmpty();
    }

    private static boolean matches(String host, String domain) {
        return host.equals(domain) || host.endsWith("." + domain);
    }
}
