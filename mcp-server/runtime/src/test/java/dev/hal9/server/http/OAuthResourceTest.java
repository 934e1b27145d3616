package dev.hal9.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hal9.api.Principal;
import dev.hal9.server.Settings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Access-token checks judged by hal9's injected clock: expiry and not-before with the configured skew, tested by
 * moving the clock instead of waiting. The issuer's metadata and JWKS come from a small HTTP server in the test, a
 * stand-in for the remote authorization server (OAuthFlowTest runs a real one against the packaged jar).
 */
class OAuthResourceTest {

    private static final Instant ISSUED = Instant.parse("2026-12-01T12:00:00Z");

    private HttpServer issuerServer;
    private RSAKey key;
    private String issuer;
    private final AtomicReference<Instant> now = new AtomicReference<>(ISSUED);

    @BeforeEach
    void serveTheIssuer() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        issuerServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + issuerServer.getAddress().getPort() + "/realm";
        String metadata = "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}";
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        issuerServer.createContext("/realm/.well-known/openid-configuration", exchange -> send(exchange, metadata));
        issuerServer.createContext("/realm/jwks", exchange -> send(exchange, jwks));
        issuerServer.start();
    }

    @AfterEach
    void stop() {
        issuerServer.stop(0);
    }

    @Test
    void expiryAndNotBeforeAreJudgedByTheInjectedClockWithTheSkew() throws Exception {
        OAuthResource oauth = resource(Map.of());
        String token = sign(claims().expirationTime(Date.from(ISSUED.plusSeconds(300))));

        assertThat(oauth.verify(token))
                .isEqualTo(new OAuthResource.Verdict.Accepted(
                        new Principal("oauth:alice", Set.of("server", "contracts.read"))));
        // the default skew is 60 s: still good 59 s after exp, refused after 61 s
        now.set(ISSUED.plusSeconds(359));
        assertThat(oauth.verify(token)).isInstanceOf(OAuthResource.Verdict.Accepted.class);
        now.set(ISSUED.plusSeconds(361));
        assertThat(oauth.verify(token)).isInstanceOfSatisfying(OAuthResource.Verdict.Refused.class, refused -> {
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.challenge())
                    .isEqualTo("Bearer error=\"invalid_token\", error_description=\"the token has expired\", "
                            + "resource_metadata=\"https://hal9.example.com/.well-known/"
                            + "oauth-protected-resource/mcp\"");
        });

        // not valid before a time further ahead than the skew
        now.set(ISSUED);
        String early = sign(claims().notBeforeTime(Date.from(ISSUED.plusSeconds(120)))
                .expirationTime(Date.from(ISSUED.plusSeconds(600))));
        assertThat(oauth.verify(early)).isInstanceOf(OAuthResource.Verdict.Refused.class);
        now.set(ISSUED.plusSeconds(61));
        assertThat(oauth.verify(early)).isInstanceOf(OAuthResource.Verdict.Accepted.class);
    }

    @Test
    void aZeroSkewRefusesATokenTheSecondItExpires() throws Exception {
        OAuthResource oauth = resource(Map.of("HAL9_SERVER_OAUTH_CLOCK__SKEW__SECONDS", "0"));
        String token = sign(claims().expirationTime(Date.from(ISSUED.plusSeconds(300))));
        now.set(ISSUED.plusSeconds(299));
        assertThat(oauth.verify(token)).isInstanceOf(OAuthResource.Verdict.Accepted.class);
        now.set(ISSUED.plusSeconds(301));
        assertThat(oauth.verify(token)).isInstanceOf(OAuthResource.Verdict.Refused.class);
    }

    @Test
    void unreachableKeysAre503NotARefusedToken() throws Exception {
        OAuthResource oauth = resource(Map.of());
        String token = sign(claims().expirationTime(Date.from(ISSUED.plusSeconds(300))));
        issuerServer.stop(0);
        assertThat(oauth.verify(token)).isInstanceOfSatisfying(OAuthResource.Verdict.Refused.class, refused -> {
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.challenge()).isNull();
        });
    }

    @Test
    void theMetadataIsAtTheResourcesPathSuffixedWellKnownAddress() {
        OAuthResource oauth = resource(Map.of());
        assertThat(oauth.metadataPath()).isEqualTo("/.well-known/oauth-protected-resource/mcp");
        assertThat(oauth.metadata())
                .containsEntry("resource", "https://hal9.example.com/mcp")
                .containsEntry("authorization_servers", List.of(issuer))
                .containsEntry("scopes_supported", List.of("hal9", "hal9.contracts"));
    }

    private OAuthResource resource(Map<String, String> extra) {
        Map<String, String> environment = new HashMap<>(Map.of(
                "HAL9_SERVER_OAUTH_ISSUER", issuer,
                "HAL9_SERVER_OAUTH_RESOURCE", "https://hal9.example.com/mcp",
                "HAL9_SERVER_OAUTH_SCOPES", "hal9=server,hal9.contracts=contracts.read"));
        environment.putAll(extra);
        Settings settings = Settings.load(null, environment, Map.of());
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        return new OAuthResource(OAuthResource.Config.from(settings), clock);
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("alice")
                .audience("https://hal9.example.com/mcp")
                .claim("scope", "hal9 hal9.contracts")
                .issueTime(Date.from(ISSUED));
    }

    private String sign(JWTClaimsSet.Builder claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static void send(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
