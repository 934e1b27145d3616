package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code hal9 serve --auth oauth} as an OAuth 2.1 resource server, against a real authorization server
 * ({@code no.nav.security:mock-oauth2-server}, run as a process of its own) and the official TypeScript SDK client's
 * OAuth support: discovery from the 401, the authorization-code flow with PKCE and RFC 8707's resource, and tool
 * calls as the token's subject with the capabilities its scopes map to. Tokens the authorization server would not
 * issue to a good client (expired, for another audience, of another issuer) are issued by it anyway through its
 * request mappings, so they carry its real signature; unsigned and stranger-signed tokens are made here with nimbus.
 */
class OAuthFlowTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String CLIENT_ID = "hal9-connector";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Process authorizationServer;
    private static Peers.Drain authorizationServerLog;
    private static PackagedServer server;
    private static String issuer;
    private static String resource;

    @BeforeAll
    static void start() throws Exception {
        int serverPort = freePort();
        int issuerPort = freePort();
        resource = "http://127.0.0.1:" + serverPort + "/mcp";
        issuer = "http://127.0.0.1:" + issuerPort + "/hal9";
        // the user alice logs in (authorization code); client-credentials requests with a marker scope get the
        // tokens the refusal tests need, each signed with the issuer's real key
        String config = """
                {"interactiveLogin": false, "httpServer": "NettyWrapper",
                 "tokenCallbacks": [{"issuerId": "hal9", "tokenExpiry": 300, "requestMappings": [
                   {"requestParam": "grant_type", "match": "authorization_code",
                    "claims": {"sub": "alice", "aud": ["%1$s"], "scope": "openid hal9.contracts"}},
                   {"requestParam": "scope", "match": "expired",
                    "claims": {"sub": "carol", "aud": ["%1$s"], "scope": "hal9.contracts",
                               "iat": 1000000000, "nbf": 1000000000, "exp": 1000000300}},
                   {"requestParam": "scope", "match": "wrong-audience",
                    "claims": {"sub": "carol", "aud": ["https://other.example.com/mcp"], "scope": "hal9.contracts"}},
                   {"requestParam": "scope", "match": "wrong-issuer",
                    "claims": {"sub": "carol", "aud": ["%1$s"], "scope": "hal9.contracts",
                               "iss": "https://impostor.example.com"}},
                   {"requestParam": "scope", "match": "contracts",
                    "claims": {"sub": "erin", "aud": ["%1$s"], "scope": "openid hal9.contracts"}},
                   {"requestParam": "scope", "match": "profile",
                    "claims": {"sub": "dave", "aud": ["%1$s"], "scope": "profile"}}
                 ]}]}
                """.formatted(resource);
        ProcessBuilder builder = new ProcessBuilder(
                PackagedServer.java(),
                "-cp",
                Files.readString(Path.of(System.getProperty("oauth-server.classpath")))
                        .trim(),
                "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt");
        builder.environment().put("SERVER_HOSTNAME", "127.0.0.1");
        builder.environment().put("SERVER_PORT", Integer.toString(issuerPort));
        builder.environment().put("JSON_CONFIG", config);
        builder.redirectErrorStream(true);
        authorizationServer = builder.start();
        authorizationServerLog = Peers.drain(authorizationServer.getInputStream());
        awaitUp(issuer + "/.well-known/openid-configuration");

        Path home = PackagedServer.newHome();
        server = PackagedServer.httpAt(
                home,
                serverPort,
                Map.of(
                        "HAL9_SERVER_OAUTH_ISSUER",
                        issuer,
                        "HAL9_SERVER_OAUTH_RESOURCE",
                        resource,
                        // the test's authorization server is an OpenID provider: it refuses an authorization request
                        // without openid, so hal9 must announce that scope too; here it grants only server_info
                        "HAL9_SERVER_OAUTH_SCOPES",
                        "openid=server,hal9.contracts=contracts.read,hal9.browse=browser"),
                "--auth",
                "oauth");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (authorizationServer != null) {
            authorizationServer.destroy();
            if (!authorizationServer.waitFor(10, TimeUnit.SECONDS)) {
                authorizationServer.destroyForcibly();
            }
        }
    }

    @Test
    void theSdkClientDiscoversAuthorizesAndCallsAsTheTokensSubjectWithItsScopes() throws Exception {
        Peers.Result result = Peers.run(
                List.of(Peers.node22(), "clients/oauth-client.mjs", resource, CLIENT_ID),
                PackagedServer.environment(server.home),
                Duration.ofSeconds(90));
        assertThat(result.exit())
                .as("oauth-client stderr: %s\nauthorization server: %s", result.stderr(), authorizationServerLog.text())
                .isZero();
        JsonNode seen = JSON.readTree(result.stdout());

        // the client started from the 401 and found the issuer through the protected-resource metadata
        assertThat(seen.path("first").asString()).isEqualTo("unauthorized");
        assertThat(seen.path("authorizationEndpoint").asString()).isEqualTo(issuer + "/authorize");
        JsonNode authorization = seen.path("authorization");
        assertThat(authorization.path("resource").asString()).isEqualTo(resource);
        assertThat(authorization.path("scope").asString()).isEqualTo("openid hal9.contracts hal9.browse");
        assertThat(authorization.path("code_challenge_method").asString()).isEqualTo("S256");
        assertThat(authorization.path("client_id").asString()).isEqualTo(CLIENT_ID);

        // the calls ran as oauth:<sub>, with the capabilities the token's scopes map to and nothing else
        JsonNode info = seen.path("info");
        assertThat(info.path("principal").asString()).isEqualTo("oauth:alice");
        assertThat(names(info.path("callerCapabilities"))).containsExactly("contracts.read", "server");
        List<String> tools = names(seen.path("tools"));
        assertThat(tools).contains("server_info").noneMatch(name -> name.startsWith("browser_"));
        assertThat(tools).anyMatch(name -> name.startsWith("contract_"));

        // the access token itself never reaches the server's log
        String token = seen.path("accessToken").asString();
        assertThat(token).startsWith("eyJ");
        assertThat(server.log()).doesNotContain(token);
    }

    @Test
    void aRequestWithoutATokenIsToldWhereTheMetadataIs() throws Exception {
        HttpResponse<String> refused = initialize(null);
        assertThat(refused.statusCode()).isEqualTo(401);
        String metadataUrl = "http://127.0.0.1:" + server.port() + "/.well-known/oauth-protected-resource/mcp";
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer resource_metadata=\"" + metadataUrl
                        + "\", scope=\"openid hal9.contracts hal9.browse\"");

        for (String address : List.of(metadataUrl, server.base() + "/.well-known/oauth-protected-resource")) {
            HttpResponse<String> metadata = HTTP.send(
                    HttpRequest.newBuilder(URI.create(address)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metadata.statusCode()).as(address).isEqualTo(200);
            JsonNode body = JSON.readTree(metadata.body());
            assertThat(body.path("resource").asString()).isEqualTo(resource);
            assertThat(names(body.path("authorization_servers"))).containsExactly(issuer);
            assertThat(names(body.path("scopes_supported"))).containsExactly("openid", "hal9.contracts", "hal9.browse");
            assertThat(names(body.path("bearer_methods_supported"))).containsExactly("header");
        }
    }

    @Test
    void expiredForeignAudienceForeignIssuerUnsignedAndStrangerSignedTokensGet401InvalidToken() throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet good = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("mallory")
                .audience(resource)
                .claim("scope", "hal9.contracts")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .build();
        String unsigned = new PlainJWT(good).serialize();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("hal9").generate();
        SignedJWT strangerSigned = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("hal9").build(), good);
        strangerSigned.sign(new RSASSASigner(stranger));

        Map<String, String> tokens = Map.of(
                "expired", issued("expired"),
                "wrong audience", issued("wrong-audience"),
                "wrong issuer", issued("wrong-issuer"),
                "unsigned (alg none)", unsigned,
                "signed with another key", strangerSigned.serialize());
        String metadataUrl = "http://127.0.0.1:" + server.port() + "/.well-known/oauth-protected-resource/mcp";
        List<String> refusals = new ArrayList<>();
        tokens.forEach((kind, token) -> {
            HttpResponse<String> refused = initialize(token);
            assertThat(refused.statusCode()).as(kind).isEqualTo(401);
            String challenge = refused.headers().firstValue("WWW-Authenticate").orElse("");
            assertThat(challenge)
                    .as(kind)
                    .startsWith("Bearer error=\"invalid_token\", error_description=\"")
                    .endsWith("resource_metadata=\"" + metadataUrl + "\"");
            refusals.add(kind + ": " + challenge);
        });
        assertThat(refusals)
                .containsExactlyInAnyOrder(
                        "expired: " + invalid("the token has expired", metadataUrl),
                        "wrong audience: "
                                + invalid(
                                        "the token is not for this resource: its aud must be " + resource, metadataUrl),
                        "wrong issuer: " + invalid("the token is not from the issuer " + issuer, metadataUrl),
                        "unsigned (alg none): " + invalid("unsigned tokens (alg none) are not accepted", metadataUrl),
                        "signed with another key: "
                                + invalid("the signature does not verify with the issuer's keys", metadataUrl));
        tokens.values().forEach(token -> assertThat(server.log()).doesNotContain(token));
    }

    @Test
    void aGoodTokenWhoseScopesGrantNothingGets403InsufficientScope() throws Exception {
        HttpResponse<String> refused = initialize(issued("profile"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElse(""))
                .startsWith(
                        "Bearer error=\"insufficient_scope\", scope=\"openid hal9.contracts hal9.browse\", resource_metadata=");
        assertThat(refused.body()).contains("grant no hal9 capability");
    }

    /**
     * MCP's step-up: a tool call that needs a capability the token's scopes do not grant is refused with 403 naming
     * the scope that would, so a client can ask the user for it; the same token's other calls go on.
     */
    @Test
    void aToolCallBeyondTheTokensScopesGets403NamingTheScopeThatGrantsIt() throws Exception {
        String token = issued("contracts");
        HttpResponse<String> started = initialize(token);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        String session = started.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertThat(post(token, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                        .statusCode())
                .isEqualTo(202);

        HttpResponse<String> refused = post(
                token,
                session,
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"browser_navigate\","
                        + "\"arguments\":{}}}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElse(""))
                .startsWith("Bearer error=\"insufficient_scope\", scope=\"hal9.browse\", resource_metadata=");
        assertThat(refused.body()).contains("browser_navigate needs the 'browser' capability");

        HttpResponse<String> allowed = post(
                token,
                session,
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"server_info\","
                        + "\"arguments\":{}}}");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("oauth:erin");
    }

    @Test
    void hal9sOwnBearerTokensStillWork() throws Exception {
        Peers.Result created =
                server.cli("token", "create", "--principal", "ops", "--capability", "server", "--name", "cli");
        assertThat(created.exit()).as(created.stderr()).isZero();
        HttpResponse<String> accepted = initialize(created.stdout().trim());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.headers().firstValue("Mcp-Session-Id")).isPresent();

        Peers.Result collision = server.cli("token", "create", "--principal", "oauth:alice");
        assertThat(collision.exit()).isNotZero();
        assertThat(collision.stderr()).contains("must not start with 'oauth:'");
    }

    private static String invalid(String description, String metadataUrl) {
        return "Bearer error=\"invalid_token\", error_description=\"" + description + "\", resource_metadata=\""
                + metadataUrl + "\"";
    }

    /** serve --auth oauth without its settings stops before it listens, one line per missing setting. */
    @Test
    void oauthWithoutItsSettingsSaysWhatIsMissingOneLineEach() {
        Peers.Result refused =
                PackagedServer.cli(PackagedServer.newHome(), "serve", "--http", "127.0.0.1:0", "--auth", "oauth");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.stderr().lines().filter(line -> line.startsWith("hal9: server.oauth.")))
                .containsExactly(
                        "hal9: server.oauth.issuer is empty; with server.auth oauth set it to the authorization "
                                + "server's issuer, e.g. https://auth.example.com/realms/hal9",
                        "hal9: server.oauth.resource is empty; with server.auth oauth set it to the public URL "
                                + "clients use for /mcp, e.g. https://hal9.example.com/mcp",
                        "hal9: server.oauth.scopes is empty; with server.auth oauth map at least one scope to "
                                + "capabilities, e.g. hal9=* or hal9.browse=browser");
    }

    /** A token from the authorization server's token endpoint, picked by a marker scope of its request mappings. */
    private static String issued(String marker) {
        String form = "grant_type=client_credentials&client_id=" + CLIENT_ID + "&client_secret=unused&scope="
                + URLEncoder.encode(marker, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(issuer + "/token"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body()).path("access_token").asString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> initialize(String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(resource))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"oauth-test\",\"version\":\"1\"}}}"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(String token, String session, String body) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(resource))
                            .header("Content-Type", "application/json")
                            .header("Accept", "application/json, text/event-stream")
                            .header("Authorization", "Bearer " + token)
                            .header("Mcp-Session-Id", session)
                            .header("MCP-Protocol-Version", "2025-11-25")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(item -> names.add(item.isObject() ? item.path("name").asString() : item.asString()));
        return names;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits until the authorization server answers (it starts in a few seconds). */
    private static void awaitUp(String address) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(address)).build(), HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!authorizationServer.isAlive()) {
                throw new IllegalStateException("the authorization server exited: " + authorizationServerLog.text());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the authorization server did not start: " + authorizationServerLog.text());
    }
}
