package dev.hal9.conformance;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * anvil (npm {@code @foundry-rs/anvil-linux-amd64}), a real EVM dev chain on 127.0.0.1 and a free port, with the
 * test's own JSON-RPC calls for setup and checks (hal9 uses its own client). Stopped by {@link #close()}.
 */
final class Anvil implements AutoCloseable {

    /** anvil's first funded development account; unlocked, so eth_sendTransaction works from it. */
    static final String FUNDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    static final long CHAIN_ID = 31337;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    final String url;

    Anvil() throws Exception {
        Path binary =
                Path.of(System.getProperty("peers.dir", "."), "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: run conformance-tests/install-peers.sh");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        process = new ProcessBuilder(
                        binary.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port), "--silent")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        url = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                rpc("eth_chainId");
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("anvil did not start on " + url, e);
                }
                Thread.sleep(50);
            }
        }
    }

    JsonNode rpc(String method, Object... params) throws IOException, InterruptedException {
        String body =
                JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", List.of(params)));
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(response.body());
        if (answer.has("error")) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.get("result");
    }

    BigInteger balance(String address) throws Exception {
        return quantity(rpc("eth_getBalance", address, "latest"));
    }

    long nonce(String address) throws Exception {
        return quantity(rpc("eth_getTransactionCount", address, "latest")).longValueExact();
    }

    BigInteger tokenBalance(String token, String owner) throws Exception {
        String data = "0x70a08231" + "0".repeat(24) + owner.substring(2).toLowerCase();
        return quantity(rpc("eth_call", Map.of("to", token, "data", data), "latest"));
    }

    /** Sends from the funder (unlocked) and waits for the receipt; returns it. */
    JsonNode sendFromFunder(String to, BigInteger value, String data) throws Exception {
        Map<String, Object> tx = new java.util.HashMap<>();
        tx.put("from", FUNDER);
        if (to != null) {
            tx.put("to", to);
        }
        tx.put("value", "0x" + value.toString(16));
        if (data != null) {
            tx.put("data", data);
        }
        String hash = rpc("eth_sendTransaction", tx).asString();
        JsonNode receipt = rpc("eth_getTransactionReceipt", hash);
        for (int i = 0; i < 100 && (receipt == null || receipt.isNull()); i++) {
            Thread.sleep(50); // anvil mines at once, but the receipt may lag the answer a little
            receipt = rpc("eth_getTransactionReceipt", hash);
        }
        if (receipt == null
                || receipt.isNull()
                || !"0x1".equals(receipt.get("status").asString())) {
            throw new IllegalStateException("setup transaction failed: " + receipt);
        }
        return receipt;
    }

    /** Deploys contracts/TestToken.sol (compiled by solc-js here and now) minting {@code supply} to the funder. */
    String deployTestToken(BigInteger supply) throws Exception {
        if (testTokenBytecode == null) {
            testTokenBytecode = compileTestToken();
        }
        String argument = supply.toString(16);
        JsonNode receipt = sendFromFunder(
                null, BigInteger.ZERO, testTokenBytecode + "0".repeat(64 - argument.length()) + argument);
        return receipt.get("contractAddress").asString();
    }

    private String testTokenBytecode;

    private static String compileTestToken() throws Exception {
        Peers.Result compiled = Peers.run(
                List.of(
                        Peers.node22(),
                        Peers.dir().resolve("clients/compile.mjs").toString(),
                        Peers.dir().resolve("contracts/TestToken.sol").toString(),
                        "TestToken"),
                Map.of(),
                java.time.Duration.ofSeconds(120));
        if (compiled.exit() != 0) {
            throw new IllegalStateException("solc failed: " + compiled.stderr());
        }
        return JSON.readTree(compiled.stdout()).get("bytecode").asString();
    }

    /** Sends {@code amount} of a token from the funder. */
    void tokenFromFunder(String token, String to, BigInteger amount) throws Exception {
        String value = amount.toString(16);
        sendFromFunder(
                token,
                BigInteger.ZERO,
                "0xa9059cbb" + "0".repeat(24) + to.substring(2).toLowerCase() + "0".repeat(64 - value.length())
                        + value);
    }

    static BigInteger quantity(JsonNode hex) {
        String text = hex.asString();
        return text.equals("0x") ? BigInteger.ZERO : new BigInteger(text.substring(2), 16);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
