package dev.hal9.conformance;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Secrets pasted into the wrong argument are not stored (issue 13, item 4). Redaction used to go by argument name
 * only: a private key in {@code to}, a mnemonic or a bearer token in {@code idempotencyKey}, a key in a payment
 * {@code id} landed verbatim in audit_log, the ledger and the -v log. Now values are redacted by their shape
 * wherever they are written, and the guard refuses a secret-shaped idempotency key with a clear error.
 */
class SecretsInTheWrongArgumentTest {

    /** Anvil's second well-known development key: a real key's shape, nobody's money. */
    private static final String PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    /** The BIP-39 test vector's mnemonic. */
    private static final String MNEMONIC =
            "legal winner thank year wave sausage worth useful legal winner thank yellow";

    @Test
    void aKeyAMnemonicOrATokenInTheWrongArgumentIsNeitherStoredNorLogged() throws Exception {
        try (Anvil anvil = new Anvil()) {
            String token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
            try (PaymentRig rig = new PaymentRig(anvil, token, Map.of())) {
                rig.server.close();
                rig.server = PackagedServer.http(rig.home, rig.environment(), "--auth", "token", "-v");
                String bobSecret = rig.bobSecret;
                SoftAssertions softly = new SoftAssertions();
                try (McpSyncClient alice = new PaymentRig.Client(rig.server, rig.aliceSecret).open()) {
                    send(alice, Map.of("network", "anvil", "to", PRIVATE_KEY, "amount", "0.05"));
                    McpSchema.CallToolResult mnemonicKey = send(
                            alice,
                            Map.of(
                                    "network",
                                    "anvil",
                                    "to",
                                    PaymentRig.RECIPIENT,
                                    "amount",
                                    "0.05",
                                    "idempotencyKey",
                                    MNEMONIC));
                    softly.assertThat(EvmPaymentsTest.text(mnemonicKey))
                            .as("a mnemonic as the idempotency key")
                            .contains("idempotencyKey looks like a private key, a mnemonic or a bearer token");
                    McpSchema.CallToolResult tokenKey = send(
                            alice,
                            Map.of(
                                    "network",
                                    "anvil",
                                    "to",
                                    PaymentRig.RECIPIENT,
                                    "amount",
                                    "0.05",
                                    "idempotencyKey",
                                    bobSecret));
                    softly.assertThat(tokenKey.isError())
                            .as("a bearer token as the idempotency key")
                            .isTrue();
                    alice.callTool(new McpSchema.CallToolRequest("payment_status", Map.of("id", PRIVATE_KEY)));
                    alice.callTool(
                            new McpSchema.CallToolRequest("payment_status", Map.of("id", "Bearer " + bobSecret)));
                }
                rig.server.close();
                String log = rig.server.log();

                String stored = everything(rig.home.resolve("data").resolve("hal9"));
                softly.assertThat(stored).as("audit_log and ledger").contains("payment_status");
                for (String secret : new String[] {PRIVATE_KEY.substring(2), MNEMONIC, bobSecret}) {
                    softly.assertThat(stored).as("audit_log and ledger").doesNotContain(secret);
                    softly.assertThat(log).as("the -v log").doesNotContain(secret);
                }
                softly.assertAll();
            }
        }
    }

    private static McpSchema.CallToolResult send(McpSyncClient client, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest("evm_send", arguments));
    }

    /** Every value of every row of audit_log and ledger, read with the owner's credentials once the server is down. */
    private static String everything(Path directory) throws Exception {
        Path passwordFile = directory.resolve("db.password");
        String password =
                Files.exists(passwordFile) ? Files.readString(passwordFile).strip() : "";
        StringBuilder all = new StringBuilder();
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:h2:file:" + directory.resolve("hal9").toAbsolutePath(), "sa", password);
                Statement statement = connection.createStatement()) {
            for (String table : new String[] {"AUDIT_LOG", "LEDGER"}) {
                try (ResultSet rows = statement.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData columns = rows.getMetaData();
                    while (rows.next()) {
                        for (int column = 1; column <= columns.getColumnCount(); column++) {
                            all.append(rows.getString(column)).append('\t');
                        }
                        all.append('\n');
                    }
                }
            }
        }
        return all.toString();
    }
}
