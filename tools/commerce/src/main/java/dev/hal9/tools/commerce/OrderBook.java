package dev.hal9.tools.commerce;

import dev.hal9.api.FamilyState;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each principal's orders (quote, payment, shop order, refund) in the family's tables {@code commerce_orders} and
 * {@code commerce_order_lines}, shared by every server instance on the database. An order moves on only by
 * {@link #move}, which succeeds for exactly one of several callers that read the same version of it, in this
 * process or another; no lock is held while the shop or the guard works. Thread-safe.
 */
final class OrderBook {

    private static final Logger LOG = LoggerFactory.getLogger(OrderBook.class);

    /** How an older hal9 kept orders in the family state, read once per principal to copy them over. */
    private static final JsonMapper JSON = JsonMapper.builder()
            // those documents have no version: they start at 0
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /**
     * An order as hal9 tracks it.
     *
     * @param state quoted, awaiting_approval, paying, placing, ordered, cancelled, payment_failed, refunding,
     *     refunded, refund_failed
     * @param version how many times it moved; {@link #move} goes ahead only from the version it was read at
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
            String createdAt,
            long version) {

        /** The same order in its next state; {@link #move} makes it so. */
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
                    createdAt,
                    version);
        }

        /** The same order with its lines, as read from their table. */
        Order withLines(List<ShopAdapter.CartLine> read) {
            return new Order(
                    id,
                    state,
                    read,
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
                    wallet,
                    orderNumber,
                    refundPaymentId,
                    note,
                    createdAt,
                    version);
        }

        /** The same order at another version, as written. */
        Order withVersion(long written) {
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
                    wallet,
                    orderNumber,
                    refundPaymentId,
                    note,
                    createdAt,
                    written);
        }

        /** The same order paid from a wallet. */
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
                    createdAt,
                    version);
        }
    }

    private static final String COLUMNS = "id, state, items, shipping, tax, total, currency, ship_to, usdt, token,"
            + " quote_expires_at, payment_id, wallet, order_number, refund_payment_id, note, created_at, version";

    private final Jdbi database;
    private final FamilyState legacy;

    OrderBook(Jdbi database, FamilyState legacy) {
        this.database = database;
        this.legacy = legacy;
    }

    /** Records a new order, with its lines, in one transaction. */
    void create(String principal, Order order) {
        database.useTransaction(handle -> insert(handle, principal, order));
    }

    Optional<Order> find(String principal, String id) {
        adopt(principal);
        return database.withHandle(handle -> {
            List<Order> found = read(
                    handle,
                    handle.createQuery("SELECT " + COLUMNS + " FROM commerce_orders WHERE principal_id = :principal"
                                    + " AND id = :id")
                            .bind("principal", principal)
                            .bind("id", id)
                            .map(OrderBook::order)
                            .list());
            return found.stream().findFirst();
        });
    }

    /** One principal's orders, newest first. */
    List<Order> list(String principal, int limit) {
        adopt(principal);
        return database.withHandle(handle -> read(
                handle,
                handle.createQuery("SELECT " + COLUMNS + " FROM commerce_orders WHERE principal_id = :principal"
                                + " ORDER BY seq DESC LIMIT :limit")
                        .bind("principal", principal)
                        .bind("limit", limit)
                        .map(OrderBook::order)
                        .list()));
    }

    /**
     * Moves an order on: writes {@code next} if the order is still at the version {@code read} was read at.
     *
     * @return the order as moved, or empty if another call (here or on another instance) moved it first; read it
     *     again to see where it stands
     */
    Optional<Order> move(String principal, Order read, Order next) {
        int updated = database.withHandle(handle -> bindMoving(
                        handle.createUpdate("UPDATE commerce_orders SET state = :state, payment_id = :paymentId,"
                                + " wallet = :wallet, order_number = :orderNumber,"
                                + " refund_payment_id = :refundPaymentId, note = :note, version = version + 1"
                                + " WHERE principal_id = :principal AND id = :id AND version = :version"),
                        next)
                .bind("principal", principal)
                .bind("id", read.id())
                .bind("version", read.version())
                .execute());
        return updated == 1 ? Optional.of(next.withVersion(read.version() + 1)) : Optional.empty();
    }

    private static Update bindMoving(Update update, Order next) {
        return update.bind("state", next.state())
                .bind("paymentId", next.paymentId())
                .bind("wallet", next.wallet())
                .bind("orderNumber", next.orderNumber())
                .bind("refundPaymentId", next.refundPaymentId())
                .bind("note", next.note());
    }

    private static void insert(Handle handle, String principal, Order order) {
        handle.createUpdate("INSERT INTO commerce_orders (principal_id, " + COLUMNS + ") VALUES (:principal, :id,"
                        + " :state, :items, :shipping, :tax, :total, :currency, :shipTo, :usdt, :token,"
                        + " :quoteExpiresAt, :paymentId, :wallet, :orderNumber, :refundPaymentId, :note, :createdAt,"
                        + " :version)")
                .bind("principal", principal)
                .bind("id", order.id())
                .bind("state", order.state())
                .bind("items", text(order.items()))
                .bind("shipping", text(order.shipping()))
                .bind("tax", text(order.tax()))
                .bind("total", text(order.total()))
                .bind("currency", order.currency())
                .bind("shipTo", order.shipTo())
                .bind("usdt", order.usdt())
                .bind("token", order.token())
                .bind("quoteExpiresAt", order.quoteExpiresAt())
                .bind("paymentId", order.paymentId())
                .bind("wallet", order.wallet())
                .bind("orderNumber", order.orderNumber())
                .bind("refundPaymentId", order.refundPaymentId())
                .bind("note", order.note())
                .bind("createdAt", order.createdAt())
                .bind("version", order.version())
                .execute();
        List<ShopAdapter.CartLine> lines = order.lines() == null ? List.of() : order.lines();
        for (int i = 0; i < lines.size(); i++) {
            ShopAdapter.CartLine line = lines.get(i);
            handle.createUpdate("INSERT INTO commerce_order_lines (order_id, line_no, asin, title, quantity, price)"
                            + " VALUES (:order, :lineNo, :asin, :title, :quantity, :price)")
                    .bind("order", order.id())
                    .bind("lineNo", i)
                    .bind("asin", line.asin())
                    .bind("title", line.title())
                    .bind("quantity", line.quantity())
                    .bind("price", text(line.price()))
                    .execute();
        }
    }

    /** The orders with their lines, read in one more query. */
    private static List<Order> read(Handle handle, List<Order> orders) {
        if (orders.isEmpty()) {
            return orders;
        }
        Map<String, List<ShopAdapter.CartLine>> lines = new LinkedHashMap<>();
        orders.forEach(order -> lines.put(order.id(), new ArrayList<>()));
        handle.createQuery("SELECT order_id, asin, title, quantity, price FROM commerce_order_lines"
                        + " WHERE order_id IN (<orders>) ORDER BY order_id, line_no")
                .bindList("orders", List.copyOf(lines.keySet()))
                .map((rs, ctx) -> Map.entry(
                        rs.getString("order_id"),
                        new ShopAdapter.CartLine(
                                rs.getString("asin"),
                                rs.getString("title"),
                                rs.getInt("quantity"),
                                amount(rs.getString("price")))))
                .forEach(entry -> lines.get(entry.getKey()).add(entry.getValue()));
        return orders.stream()
                .map(order -> order.withLines(List.copyOf(lines.get(order.id()))))
                .toList();
    }

    /** A row of {@code commerce_orders}, by column name; its lines come from {@link #read}. */
    private static Order order(ResultSet rs, StatementContext context) throws SQLException {
        return new Order(
                rs.getString("id"),
                rs.getString("state"),
                List.of(),
                amount(rs.getString("items")),
                amount(rs.getString("shipping")),
                amount(rs.getString("tax")),
                amount(rs.getString("total")),
                rs.getString("currency"),
                rs.getString("ship_to"),
                rs.getString("usdt"),
                rs.getString("token"),
                rs.getString("quote_expires_at"),
                rs.getString("payment_id"),
                rs.getString("wallet"),
                rs.getString("order_number"),
                rs.getString("refund_payment_id"),
                rs.getString("note"),
                rs.getString("created_at"),
                rs.getLong("version"));
    }

    /**
     * Copies the orders an older hal9 kept in the family state ({@code orders}, a list of ids, and
     * {@code order/<id>}, each a JSON document) into the tables, once per principal, then removes them there.
     * Several instances may do this at once: an order another has copied already is skipped.
     */
    private void adopt(String principal) {
        Optional<String> index = legacy.get(principal, "orders");
        if (index.isEmpty()) {
            return;
        }
        List<String> ids = JSON.readValue(index.get(), new TypeReference<List<String>>() {});
        // the index is newest first; copied oldest first, so that the newest gets the highest seq
        for (String id : ids.reversed()) {
            Optional<String> json = legacy.get(principal, "order/" + id);
            if (json.isEmpty()) {
                continue;
            }
            Order order = JSON.readValue(json.get(), Order.class);
            try {
                database.useTransaction(handle -> {
                    if (!known(handle, id)) {
                        insert(handle, principal, order.withVersion(0));
                    }
                });
            } catch (RuntimeException e) {
                if (!database.withHandle(handle -> known(handle, id))) {
                    throw e;
                }
                // another instance copied it a moment ago
            }
            legacy.delete(principal, "order/" + id);
        }
        legacy.delete(principal, "orders");
        LOG.info("copied {} order(s) of {} from the family state into commerce_orders", ids.size(), principal);
    }

    private static boolean known(Handle handle, String id) {
        return handle.createQuery("SELECT count(*) FROM commerce_orders WHERE id = :id")
                        .bind("id", id)
                        .mapTo(Integer.class)
                        .one()
                > 0;
    }

    private static String text(BigDecimal amount) {
        return amount == null ? null : amount.toPlainString();
    }

    private static BigDecimal amount(String text) {
        return text == null ? null : new BigDecimal(text);
    }
}
