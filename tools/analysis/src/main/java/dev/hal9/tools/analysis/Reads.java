package dev.hal9.tools.analysis;

import com.github.benmanes.caffeine.cache.Cache;
import dev.hal9.tools.chain.Evm;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One analysis's reads from a node: every RPC request counted against the analysis's budget, and the reads that
 * stay true for a while (code, slots, view calls at the latest block) served from a cache the family shares, so
 * that the second analysis of a token costs fewer requests than the first. One instance per analysis.
 */
final class Reads {

    /** The analysis used up its RPC budget; what it found so far is still reported. */
    static final class OutOfBudget extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfBudget(int budget) {
            super("the RPC budget of " + budget + " requests ran out", null, false, false);
        }
    }

    private final Evm evm;
    private final String network;
    private final Cache<String, Object> cache;
    private final int budget;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger cached = new AtomicInteger();

    Reads(Evm evm, String network, Cache<String, Object> cache, int budget) {
        this.evm = evm;
        this.network = network;
        this.cache = cache;
        this.budget = budget;
    }

    String network() {
        return network;
    }

    /** RPC requests sent so far. */
    int requests() {
        return requests.get();
    }

    /** Reads answered from the cache. */
    int cached() {
        return cached.get();
    }

    int budget() {
        return budget;
    }

    /** Whether {@code more} requests still fit in the budget. */
    boolean affords(int more) {
        return requests.get() + more <= budget;
    }

    /** An address in its EIP-55 checksum form, as wallets and explorers show it. */
    String checksum(String address) {
        return address == null ? null : evm.address(address, "address");
    }

    String code(String address) {
        return cachedRead("code " + address, () -> evm.code(network, address));
    }

    String storage(String address, String slot) {
        return cachedRead("slot " + address + " " + slot, () -> evm.storageAt(network, address, slot));
    }

    /** A view call; empty when it reverts (the function is missing or refuses). */
    Optional<String> view(String to, String data) {
        Object result = cachedRead("call " + to + " " + data, () -> {
            try {
                return evm.call(network, null, to, data);
            } catch (Evm.Reverted e) {
                return Reverted.INSTANCE;
            }
        });
        return result instanceof String hex ? Optional.of(hex) : Optional.empty();
    }

    /** A call from {@code from}, never cached: it asks who may do what. */
    Optional<String> callFrom(String from, String to, String data) {
        spend();
        try {
            return Optional.of(evm.call(network, from, to, data));
        } catch (Evm.Reverted e) {
            return Optional.empty();
        }
    }

    /** Why a call from {@code from} reverts (its revert data), or empty when it succeeds. */
    Optional<String> revert(String from, String to, String data) {
        spend();
        try {
            evm.call(network, from, to, data);
            return Optional.empty();
        } catch (Evm.Reverted e) {
            return Optional.of(e.data == null || e.data.length() <= 2 ? e.reason : TokenAnalysis.reason(e.data));
        }
    }

    String callWithOverrides(String from, String to, String data, Map<String, Evm.StateOverride> overrides) {
        spend();
        return evm.call(network, from, to, data, BigInteger.ZERO, overrides);
    }

    long blockNumber() {
        spend();
        return evm.blockNumber(network);
    }

    List<Evm.Log> logs(String address, String topic0, long from, long to) {
        spend();
        return evm.logs(network, address, List.of(topic0), from, to);
    }

    Optional<List<Evm.Simulated>> simulate(List<Evm.SimulatedCall> calls) {
        spend();
        return evm.simulate(network, calls);
    }

    Optional<List<Evm.Frame>> trace(String from, String to, String data) {
        spend();
        return evm.trace(network, from, to, data);
    }

    Optional<Evm.Creation> creation(String address) {
        Object result = cachedRead("creation " + address, () -> {
            // ots_getContractCreator and the creating transaction: two requests; a code search costs more
            requests.incrementAndGet();
            return evm.creation(network, address).<Object>map(c -> c).orElse(Reverted.INSTANCE);
        });
        return result instanceof Evm.Creation creation ? Optional.of(creation) : Optional.empty();
    }

    private enum Reverted {
        INSTANCE
    }

    @SuppressWarnings("unchecked")
    private <T> T cachedRead(String key, Supplier<T> read) {
        String full = network + " " + key;
        Object hit = cache.getIfPresent(full);
        if (hit != null) {
            cached.incrementAndGet();
            return (T) hit;
        }
        spend();
        T value = read.get();
        cache.put(full, value);
        return value;
    }

    private void spend() {
        if (requests.incrementAndGet() > budget) {
            requests.decrementAndGet();
            throw new OutOfBudget(budget);
        }
    }
}
