package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.ton.ton4j.address.Address;
import org.ton.ton4j.smartcontract.token.ft.JettonMinter;
import org.ton.ton4j.smartcontract.token.nft.NftUtils;
import org.ton.ton4j.toncenter.TonCenter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * @ton/sandbox (a real TVM) behind the toncenter-v2-style shim (clients/toncenter-shim.mjs): funding, and a TEP-74
 * jetton (ton4j's jetton-minter code, 6 decimals like USDT) minted to whoever a test names.
 */
final class TonSandbox implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process shim;
    final String endpoint;
    final TonCenter toncenter;

    TonSandbox() throws Exception {
        shim = new ProcessBuilder(
                        Peers.node22(),
                        Peers.dir().resolve("clients/toncenter-shim.mjs").toString(),
                        "0")
                .directory(Peers.dir().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String listening =
                new BufferedReader(new InputStreamReader(shim.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(listening).startsWith("listening ");
        endpoint = "http://127.0.0.1:" + listening.substring("listening ".length());
        toncenter = TonCenter.builder().endpoint(endpoint).build();
    }

    /** Gives an address TON from the sandbox's treasury. */
    void fund(String raw, long nanotons) throws Exception {
        shim(endpoint, "/shim/fund", Map.of("address", raw, "amount", String.valueOf(nanotons)));
    }

    /** Deploys a jetton master administered by the treasury; returns its address. */
    Address deployJetton() throws Exception {
        JettonMinter minter = minter();
        shim(
                endpoint,
                "/shim/send",
                Map.of(
                        "to", minter.getAddress().toRaw(),
                        "amount", "1000000000",
                        "code", base64(minter.createCodeCell()),
                        "data", base64(minter.createDataCell())));
        return minter.getAddress();
    }

    /** Mints jettons (smallest units) of the master {@link #deployJetton} made to an owner's jetton wallet. */
    void mint(Address owner, BigInteger units) throws Exception {
        shim(
                endpoint,
                "/shim/send",
                Map.of(
                        "to", minter().getAddress().toRaw(),
                        "amount", "200000000",
                        "body",
                                base64(JettonMinter.createMintBody(
                                        1,
                                        owner,
                                        BigInteger.valueOf(50_000_000L),
                                        units,
                                        null,
                                        treasury(),
                                        BigInteger.ZERO,
                                        null))));
    }

    /** An owner's jetton balance, read from its jetton wallet (0 before it exists). */
    BigInteger jettons(Address master, Address owner) {
        return jettons(toncenter, master, owner);
    }

    /** An owner's jetton balance through any toncenter client. */
    static BigInteger jettons(TonCenter toncenter, Address master, Address owner) {
        Address jettonWallet = toncenter.getJettonWalletAddress(master.toRaw(), owner.toRaw());
        if (!"active".equals(toncenter.getState(jettonWallet.toRaw()))) {
            return BigInteger.ZERO;
        }
        String hex = String.valueOf(toncenter
                .runGetMethod(jettonWallet.toRaw(), "get_wallet_data", List.of())
                .getResult()
                .getStack()
                .get(0)
                .get(1));
        return new BigInteger(hex.substring(2), 16);
    }

    private JettonMinter minter() throws Exception {
        return JettonMinter.builder()
                .adminAddress(treasury())
                .content(NftUtils.createOffChainUriCell("https://example.invalid/tusdt.json"))
                .build();
    }

    /** The sandbox's treasury wallet, which administers the jettons it deploys. */
    Address treasury() throws Exception {
        return Address.of(shim(endpoint, "/shim/treasury", null).asString());
    }

    static String base64(org.ton.ton4j.cell.Cell cell) {
        return java.util.Base64.getEncoder().encodeToString(cell.toBoc());
    }

    /** One call to the shim (GET without a body, POST with one); returns its "result". */
    static JsonNode shim(String endpoint, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint + path));
        if (body != null) {
            request.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        String answer = HttpClient.newHttpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofString())
                .body();
        return JSON.readTree(answer).get("result");
    }

    @Override
    public void close() {
        shim.destroyForcibly();
    }
}
