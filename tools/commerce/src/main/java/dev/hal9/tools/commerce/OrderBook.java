package dev.hal9.tools.commerce;

import dev.hal9.api.FamilyState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Each principal's orders (quote, payment, shop order, refund) in the server's store; they survive restarts. */
final class OrderBook {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * An order as hal9 tracks it.
     *
     * @param state quoted, awaiting_approval, paying, placing, ordered, cancelled, payment_failed, refunding,
     *     refunded, refund_failed
     */
    record Order(
            String id,
            String state,
            List<ShopAdapter.CartLine> lines,
            BigDecimal items,
            BigDecimal shipping,
            BigDecimal tax,
            BigDecimal total,
            String currency,
            String shipTo,
            String usdt,
            String token,
            String quoteExpiresAt,
            String paymentId,
            String wallet,
            String orderNumber,
            String refundPaymentId,
            String note,
            String createdAt) {

        Order with(String nextState, String payment, String number, String refund, String nextNote) {
            return new Order(
                    id,
                    nextState,
                    lines,
                    items,
                    shipping,
                    tax,
                    total,
                    currency,
                    shipTo,
                    usdt,
                    token,
                    quoteExpiresAt,
                    payment,
                    wallet,
                    number,
                    refund,
                    nextNote,
                    createdAt);
        }

        Order withWallet(String payer) {
            return new Order(
                    id,
                    state,
                    lines,
                    items,
                    shipping,
                    tax,
                    total,
                    currency,
                    shipTo,
                    usdt,
                    token,
                    quoteExpiresAt,
                    paymentId,
                    payer,
                    orderNumber,
                    refundPaymentId,
                    note,
                    createdAt);
        }
    }

    private final FamilyState state;
    /** Striped, so the lock table stays bounded; reentrant, so a payment settled inside a call may take it. */
    private final ReentrantLock[] locks = new ReentrantLock[64];

    OrderBook(FamilyState state) {
        this.state = state;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    Optional<Order> find(String principal, String id) {
        return state.get(principal, "order/" + id).map(json -> JSON.readValue(json, Order.class));
    }

    void save(String principal, Order order) {
        ReentrantLock lock = lock(principal);
        lock.lock();
        try {
            boolean known = state.get(principal, "order/" + order.id()).isPresent();
            state.put(principal, "order/" + order.id(), JSON.writeValueAsString(order));
            if (!known) {
                List<String> ids = new ArrayList<>(ids(principal));
                ids.add(0, order.id());
                state.put(principal, "orders", JSON.writeValueAsString(ids));
            }
        } finally {
            lock.unlock();
        }
    }

    /** One principal's orders, newest first. */
    List<Order> list(String principal, int limit) {
        return ids(principal).stream()
                .limit(limit)
                .map(id -> find(principal, id))
                .flatMap(Optional::stream)
                .toList();
    }

    /** A lock per principal, so that two calls (or a call and a payment's end) never move one order at once. */
    ReentrantLock lock(String principal) {
        return locks[Math.floorMod(principal.hashCode(), locks.length)];
    }

    private List<String> ids(String principal) {
        return state.get(principal, "orders")
                .map(json -> JSON.readValue(json, new TypeReference<List<String>>() {}))
                .orElse(List.of());
    }
}
