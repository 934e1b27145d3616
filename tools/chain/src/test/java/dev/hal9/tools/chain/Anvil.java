package dev.hal9.tools.chain;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** anvil (from the npm package @foundry-rs/anvil), a real EVM dev chain on 127.0.0.1 and a free port. */
final class Anvil implements AutoCloseable {

    /** The first two of anvil's funded development accounts. */
    static final String KEY_0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    static final String ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    static final String ACCOUNT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    private final Process process;
    final String url;

    Anvil() throws Exception {
        Path binary =
                Path.of(System.getProperty("anvil.binary", "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " is missing: run tools/chain/install-peers.sh");
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
                rpc("eth_chainId", "[]");
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("anvil did not start on " + url, e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** A raw JSON-RPC call, for the test's own setup (the tools under test use their own client). */
    String rpc(String method, String params) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\""
                                        + method + "\",\"params\":" + params + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
