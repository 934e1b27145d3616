package dev.hal9.tools.analysis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Uniswap-v2-style pools on the routers configured per network, and a token's price in its pool against WETH(). */
final class Pools {

    /** A token's price in one pool: native units (WETH) per whole token. */
    record Price(String pair, BigDecimal nativePerToken, BigDecimal tokenReserve, BigDecimal nativeReserve) {
        String describe() {
            return pair + " (" + tokenReserve.stripTrailingZeros().toPlainString() + " tokens, "
                    + nativeReserve.stripTrailingZeros().toPlainString() + " native)";
        }
    }

    private Pools() {}

    /**
     * A pair of the token and a router's WETH(): its addresses and raw reserves.
     *
     * @param router the router configured
     * @param factory the router's factory()
     * @param weth the router's WETH()
     * @param pair the pair, in checksum form
     * @param tokenReserve the pair's reserve of the token, raw units
     * @param wethReserve the pair's reserve of WETH, raw units
     */
    record Pair(
            String router, String factory, String weth, String pair, BigInteger tokenReserve, BigInteger wethReserve) {}

    /** The token's pairs against each router's WETH(); a router that is not a Uniswap-v2 router is named in notes. */
    static List<Pair> find(Reads reads, List<String> routers, String token, List<String> notes) {
        List<Pair> pairs = new ArrayList<>();
        for (String router : routers) {
            Optional<String> factory = reads.view(router, Signatures.FACTORY).flatMap(r -> Abi.address(r, 0));
            Optional<String> weth = reads.view(router, Signatures.WETH).flatMap(r -> Abi.address(r, 0));
            if (factory.isEmpty() || weth.isEmpty()) {
                notes.add("pools: " + router + " answers neither factory() nor WETH(): is it a Uniswap-v2 router?");
                continue;
            }
            Optional<String> pair = reads.view(
                            factory.get(), Abi.call(Signatures.GET_PAIR, Abi.word(token), Abi.word(weth.get())))
                    .flatMap(r -> Abi.address(r, 0))
                    .filter(a -> !Abi.isZeroOrDead(a));
            if (pair.isEmpty()) {
                continue;
            }
            String reserves = reads.view(pair.get(), Signatures.GET_RESERVES).orElse("0x");
            boolean tokenFirst = reads.view(pair.get(), Signatures.TOKEN0)
                    .flatMap(r -> Abi.address(r, 0))
                    .map(t -> t.equalsIgnoreCase(token))
                    .orElse(true);
            pairs.add(new Pair(
                    router,
                    factory.get(),
                    weth.get(),
                    reads.checksum(pair.get()),
                    Abi.uint(reserves, tokenFirst ? 0 : 1).orElse(BigInteger.ZERO),
                    Abi.uint(reserves, tokenFirst ? 1 : 0).orElse(BigInteger.ZERO)));
        }
        return pairs;
    }

    /** The price in the deepest pool of the token against a router's WETH(), if it has one. */
    static Optional<Price> price(Reads reads, List<String> routers, String token, int decimals) {
        Price best = null;
        for (Pair pair : find(reads, routers, token, new ArrayList<>())) {
            if (pair.tokenReserve().signum() == 0) {
                continue;
            }
            BigDecimal tokens = new BigDecimal(pair.tokenReserve()).movePointLeft(decimals);
            BigDecimal natives = new BigDecimal(pair.wethReserve()).movePointLeft(18);
            Price price = new Price(pair.pair(), natives.divide(tokens, MathContext.DECIMAL64), tokens, natives);
            if (best == null || price.nativeReserve().compareTo(best.nativeReserve()) > 0) {
                best = price;
            }
        }
        return Optional.ofNullable(best);
    }
}
