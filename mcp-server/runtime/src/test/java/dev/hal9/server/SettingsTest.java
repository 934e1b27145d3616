package dev.hal9.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hal9.server.http.HttpServer;
import dev.hal9.server.http.OAuthResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults in the jar, hal9.yaml over them, HAL9_ variables over both, flags over all; and what is known. */
class SettingsTest {

    @Test
    void layersApplyInOrder() throws Exception {
        Path dir = Files.createTempDirectory("hal9-settings");
        Path file = Files.writeString(
                dir.resolve("hal9.yaml"), "server:\n  port: 9000\n  host: 127.0.0.2\ntools:\n  timeout-seconds: 5\n");
        Settings settings = Settings.load(
                file,
                Map.of("HAL9_SERVER_PORT", "9100", "HAL9_TOOLS_MAX__OUTPUT__CHARS", "5000"),
                Map.of("tools.timeout-seconds", "7"));
        assertThat(settings.integer("server.port")).isEqualTo(9100);
        assertThat(settings.string("server.host")).isEqualTo("127.0.0.2");
        assertThat(settings.integer("tools.timeout-seconds")).isEqualTo(7);
        assertThat(settings.integer("tools.max-output-chars")).isEqualTo(5000);
        assertThat(settings.string("server.auth")).isEqualTo("none");
        assertThat(settings.warnings()).isEmpty();
    }

    @Test
    void keysWithANamedPartAndKeysWithoutAValueAreKnown() throws Exception {
        Path file = Files.writeString(Files.createTempFile("hal9", ".yaml"), """
                guard:
                  limits:
                    ton: {usdt: {daily: 100, per-call: 20}}
                families:
                  chain:
                    evm-networks: anvil
                    evm:
                      anvil: {rpc-url: "http://127.0.0.1:8545", chain-id: "31337"}
                  browser:
                    executable: ~
                """);
        Settings settings = Settings.load(file, Map.of("HAL9_FAMILIES_CHAIN_EVM_ANVIL_SYMBOL", "ETH"), Map.of());
        assertThat(settings.string("guard.limits.ton.usdt.daily")).isEqualTo("100");
        assertThat(settings.family("chain", "evm.anvil.rpc-url")).contains("http://127.0.0.1:8545");
        assertThat(settings.family("chain", "evm.anvil.symbol")).contains("ETH");
        // ~ leaves the key unset, so the family's own default applies (here: /usr/bin/chromium if it exists)
        assertThat(settings.family("browser", "executable")).isEmpty();
        assertThat(settings.family("browser", "max-sessions")).contains("50");
    }

