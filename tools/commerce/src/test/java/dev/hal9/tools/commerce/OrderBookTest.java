package dev.hal9.tools.commerce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.testkit.McpTestKit;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The order book on the commerce family's own tables, as the test kit migrates them from this module's
 * {@code db/families/commerce}: orders survive a restart, move only from the version they were read at, and the
 * orders an older hal9 kept in the family state are copied over once.
 */
class OrderBookTest {

    /** Stands in for the commerce family to get its context: the same name, so the same tables. */
    private static final class Commerce implements ToolFamily {
        final AtomicReference<FamilyContext> context = new AtomicReference<>();

        @Override
        public String name() {
            return "commerce";
        }

        @Override
        public List<Tool<?, ?>> tools(FamilyContext given) {
            context.set(given);
            return List.of();
        }
    }

    private Path folder;
    private McpTestKit kit;
    private FamilyContext context;
    private OrderBook book;

    @BeforeEach
    void open() throws Exception {
        folder = Files.createTempDirectory("hal9-order-book");
        reopen();
    }

    private void reopen() {
        if (kit != null) {
            kit.close();
        }
        Commerce commerce = new Commerce();
        kit = McpTestKit.of(folder, Map.of(), Duration.ofSeconds(10), commerce);
        context = commerce.context.get();
        book = new OrderBook(context.database(), context.state());
    }

    @AfterEach
    void close() {
        kit.close();
    }

    private static OrderBook.Order quoted(String id, String createdAt) {
        return new OrderBook.Order(
                id,
                "quoted",
                List.of(
                        new ShopAdapter.CartLine("B000000001", "Kettle, 1.7 l", 1, new BigDecimal("24.90")),
                        new ShopAdapter.CartLine("B000000002", "Mug", 2, new BigDecimal("7.50"))),
                new BigDecimal("39.90"),
                new BigDecimal("0.00"),
                new BigDecimal("3.19"),
                new BigDecimal("43.09"),
                "USD",
                "Alice Example, 1 Main St, Springfield",
                "43.09",
                "EQ-usdt-master",
                "2026-12-07T12:10:00Z",
                null,
                null,
                null,
                null,
                "Quoted",
                createdAt,
                0);
    }

    @Test
    void ordersAreListedNewestFirstWithTheirLinesAndAmountsAsQuoted() {
        book.create("alice", quoted("ord_1", "2026-12-07T12:00:00Z"));
        book.create("alice", quoted("ord_2", "2026-12-07T12:01:00Z"));
        book.create("bob", quoted("ord_3", "2026-12-07T12:02:00Z"));
        book.create("alice", quoted("ord_4", "2026-12-07T12:03:00Z"));

        assertThat(book.list("alice", 50)).extracting(OrderBook.Order::id).containsExactly("ord_4", "ord_2", "ord_1");
        assertThat(book.list("alice", 2)).extracting(OrderBook.Order::id).containsExactly("ord_4", "ord_2");
        OrderBook.Order one = book.find("alice", "ord_1").orElseThrow();
        assertThat(one).isEqualTo(quoted("ord_1", "2026-12-07T12:00:00Z"));
        assertThat(one.shipping().toPlainString()).isEqualTo("0.00");
        assertThat(one.lines().get(0).price().toPlainString()).isEqualTo("24.90");
        // another principal's order is not found under this one
        assertThat(book.find("alice", "ord_3")).isEmpty();
    }

    @Test
    void anOrderMovesOnlyFromTheVersionItWasReadAt() {
        book.create("alice", quoted("ord_1", "2026-12-07T12:00:00Z"));
        OrderBook.Order read = book.find("alice", "ord_1").orElseThrow();

        Optional<OrderBook.Order> first = book.move("alice", read, read.withWallet("EQ-alice"));
        Optional<OrderBook.Order> second = book.move("alice", read, read.withWallet("EQ-mallory"));

        assertThat(first).map(OrderBook.Order::version).contains(1L);
        assertThat(second).isEmpty();
        OrderBook.Order now = book.find("alice", "ord_1").orElseThrow();
        assertThat(now.wallet()).isEqualTo("EQ-alice");
        assertThat(now.version()).isEqualTo(1);
        Optional<OrderBook.Order> paying =
                book.move("alice", now, now.with("awaiting_approval", "pay_1", null, null, "Waiting"));
        assertThat(paying).map(OrderBook.Order::state).contains("awaiting_approval");
        assertThat(book.find("alice", "ord_1").orElseThrow().paymentId()).isEqualTo("pay_1");
    }

    @Test
    void ofManyCallersMovingOneOrderAtOnceExactlyOneWins() throws Exception {
        book.create("alice", quoted("ord_1", "2026-12-07T12:00:00Z"));
        OrderBook.Order read = book.find("alice", "ord_1").orElseThrow();
        List<Callable<Boolean>> placers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String note = "placed by caller " + i;
            placers.add(() -> book.move("alice", read, read.with("placing", "pay_1", null, null, note))
                    .isPresent());
        }
        int won = 0;
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (Future<Boolean> result : threads.invokeAll(placers)) {
                won += result.get() ? 1 : 0;
            }
        }
        assertThat(won).isEqualTo(1);
        assertThat(book.find("alice", "ord_1").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void ordersOutliveARestart() {
        book.create("alice", quoted("ord_1", "2026-12-07T12:00:00Z"));
        reopen();
        assertThat(book.find("alice", "ord_1")).map(OrderBook.Order::state).contains("quoted");
    }

    @Test
    void ordersAnOlderHal9KeptInTheFamilyStateAreCopiedOverOnce() {
        // what OrderBook wrote before it had tables: a JSON document per order, and the ids newest first
        context.state().put("alice", "order/ord_old1", """
                        {"id":"ord_old1","state":"ordered","lines":[{"asin":"B0OLD00001","title":"Lamp",\
                        "quantity":1,"price":12.30}],"items":12.30,"shipping":0,"tax":1.01,"total":13.31,\
                        "currency":"USD","usdt":"13.31","orderNumber":"111-0000001-0000001",\
                        "createdAt":"2026-11-01T10:00:00Z"}""");
        context.state().put("alice", "order/ord_old2", """
                        {"id":"ord_old2","state":"cancelled","lines":[],"total":5.00,"currency":"USD",\
                        "createdAt":"2026-11-02T10:00:00Z"}""");
        context.state().put("alice", "orders", "[\"ord_old2\",\"ord_old1\"]");

        assertThat(book.list("alice", 50)).extracting(OrderBook.Order::id).containsExactly("ord_old2", "ord_old1");
        OrderBook.Order lamp = book.find("alice", "ord_old1").orElseThrow();
        assertThat(lamp.orderNumber()).isEqualTo("111-0000001-0000001");
        assertThat(lamp.lines()).extracting(ShopAdapter.CartLine::title).containsExactly("Lamp");
        assertThat(lamp.total()).isEqualByComparingTo("13.31");
        assertThat(context.state().get("alice", "orders")).isEmpty();
        assertThat(context.state().get("alice", "order/ord_old1")).isEmpty();

        // a new order after the copy is the newest
        book.create("alice", quoted("ord_new", "2026-12-07T12:00:00Z"));
        assertThat(book.list("alice", 50))
                .extracting(OrderBook.Order::id)
                .containsExactly("ord_new", "ord_old2", "ord_old1");
    }
}
