package dev.hal9.server.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.hal9.api.Principal;
import dev.hal9.server.Settings;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hal9 as an OAuth 2.1 resource server ({@code serve --auth oauth}): it publishes its protected-resource metadata
 * (RFC 9728), verifies JWT access tokens against the issuer's JWKS (signature, issuer, audience = this resource per
 * RFC 8707, expiry and not-before with the configured clock skew, judged by an injected clock), and maps the token's
 * scopes to hal9 capabilities. The principal is {@code oauth:<sub>}, which no {@code hal9 token create} principal may
 * take. Thread-safe: the JWKS is fetched lazily, cached and refreshed by nimbus; discovery of the JWKS address takes a
 * lock once.
 */
public final class OAuthResource {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthResource.class);

    /** The prefix of every principal an access token stands for, so none equals a local token's principal. */
    public static final String PRINCIPAL_PREFIX = "oauth:";

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512,
            JWSAlgorithm.Ed25519,
            JWSAlgorithm.EdDSA);

    /**
     * The {@code server.oauth.*} block, read once at start.
     *
     * @param issuer the authorization server's issuer identifier; a token's {@code iss} must equal it
     * @param resource this server's public {@code /mcp} URL: the metadata's {@code resource} and the audience
     * @param audiences the {@code aud} values accepted (the resource unless configured)
     * @param jwksUri where the issuer's keys are, or null to read it from the issuer's metadata
     * @param scopes each scope and the capabilities it grants
     * @param clockSkew how far {@code exp} and {@code nbf} may be off
     */
    public record Config(
            URI issuer,
            URI resource,
            Set<String> audiences,
            URI jwksUri,
            Map<String, Set<String>> scopes,
            Duration clockSkew) {

        /** Reads the block; every problem is one line naming the key, all reported at once. */
        public static Config from(Settings settings) {
            List<String> problems = new ArrayList<>();
            URI issuer = url(
                    settings,
                    "server.oauth.issuer",
                    problems,
                    "the authorization server's issuer, e.g. " + "https://auth.example.com/realms/hal9");
            URI resource = url(
                    settings,
                    "server.oauth.resource",
                    problems,
                    "the public URL clients use for /mcp, " + "e.g. https://hal9.example.com/mcp");
            Set<String> audiences = settings.list("server.oauth.audience");
            if (audiences.isEmpty() && resource != null) {
                audiences = Set.of(resource.toString());
            }
            URI jwksUri = null;
            if (!settings.string("server.oauth.jwks-uri").isBlank()) {
                jwksUri = url(settings, "server.oauth.jwks-uri", problems, "the issuer's JWKS address");
            }
            Map<String, Set<String>> scopes = new LinkedHashMap<>();
            for (String pair : settings.string("server.oauth.scopes").split(",")) {
                String entry = pair.trim();
                if (entry.isEmpty()) {
                    continue;
                }
                int equals = entry.indexOf('=');
                if (equals <= 0 || equals == entry.length() - 1 || entry.contains(" ")) {
                    problems.add("server.oauth.scopes has '" + entry + "'; each entry must be scope=capability "
                            + "(repeat a scope for more capabilities, '*' for all enabled), e.g. hal9=*");
                    continue;
                }
                scopes.computeIfAbsent(entry.substring(0, equals), scope -> new LinkedHashSet<>())
                        .add(entry.substring(equals + 1));
            }
            if (scopes.isEmpty() && problems.stream().noneMatch(p -> p.startsWith("server.oauth.scopes"))) {
                problems.add("server.oauth.scopes is empty; with server.auth oauth map at least one scope to "
                        + "capabilities, e.g. hal9=* or hal9.browse=browser");
            }
            int skew = settings.integer("server.oauth.clock-skew-seconds");
            if (skew < 0) {
                problems.add("server.oauth.clock-skew-seconds is " + skew + "; it must be 0 or more");
            }
            if (!problems.isEmpty()) {
                throw new Settings.Invalid(problems);
            }
            scopes.replaceAll((scope, capabilities) -> Set.copyOf(capabilities));
            // in the operator's order: clients ask for scopes as the challenge and the metadata list them
            return new Config(
                    issuer,
                    resource,
                    audiences,
                    jwksUri,
                    Collections.unmodifiableMap(scopes),
                    Duration.ofSeconds(skew));
        }

        private static URI url(Settings settings, String key, List<String> problems, String what) {
            String value = settings.string(key).trim();
            if (value.isEmpty()) {
                problems.add(key + " is empty; with server.auth oauth set it to " + what);
                return null;
            }
            try {
                URI uri = new URI(value);
                boolean https = "https".equals(uri.getScheme());
                boolean loopbackHttp =
                        "http".equals(uri.getScheme()) && uri.getHost() != null && HttpServer.isLoopback(uri.getHost());
                if (!(https || loopbackHttp) || uri.getHost() == null || uri.getFragment() != null) {
                    problems.add(key + " is '" + value + "'; it must be an https URL without a fragment (http only "
                            + "on a loopback host), " + what);
                    return null;
                }
                return uri;
            } catch (URISyntaxException e) {
                problems.add(key + " is '" + value + "', not a URL; set it to " + what);
                return null;
            }
        }
    }

    /** What the filter does with a request's credentials. */
    sealed interface Verdict {
        /** The token is good: the request runs as this principal. */
        record Accepted(Principal principal) implements Verdict {}

        /** Answer with this status, {@code WWW-Authenticate} header and message. */
        record Refused(int status, String challenge, String message) implements Verdict {}
    }

    private final Config config;
    private final Clock clock;
    private final HttpClient http;
    private final ReentrantLock discovery = new ReentrantLock();
    private volatile DefaultJWTProcessor<SecurityContext> processor;

    OAuthResource(Config config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    Config config() {
        return config;
    }

    /** The path of the metadata for the resource ({@code /.well-known/oauth-protected-resource/mcp}). */
    String metadataPath() {
        String path = config.resource().getRawPath();
        return "/.well-known/oauth-protected-resource" + (path == null || path.equals("/") ? "" : path);
    }

    /** Where clients find the metadata, as the {@code resource_metadata} of a challenge says. */
    String metadataUrl() {
        URI resource = config.resource();
        return resource.getScheme() + "://" + resource.getRawAuthority() + metadataPath();
    }

    /** The protected-resource metadata (RFC 9728 section 2). */
    Map<String, Object> metadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("resource", config.resource().toString());
        metadata.put("authorization_servers", List.of(config.issuer().toString()));
        metadata.put("scopes_supported", List.copyOf(config.scopes().keySet()));
        metadata.put("bearer_methods_supported", List.of("header"));
        metadata.put("resource_name", "hal9");
        return metadata;
    }

    /** The challenge for a request that sent no credentials (RFC 6750 section 3, RFC 9728 section 5.1). */
    String challenge() {
        return "Bearer resource_metadata=\"" + metadataUrl() + "\", scope=\"" + allScopes() + "\"";
    }

    /**
     * The refusal of a tool call whose capability the caller's token lacks (MCP's step-up: 403 naming the scopes that
     * would grant it, so the client can ask the user for them), or null when no configured scope grants it.
     */
    Verdict.Refused insufficientScope(String tool, String capability) {
        List<String> granting = config.scopes().entrySet().stream()
                .filter(entry -> entry.getValue().contains(capability))
                .map(Map.Entry::getKey)
                .toList();
        if (granting.isEmpty()) {
            granting = config.scopes().entrySet().stream()
                    .filter(entry -> entry.getValue().contains(Principal.ALL))
                    .map(Map.Entry::getKey)
                    .toList();
        }
        if (granting.isEmpty()) {
            return null;
        }
        return new Verdict.Refused(
                403,
                "Bearer error=\"insufficient_scope\", scope=\"" + String.join(" ", granting)
                        + "\", resource_metadata=\""
                        + metadataUrl() + "\", error_description=\"" + tool + " needs the " + capability
                        + " capability\"",
                "Forbidden: " + tool + " needs the '" + capability + "' capability; authorize again with the scope "
                        + String.join(" or ", granting));
    }

    /** Verifies a bearer credential that is not one of hal9's own tokens. */
    Verdict verify(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor().process(token, null);
        } catch (ParseException | BadJOSEException e) {
            LOG.debug("access token refused: {}", e.getMessage());
            return invalid(e.getMessage());
        } catch (JOSEException | IOException | RuntimeException e) {
            // the issuer's keys or metadata cannot be read: not the client's fault, so its token is not refused
            LOG.warn("cannot verify access tokens of {}: {}", config.issuer(), e.getMessage());
            return new Verdict.Refused(
                    503,
                    null,
                    "Service Unavailable: the authorization server's keys cannot be read now (" + e.getMessage()
                            + "); try again shortly");
        }
        Set<String> granted = scopes(claims);
        Set<String> capabilities = new LinkedHashSet<>();
        granted.forEach(scope -> capabilities.addAll(config.scopes().getOrDefault(scope, Set.of())));
        if (capabilities.isEmpty()) {
            return new Verdict.Refused(
                    403,
                    "Bearer error=\"insufficient_scope\", scope=\"" + allScopes() + "\", resource_metadata=\""
                            + metadataUrl() + "\"",
                    "Forbidden: the token's scopes " + granted + " grant no hal9 capability; ask for one of "
                            + config.scopes().keySet());
        }
        return new Verdict.Accepted(new Principal(PRINCIPAL_PREFIX + claims.getSubject(), capabilities));
    }

    private Verdict invalid(String reason) {
        String description = describe(reason == null ? "invalid token" : reason).replaceAll("[\"\\\\\\p{Cntrl}]", "'");
        return new Verdict.Refused(
                401,
                "Bearer error=\"invalid_token\", error_description=\"" + description + "\", resource_metadata=\""
                        + metadataUrl() + "\"",
                "Unauthorized: the access token was refused: " + description);
    }

    /** nimbus's reason in words a client's operator can act on (nimbus's own when it is not one of these). */
    private String describe(String reason) {
        if (reason.contains("Expired JWT")) {
            return "the token has expired";
        }
        if (reason.contains("aud claim")) {
            return "the token is not for this resource: its aud must be " + String.join(" or ", config.audiences());
        }
        if (reason.contains("iss claim")) {
            return "the token is not from the issuer " + config.issuer();
        }
        if (reason.contains("Unsecured (plain)")) {
            return "unsigned tokens (alg none) are not accepted";
        }
        if (reason.contains("Invalid signature") || reason.contains("no matching key")) {
            return "the signature does not verify with the issuer's keys";
        }
        return reason;
    }

    private String allScopes() {
        return String.join(" ", config.scopes().keySet());
    }

    /** RFC 9068's space-separated {@code scope}, or the {@code scp} list some servers send instead. */
    private static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new LinkedHashSet<>();
        Object scope = claims.getClaim("scope");
        Object scp = claims.getClaim("scp");
        for (Object value : new Object[] {scope, scp}) {
            if (value instanceof String text) {
                for (String part : text.trim().split("\\s+")) {
                    if (!part.isEmpty()) {
                        scopes.add(part);
                    }
                }
            } else if (value instanceof List<?> list) {
                list.forEach(item -> scopes.add(String.valueOf(item)));
            }
        }
        return scopes;
    }

    private DefaultJWTProcessor<SecurityContext> processor() throws IOException, JOSEException {
        DefaultJWTProcessor<SecurityContext> ready = processor;
        if (ready != null) {
            return ready;
        }
        discovery.lock();
        try {
            if (processor == null) {
                processor = build(config.jwksUri() != null ? config.jwksUri() : discoverJwksUri());
            }
            return processor;
        } finally {
            discovery.unlock();
        }
    }

    private DefaultJWTProcessor<SecurityContext> build(URI jwksUri) throws MalformedURLException {
        JWKSource<SecurityContext> keys = JWKSourceBuilder.create(
                        jwksUri.toURL(), new DefaultResourceRetriever(5_000, 5_000, 512 * 1024))
                .retrying(true)
                .build();
        DefaultJWTProcessor<SecurityContext> built = new DefaultJWTProcessor<>();
        // RFC 9068 access tokens say at+jwt; many servers still say JWT or nothing
        built.setJWSTypeVerifier(
                new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        built.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        ClockedClaimsVerifier claims = new ClockedClaimsVerifier(
                config.audiences(),
                new JWTClaimsSet.Builder().issuer(config.issuer().toString()).build(),
                Set.of("sub", "exp", "iss", "aud"),
                clock);
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        built.setJWTClaimsSetVerifier(claims);
        return built;
    }

    /** The {@code jwks_uri} of the issuer's metadata: RFC 8414's address first, then OpenID Connect's. */
    private URI discoverJwksUri() throws IOException {
        URI issuer = config.issuer();
        String path = issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : issuer.getRawPath();
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        String base = issuer.toString().endsWith("/")
                ? issuer.toString().substring(0, issuer.toString().length() - 1)
                : issuer.toString();
        List<String> candidates = List.of(
                origin + "/.well-known/oauth-authorization-server" + path,
                base + "/.well-known/openid-configuration",
                origin + "/.well-known/openid-configuration" + path);
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create(candidate))
                                .timeout(Duration.ofSeconds(5))
                                .header("Accept", "application/json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    tried.add(candidate + " (" + response.statusCode() + ")");
                    continue;
                }
                Map<String, Object> metadata = JSONObjectUtils.parse(response.body());
                Object announced = metadata.get("issuer");
                if (!issuer.toString().equals(announced)) {
                    // RFC 8414 section 3.3: metadata naming another issuer must not be used
                    throw new IOException(candidate + " names the issuer " + announced + ", not " + issuer);
                }
                if (metadata.get("jwks_uri") instanceof String jwks) {
                    LOG.info("access tokens of {} are verified with the keys at {}", issuer, jwks);
                    return URI.create(jwks);
                }
                throw new IOException(candidate + " has no jwks_uri; set server.oauth.jwks-uri");
            } catch (ParseException e) {
                tried.add(candidate + " (not JSON)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading " + candidate, e);
            }
        }
        throw new IOException("no authorization server metadata for " + issuer + " at " + String.join(", ", tried)
                + "; set server.oauth.jwks-uri");
    }

    /** nimbus's claims checks, with "now" from hal9's clock so expiry is tested without waiting. */
    private static final class ClockedClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
        private final Clock clock;

        ClockedClaimsVerifier(Set<String> audiences, JWTClaimsSet exact, Set<String> required, Clock clock) {
            super(audiences, exact, required, null);
            this.clock = clock;
        }

        @Override
        protected Date currentTime() {
            return Date.from(clock.instant());
        }
    }
}