    /**
     * Issue 13, item 10: a value of the wrong kind ended in a Java stack trace at the first read. Every such value
     * is found when the settings load, and each is one line: the key, the value, where it was set and what is allowed.
     */
    @Test
    void badValuesAreOneLineEachWithTheKeyTheValueAndWhatIsAllowed() throws Exception {
        Path file = Files.writeString(
                Files.createTempFile("hal9", ".yaml"),
                "families:\n  browser:\n    headless: maybe\n  commerce:\n    usdt-per-usd: lots\n");
        Settings.Invalid invalid = catchThrowableOfType(
                Settings.Invalid.class,
                () -> Settings.load(
                        file, Map.of("HAL9_SERVER_PORT", "eighty", "HAL9_GUARD_ELICITATION", "yes"), Map.of()));
        assertThat(invalid.problems())
                .containsExactly(
                        "families.browser.headless is 'maybe' (set in " + file
                                + "); it must be true or false, like its default true",
                        "families.commerce.usdt-per-usd is 'lots' (set in " + file
                                + "); it must be a number such as 1 or 0.95, like its default 1.0",
                        "guard.elicitation is 'yes' (set by HAL9_GUARD_ELICITATION); it must be true or false, like "
                                + "its default false",
                        "server.port is 'eighty' (set by HAL9_SERVER_PORT); it must be a whole number, like its "
                                + "default 8931");
        assertThat(invalid.problems()).allSatisfy(line -> assertThat(line).doesNotContain("\n"));

        Settings settings = Settings.load(null, Map.of("HAL9_SERVER_AUTH", "tokn"), Map.of());
        assertThatThrownBy(() -> settings.choice("server.auth", HttpServer.Auth.class))
                .isInstanceOf(Settings.Invalid.class)
                .hasMessage("server.auth is 'tokn' (set by HAL9_SERVER_AUTH); it must be none, token or oauth");

        // the OAuth block of serve --auth oauth: each problem its own line, all at once
        Settings oauth = Settings.load(
                null,
                Map.of(
                        "HAL9_SERVER_OAUTH_ISSUER", "http://auth.example.com/realm",
                        "HAL9_SERVER_OAUTH_SCOPES", "hal9"),
                Map.of());
        assertThatThrownBy(() -> OAuthResource.Config.from(oauth))
                .isInstanceOfSatisfying(Settings.Invalid.class, problems -> assertThat(problems.problems())
                        .containsExactly(
                                "server.oauth.issuer is 'http://auth.example.com/realm'; it must be an https URL "
                                        + "without a fragment (http only on a loopback host), the authorization "
                                        + "server's issuer, e.g. https://auth.example.com/realms/hal9",
                                "server.oauth.resource is empty; with server.auth oauth set it to the public URL "
                                        + "clients use for /mcp, e.g. https://hal9.example.com/mcp",
                                "server.oauth.scopes has 'hal9'; each entry must be scope=capability (repeat a scope "
                                        + "for more capabilities, '*' for all enabled), e.g. hal9=*"));

        Path broken = Files.writeString(Files.createTempFile("hal9", ".yaml"), "server: [unclosed\n");
        assertThatThrownBy(() -> Settings.load(broken, Map.of(), Map.of())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> Settings.load(Path.of("/nonexistent/hal9.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("does not exist");
    }

    /**
     * Issue 13, item 10: a typo in hal9.yaml ({@code server.prot}) did nothing, silently. A key the defaults do not
     * document stops start-up with one line naming it and the closest known key: a typo in a setting that restricts
     * (guard.recipients, capabilities.disabled, families.browser.denied-domains) would otherwise leave the
     * restriction off without a word.
     */
    @Test
    void unknownKeysInTheFileStopStartUpAndNameTheClosestKnownKey() throws Exception {
        Path file = Files.writeString(Files.createTempFile("hal9", ".yaml"), """
                server:
                  prot: 9000
                guard:
                  recipents: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8
                  limits:
                    ton: {usdt: {dayly: 5}}
                families:
                  browser:
                    denied-domain: example.com
                  nosuchfamily:
                    key: value
                """);
        Settings.Invalid invalid =
                catchThrowableOfType(Settings.Invalid.class, () -> Settings.load(file, Map.of(), Map.of()));
        String where = " in " + file;
        assertThat(invalid.problems())
                .containsExactly(
                        "unknown setting families.browser.denied-domain" + where
                                + "; did you mean families.browser.denied-domains?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting",
                        "unknown setting families.nosuchfamily.key" + where
                                + "; hal9-defaults.yaml and the families' family-defaults.yaml list every setting",
                        "unknown setting guard.limits.ton.usdt.dayly" + where
                                + "; did you mean guard.limits.ton.usdt.daily?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting",
                        "unknown setting guard.recipents" + where
                                + "; did you mean guard.recipients?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting",
                        "unknown setting server.prot" + where
                                + "; did you mean server.port?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting");
    }

    /**
     * Issue 13, item 10: a HAL9_ variable that maps to no key was ignored without a word. It is reported (and still
     * ignored: the environment is inherited from shells and desktop clients and may hold another version's variables,
     * so it warns rather than refusing to start). Variables that are not settings (secrets, the launcher's) are not.
     */
    @Test
    void environmentVariablesThatNameNoSettingAreReported() {
        Settings settings = Settings.load(
                null,
                Map.of(
                        "HAL9_SERVER_PROT", "9000",
                        "HAL9_KEYSTORE_PASSPHRASE", "hunter2-hunter2",
                        "HAL9_JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64",
                        "HAL9_TELEGRAM_BOT_TOKEN", "123:abc"),
                Map.of());
        assertThat(settings.warnings())
                .containsExactly("HAL9_SERVER_PROT names no setting (it would set server.prot) and is ignored; did you "
                        + "mean HAL9_SERVER_PORT (server.port)?");
        assertThat(settings.integer("server.port")).isEqualTo(8931);
    }

    /**
     * Issue 13, item 11: the README said hal9-defaults.yaml documents every key, but no families.* key was there.
     * Reading a key the file does not document throws, so starting the server with every family (and its HTTP
     * server), and the readers of the bot and the agent, shows that each key they read is documented; the record of
     * keys read shows the families' keys were among them. With main's hal9-defaults.yaml this fails on the first
     * families key read.
     */
    @Test
    void everySettingTheServerAndItsFamiliesReadIsDocumented() throws Exception {
        Path data = Files.createTempDirectory("hal9-settings-read");
        Settings settings = Settings.load(
                null,
                Map.of(
                        // a custom network makes the chain family read the keys with a <network> part
                        "HAL9_FAMILIES_CHAIN_EVM__NETWORKS", "devnet",
                        "HAL9_FAMILIES_CHAIN_EVM_DEVNET_RPC__URL", "http://127.0.0.1:9",
                        "HAL9_FAMILIES_CHAIN_EVM_DEVNET_CHAIN__ID", "31337",
                        "HAL9_FAMILIES_ORCHESTRATOR_PROVIDER", "anthropic"),
                Map.of("data-dir", data.toString()));
        try (Hal9 hal9 = new Hal9(settings, Map.of(), false)) {
            HttpServer.start(hal9, "127.0.0.1", 0, HttpServer.Auth.NONE).close();
            // what the bridge hands on to the agent's process (AgentProcess.SETTINGS)
            for (String key : List.of(
                    "provider",
                    "base-url",
                    "model",
                    "max-steps",
                    "token-budget",
                    "timeout-seconds",
                    "max-tokens",
                    "mcp-servers")) {
                settings.family("orchestrator", key);
            }
        }
        assertThat(settings.keysRead())
                .contains(
                        "server.max-request-bytes",
                        "tools.timeout-seconds",
                        "guard.approval-timeout-seconds",
                        "families.browser.executable",
                        "families.browser.idle-minutes",
                        "families.chain.evm.devnet.rpc-url",
                        "families.chain.ton.endpoint",
                        "families.contracts.node",
                        "families.commerce.timeout-seconds",
                        "families.telegram.api-base",
                        "families.orchestrator.max-tokens");
        assertThat(settings.keysRead())
                .as("keys read that hal9-defaults.yaml does not document")
                .filteredOn(key -> !Settings.documents(key))
                .isEmpty();
    }

    @Test
    void readingAKeyThatIsNotDocumentedIsABugThatSaysWhereToDocumentIt() {
        Settings settings = Settings.load(null, Map.of(), Map.of());
        assertThatThrownBy(() -> settings.family("browser", "max-tabs"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("families.browser.max-tabs")
                .hasMessageContaining("hal9-defaults.yaml");
    }

    @Test
    void dataDirectoryFollowsXdg() {
        Settings settings = Settings.load(null, Map.of(), Map.of());
        assertThat(settings.dataDirectory(Map.of("XDG_DATA_HOME", "/x"))).isEqualTo(Path.of("/x/hal9"));
        assertThat(settings.dataDirectory(Map.of("HOME", "/h"))).isEqualTo(Path.of("/h/.local/share/hal9"));
    }
}
