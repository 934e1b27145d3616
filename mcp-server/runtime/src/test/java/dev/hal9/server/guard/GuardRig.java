package dev.hal9.server.guard;

import dev.hal9.api.Guard;
import dev.hal9.api.Handles;
import dev.hal9.api.Principal;
import dev.hal9.api.ToolCall;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * What the guard's tests run on: a real H2 store in a temp folder with hal9's own migrations, a clock the test
 * moves, tool calls the test makes (and the guard is told are the runtime's), and a settlement written for the
 * test that plays a chain whose answers the test scripts.
 */
final class GuardRig {

    static final String KIND = "test.transfer";

    final Path folder;
    final String url;
    final Jdbi jdbi;
    final Clock clock = new Clock(Instant.parse("2026-12-01T10:00:00Z"));
    final Chain chain = new Chain();
    final Set<ToolCall> authentic = ConcurrentHashMap.newKeySet();
    final Map<String, String> settings = new ConcurrentHashMap<>();

    GuardRig() throws Exception {
        this(Files.createTempDirectory("hal9-guard"));
    }

    /** A rig over an existing store folder: another process, or the same after a restart. */
    GuardRig(Path folder) {
        this.folder = folder;
        this.url = "jdbc:h2:file:" + folder.resolve("hal9").toAbsolutePath() + ";WRITE_DELAY=0;LOCK_TIMEOUT=30000";
        Flyway.configure()
                .dataSource(url, "sa", "")
                .locations("classpath:db/migration")
                .load()
                .migrate();
        com.zaxxer.hikari.HikariConfig pool = new com.zaxxer.hikari.HikariConfig();
        pool.setJdbcUrl(url);
        pool.setUsername("sa");
        pool.setPassword("");
        pool.setMaximumPoolSize(8);
        this.jdbi = Jdbi.create(new com.zaxxer.hikari.HikariDataSource(pool)); // as the store pools its connections
        settings.put("guard.confirm-wait-seconds", "0");
        settings.put("guard.limits.test.eth.daily", "10");
        settings.put("guard.limits.test.eth.per-call", "5");
        settings.put("guard.limits.test.eth.auto-approve", "1");
        settings.put("guard.limits.test.usdt.daily", "100");
        settings.put("guard.limits.test.usdt.per-call", "50");
    }

    /** A guard over this store, with the test's chain as the settlement of {@link #KIND}. */
    LedgerGuard guard() {
        return guard(chain);
    }

    /** A guard over this store with another settlement (one shared by two guards, say). */
    LedgerGuard guard(Guard.Settlement settlement) {
        LedgerGuard guard =
                new LedgerGuard(() -> jdbi, Policy.from(k -> settings.getOrDefault(k, "")), clock, authentic::contains);
        guard.register(KIND, settlement);
        return guard;
    }

    /** A call of a principal as the runtime would make it for a tool handler. */
    Call call(String principal) {
        Call call = new Call(Principal.local(principal));
        authentic.add(call);
        return call;
    }

    /** An intent of sending ETH (18 decimals) from a principal's wallet, with a fee. */
    static Guard.Intent eth(String key, String amount, String fee) {
        BigInteger wei = new java.math.BigDecimal(amount).movePointRight(18).toBigIntegerExact();
        BigInteger feeWei = new java.math.BigDecimal(fee).movePointRight(18).toBigIntegerExact();
        return new Guard.Intent(
                KIND,
                "test",
                "ETH",
                18,
                wei,
                "0xSENDER",
                "0xRECIPIENT",
                "send " + amount + " ETH",
                Map.of("fee at most", fee + " ETH"),
                "{}",
                key,
                List.of(Guard.Effect.transfer("ETH", 18, wei, "0xRECIPIENT"), Guard.Effect.fee("ETH", 18, feeWei)),
                true);
    }

    /** A contract call that moves tokens as well as paying its fee. */
    static Guard.Intent call(String key, List<Guard.Effect> effects, boolean determined) {
        return new Guard.Intent(
                KIND,
                "test",
                "ETH",
                18,
                BigInteger.TEN.pow(14),
                "0xSENDER",
                "0xCONTRACT",
                "call something on 0xCONTRACT",
                Map.of(),
                "{}",
                key,
                effects,
                determined);
    }

    static BigInteger units(String amount, int decimals) {
        return new java.math.BigDecimal(amount).movePointRight(decimals).toBigIntegerExact();
    }

    /** The test's clock. */
    static final class Clock implements InstantSource {
        private final AtomicReference<Instant> now;

        Clock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(java.time.Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }
    }

    /** A tool call as the runtime makes one; the test decides whether the guard believes it. */
    static final class Call implements ToolCall {
        private final Principal principal;
        final List<String> asked = Collections.synchronizedList(new ArrayList<>());
        volatile Optional<Elicited> answer = Optional.empty();
        /** What happens elsewhere while the client's user is being asked. */
        volatile Runnable whileAsking = () -> {};

        Call(Principal principal) {
            this.principal = principal;
        }

        @Override
        public Principal principal() {
            return principal;
        }

        @Override
        public Handles handles() {
            throw new UnsupportedOperationException("the guard needs no handles");
        }

        @Override
        public void progress(double progress, Double total, String message) {}

        @Override
        public void log(String level, String message) {}

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void attachImage(byte[] data, String mimeType) {}

        @Override
        public Optional<Elicited> elicit(String message, Map<String, Object> schema, java.time.Duration timeout) {
            asked.add(message);
            whileAsking.run();
            return answer;
        }
    }

    /**
     * A settlement over a scripted chain. Signing takes the next sequence after both the chain's and the guard's;
     * broadcasts and checks answer what the test queued (by default: accepted, then confirmed). It records every
     * sequence it signed and how many signers were inside {@link #sign} at once for one sender.
     */
    static final class Chain implements Guard.Settlement {
        final List<Long> signed = Collections.synchronizedList(new ArrayList<>());
        final List<String> broadcasts = Collections.synchronizedList(new ArrayList<>());
        final Deque<Function<Guard.Payment, Object>> broadcastAnswers = new ArrayDeque<>();
        final Deque<Guard.Outcome> checks = new ArrayDeque<>();
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        volatile long chainNonce = 0;
        volatile RuntimeException signFailure;
        volatile long signNanos = 0;
        final Map<String, String> owners = new HashMap<>();

        @Override
        public Guard.Signed sign(Guard.Payment payment, long previous) {
            int now = inside.incrementAndGet();
            mostInside.accumulateAndGet(now, Math::max);
            try {
                if (signFailure != null) {
                    throw signFailure;
                }
                if (signNanos > 0) {
                    LockSupport.parkNanos(signNanos); // a slow RPC: widens the window two signers could share
                }
                long sequence = Math.max(chainNonce, previous + 1);
                signed.add(sequence);
                return new Guard.Signed("0xhash-" + payment.id() + "-" + sequence, "raw", sequence, "{\"block\":7}");
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void broadcast(Guard.Payment payment, Guard.Signed signed) {
            broadcasts.add(signed.hash());
            Function<Guard.Payment, Object> answer;
            synchronized (broadcastAnswers) {
                answer = broadcastAnswers.poll();
            }
            Object result = answer == null ? null : answer.apply(payment);
            if (result instanceof RuntimeException e) {
                throw e;
            }
            chainNonce = Math.max(chainNonce, signed.sequence() + 1);
        }

        @Override
        public Guard.Outcome check(Guard.Payment payment, Guard.Signed signed) {
            synchronized (checks) {
                Guard.Outcome next = checks.poll();
                return next == null ? new Guard.Outcome(Guard.Outcome.Status.CONFIRMED, "block 8") : next;
            }
        }

        @Override
        public Optional<Guard.Refund> refund(Guard.Payment original) {
            String payee = owners.get(original.recipient());
            if (payee == null) {
                return Optional.empty();
            }
            return Optional.of(new Guard.Refund(
                    payee,
                    new Guard.Intent(
                            KIND,
                            original.network(),
                            original.asset(),
                            original.decimals(),
                            original.amount(),
                            original.recipient(),
                            original.sender(),
                            "send back",
                            Map.of(),
                            "{}",
                            "ignored",
                            List.of(
                                    Guard.Effect.transfer(
                                            original.asset(),
                                            original.decimals(),
                                            original.amount(),
                                            original.sender()),
                                    Guard.Effect.fee("ETH", 18, BigInteger.TEN.pow(13))),
                            true)));
        }

        void queueCheck(Guard.Outcome.Status status, String detail) {
            synchronized (checks) {
                checks.add(new Guard.Outcome(status, detail));
            }
        }

        void queueBroadcast(Function<Guard.Payment, Object> answer) {
            synchronized (broadcastAnswers) {
                broadcastAnswers.add(answer);
            }
        }
    }
}
