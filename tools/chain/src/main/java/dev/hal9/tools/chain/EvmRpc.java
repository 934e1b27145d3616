package dev.hal9.tools.chain;

import dev.hal9.api.ToolException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small Ethereum JSON-RPC client over the JDK's HttpClient: the few calls the wallet tools need, each with a
 * timeout, and failures as {@link ToolException}s that name the network and what to do. Thread-safe.
 */
final class EvmRpc {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final EvmNetworks.Network network;
    private final HttpClient http;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();

    EvmRpc(EvmNetworks.Network network, Duration timeout) {
        this.network = network;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    BigInteger chainId() {
        return quantity(call("eth_chainId", List.of()));
    }

    BigInteger balance(String address) {
        return quantity(call("eth_getBalance", List.of(address, "latest")));
    }

    BigInteger blockNumber() {
        return quantity(call("eth_blockNumber", List.of()));
    }

    /** The receipt of a transaction, or null while it is pending or unknown. */
    @SuppressWarnings("unchecked")
    Map<String, Object> receipt(String hash) {
        Object result = call("eth_getTransactionReceipt", List.of(hash));
        return result instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    /** Whether the node knows the transaction at all (pending or mined). */
    boolean knows(String hash) {
        return transaction(hash) != null;
    }

    /** The transaction as the node knows it (with blockNumber once mined), or null when it knows none. */
    @SuppressWarnings("unchecked")
    Map<String, Object> transaction(String hash) {
        Object result = call("eth_getTransactionByHash", List.of(hash));
        return result instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    /** The number of transactions an address had sent as of a block ({@code latest}, or a number). */
    BigInteger nonceAt(String address, Object block) {
        Object tag = block instanceof Long number ? "0x" + Long.toHexString(number) : block;
        return quantity(call("eth_getTransactionCount", List.of(address, tag)));
    }

    /** A block with its full transactions, or null when the node has none by that number. */
    @SuppressWarnings("unchecked")
    Map<String, Object> block(long number) {
        Object result = call("eth_getBlockByNumber", List.of("0x" + Long.toHexString(number), true));
        return result instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    /** eth_call of raw data against a contract, at the latest block. */
    String ethCall(String to, String data) {
        return String.valueOf(call("eth_call", List.of(Map.of("to", to, "data", data), "latest")));
    }

    Object call(String method, List<Object> params) {
        String body = JSON.writeValueAsString(
                Map.of("jsonrpc", "2.0", "id", ids.incrementAndGet(), "method", method, "params", params));
        HttpRequest request = HttpRequest.newBuilder(URI.create(network.rpcUrl()))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ToolException("the " + network.name() + " RPC (" + network.rpcUrl() + ") did not answer " + method
                    + " within " + timeout.toSeconds() + " s; try again, or configure another RPC URL");
        } catch (ConnectException e) {
            throw new ToolException("the " + network.name() + " RPC (" + network.rpcUrl() + ") refused the connection; "
                    + "check families.chain.evm." + network.name() + ".rpc-url");
        } catch (IOException e) {
            throw new ToolException("the " + network.name() + " RPC failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("the call was cancelled while waiting for the " + network.name() + " RPC");
        }
        if (response.statusCode() != 200) {
            throw new ToolException(
                    "the " + network.name() + " RPC answered HTTP " + response.statusCode() + " to " + method);
        }
        Map<String, Object> answer;
        try {
            answer = JSON.readValue(response.body(), MAP);
        } catch (RuntimeException e) {
            throw new ToolException("the " + network.name() + " RPC sent something that is not JSON-RPC");
        }
        if (answer.get("error") instanceof Map<?, ?> error) {
            throw new Refused(network.name(), method, String.valueOf(error.get("message")), error.get("data"));
        }
        return answer.get("result");
    }

    /** The next nonce of an address, counting its transactions still in the pool. */
    BigInteger pendingNonce(String address) {
        return quantity(call("eth_getTransactionCount", List.of(address, "pending")));
    }

    /** The gas a call would use, or {@link Refused} with the revert reason. */
    BigInteger estimateGas(Map<String, Object> transaction) {
        return quantity(call("eth_estimateGas", List.of(transaction)));
    }

    /** eth_call of a transaction object (from, to, data, value) at the latest block. */
    String ethCall(Map<String, Object> transaction) {
        return String.valueOf(call("eth_call", List.of(transaction, "latest")));
    }

    /** The latest block's base fee per gas (0 on chains without EIP-1559). */
    @SuppressWarnings("unchecked")
    BigInteger baseFee() {
        Object block = call("eth_getBlockByNumber", List.of("latest", false));
        if (block instanceof Map<?, ?> map && map.get("baseFeePerGas") != null) {
            return quantity(((Map<String, Object>) map).get("baseFeePerGas"));
        }
        return BigInteger.ZERO;
    }

    /** The node's suggested tip per gas; 1 gwei when it has no opinion. */
    BigInteger priorityFee() {
        try {
            return quantity(call("eth_maxPriorityFeePerGas", List.of()));
        } catch (Refused e) {
            return BigInteger.valueOf(1_000_000_000L);
        }
    }

    /** Broadcasts a signed transaction; returns the hash the node reports. */
    String sendRaw(String rawHex) {
        return String.valueOf(call("eth_sendRawTransaction", List.of(rawHex)));
    }

    /** The node answered with a JSON-RPC error: it understood and said no (unlike a timeout). */
    static final class Refused extends ToolException {
        final String reason;
        final Object data;

        Refused(String network, String method, String reason, Object data) {
            super("the " + network + " RPC refused " + method + ": " + reason);
            this.reason = reason;
            this.data = data;
        }
    }

    static BigInteger quantity(Object hex) {
        if (!(hex instanceof String text) || !text.startsWith("0x")) {
            throw new ToolException("the RPC sent '" + hex + "' where a hex quantity belongs");
        }
        return text.length() == 2 ? BigInteger.ZERO : new BigInteger(text.substring(2), 16);
    }
}
