package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The guard's confirmation in revision 2026-07-28, through raw HTTP POSTs as a 2026-07-28 client sends them (the
 * headers and {@code _meta} on every request) to the packaged server over anvil: with {@code guard.elicitation} on
 * and elicitation declared, evm_send ends with an input-required result whose sealed state names the pending row;
 * the retry with the answer resumes that row (accept sends on anvil, decline sends nothing), and a tampered or another
 * principal's state is refused with -32602. Without {@code guard.elicitation} the payment waits for a person as in
 * 2025-11-25.
 */
class ModernGuardConfirmationTest {

    private static final String VERSION = "2026-07-28";
    private static final BigInteger ETHER = BigInteger.TEN.pow(18);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger IDS = new AtomicInteger();

    private static Anvil anvil;
    private static String token;

    @BeforeAll
    static void chain() throws Exception {
        anvil = new Anvil();
        token = anvil.deployTestToken(BigInteger.valueOf(1_000_000_000_000L));
    }

    @AfterAll
    static void stop() throws Exception {
        anvil.close();
    }

    @Test
    void theGuardAsksByAnInputRequiredResultAndTheRetryResumesThatPayment() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of("HAL9_GUARD_ELICITATION", "true"))) {
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
            Map<String, Object> send = Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.3");

            JsonNode asked = call(rig, rig.aliceSecret, send, null, null);
            JsonNode result = asked.get("body").get("result");
            assertThat(result.get("resultType").asString()).as(asked.toString()).isEqualTo("input_required");
            JsonNode question = result.get("inputRequests").get("hal9_confirm");
            assertThat(question.get("method").asString()).isEqualTo("elicitation/create");
            assertThat(question.get("params").get("message").asString())
                    .contains("send 0.3 ETH on anvil", "It moves: 0.3 ETH");
            assertThat(question.get("params")
                            .get("requestedSchema")
                            .get("properties")
                            .has("approve"))
                    .isTrue();
            String state = result.get("requestState").asString();
            assertThat(state).isNotBlank().doesNotContain("guard-confirm:");
            assertThat(rows(rig, "send 0.3 ETH on anvil")).isEqualTo(1);
            assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);

            Map<String, Object> accept =
                    Map.of("hal9_confirm", Map.of("action", "accept", "content", Map.of("approve", true)));
            char last = state.charAt(state.length() - 2);
            String tampered = state.substring(0, state.length() - 2)
                    + (last == 'A' ? 'B' : 'A')
                    + state.charAt(state.length() - 1);
            JsonNode forged = call(rig, rig.aliceSecret, send, accept, tampered);
            assertThat(forged.get("body").get("error").get("code").asInt())
                    .as(forged.toString())
                    .isEqualTo(-32602);
            JsonNode foreign = call(rig, rig.bobSecret, send, accept, state);
            assertThat(foreign.get("body").get("error").get("code").asInt())
                    .as(foreign.toString())
                    .isEqualTo(-32602);
            assertThat(anvil.balance(PaymentRig.RECIPIENT)).isEqualTo(before);

            JsonNode retried = call(rig, rig.aliceSecret, send, accept, state);
            JsonNode done = retried.get("body").get("result");
            assertThat(done.get("resultType").asString()).as(retried.toString()).isEqualTo("complete");
            assertThat(done.path("isError").asBoolean(false))
                    .as(retried.toString())
                    .isFalse();
            JsonNode payment = done.get("structuredContent").get("payment");
            assertThat(payment.get("state").asString()).as(retried.toString()).isEqualTo("confirmed");
            assertThat(payment.get("approvedVia").asString()).isEqualTo("elicitation");
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.multiply(BigInteger.valueOf(3)).divide(BigInteger.TEN));
            assertThat(rows(rig, "send 0.3 ETH on anvil")).isEqualTo(1);

            Map<String, Object> other = Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.4");
            JsonNode second = call(rig, rig.aliceSecret, other, null, null);
            String secondState =
                    second.get("body").get("result").get("requestState").asString();
            JsonNode declined =
                    call(rig, rig.aliceSecret, other, Map.of("hal9_confirm", Map.of("action", "decline")), secondState);
            JsonNode declinedPayment =
                    declined.get("body").get("result").get("structuredContent").get("payment");
            assertThat(declinedPayment.get("state").asString())
                    .as(declined.toString())
                    .isEqualTo("declined");
            assertThat(rows(rig, "send 0.4 ETH on anvil")).isEqualTo(1);
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.multiply(BigInteger.valueOf(3)).divide(BigInteger.TEN));
        }
    }

    /**
     * Issue 19: 2026-07-28 requests carry no session, so a load balancer may send the retry of an input-required result
     * to another instance than the one that sealed its state. The instances share the sealing key through the
     * database, so the other instance opens the state and resumes the payment, once. (Before, each instance drew its
     * own key at start and the other instance refused the state with -32602.)
     */
    @Test
    void theRetryResumesThePaymentOnAnotherInstance() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of("HAL9_GUARD_ELICITATION", "true"));
                PackagedServer other = PackagedServer.http(rig.home, rig.environment(), "--auth", "token")) {
            BigInteger before = anvil.balance(PaymentRig.RECIPIENT);
            Map<String, Object> send = Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.25");
            JsonNode asked = call(rig.server, rig.aliceSecret, send, null, null);
            String state = asked.get("body").get("result").get("requestState").asString();
            Map<String, Object> accept =
                    Map.of("hal9_confirm", Map.of("action", "accept", "content", Map.of("approve", true)));
            JsonNode retried = call(other, rig.aliceSecret, send, accept, state);
            JsonNode done = retried.get("body").get("result");
            assertThat(done).as(retried.toString()).isNotNull();
            assertThat(done.get("structuredContent").get("payment").get("state").asString())
                    .as(retried.toString())
                    .isEqualTo("confirmed");
            assertThat(anvil.balance(PaymentRig.RECIPIENT).subtract(before))
                    .isEqualTo(ETHER.divide(BigInteger.valueOf(4)));
            assertThat(rows(rig, "send 0.25 ETH on anvil")).isEqualTo(1);
        }
    }

    @Test
    void withoutTheOperatorsSayTheClientIsNotAskedAndThePaymentWaitsForAPerson() throws Exception {
        try (PaymentRig rig = new PaymentRig(anvil, token, Map.of())) {
            Map<String, Object> send = Map.of("network", "anvil", "to", PaymentRig.RECIPIENT, "amount", "0.2");
            JsonNode answered = call(rig, rig.aliceSecret, send, null, null);
            JsonNode result = answered.get("body").get("result");
            assertThat(result.get("resultType").asString())
                    .as(answered.toString())
                    .isEqualTo("complete");
            JsonNode payment = result.get("structuredContent").get("payment");
            assertThat(payment.get("state").asString()).isEqualTo("pending");
            assertThat(payment.get("next").asString())
                    .contains("hal9 approve " + payment.get("id").asString());
            assertThat(rows(rig, "send 0.2 ETH on anvil")).isEqualTo(1);
        }
    }

    /** How many of alice's ledger rows {@code hal9 payments --all} lists with this summary. */
    private static long rows(PaymentRig rig, String summary) {
        Peers.Result listed = rig.cli("payments", "--principal", "alice", "--all");
        assertThat(listed.exit()).as(listed.stderr()).isZero();
        return listed.stdout()
                .lines()
                .filter(line -> !line.startsWith(" ") && line.contains(summary))
                .count();
    }

    /** One 2026-07-28 tools/call of evm_send; a retry adds the answers and echoes the state. */
    private static JsonNode call(
            PaymentRig rig, String secret, Map<String, Object> arguments, Map<String, Object> answers, String state)
            throws Exception {
        return call(rig.server, secret, arguments, answers, state);
    }

    /** The same call to a given instance. */
    private static JsonNode call(
            PackagedServer server,
            String secret,
            Map<String, Object> arguments,
            Map<String, Object> answers,
            String state)
            throws Exception {
        Map<String, Object> meta = Map.of(
                "io.modelcontextprotocol/protocolVersion", VERSION,
                "io.modelcontextprotocol/clientInfo", Map.of("name", "mrtr-test", "version", "1"),
                "io.modelcontextprotocol/clientCapabilities", Map.of("elicitation", Map.of()));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", "evm_send");
        params.put("arguments", arguments);
        params.put("_meta", meta);
        if (answers != null) {
            params.put("inputResponses", answers);
        }
        if (state != null) {
            params.put("requestState", state);
        }
        String body = JSON.writeValueAsString(
                Map.of("jsonrpc", "2.0", "id", IDS.incrementAndGet(), "method", "tools/call", "params", params));
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.base() + "/mcp"))
                                .header("Authorization", "Bearer " + secret)
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json, text/event-stream")
                                .header("MCP-Protocol-Version", VERSION)
                                .header("Mcp-Method", "tools/call")
                                .header("Mcp-Name", "evm_send")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String text = response.body();
        if (text.startsWith("event:") || text.startsWith("data:") || text.startsWith(":")) {
            // an SSE answer: the response is the last data line
            text = text.lines()
                    .filter(line -> line.startsWith("data:"))
                    .reduce((a, b) -> b)
                    .orElseThrow()
                    .substring(5)
                    .strip();
        }
        return JSON.createObjectNode().put("status", response.statusCode()).set("body", JSON.readTree(text));
    }
}
