package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A principal's first calls may arrive together: 50 MCP clients of one local principal opening browser sessions at
 * once on a fresh server made some of them fail with a primary-key violation, because "insert unless it exists" is
 * two steps that two transactions can both pass. Found by the browser benchmark (conformance-tests/bench, --pairs),
 * not by a test of ours.
 */
class PrincipalRaceTest {

    @Test
    void aPrincipalsFirstCallsAtOnceAllSucceedAndLeaveOneRow() throws Exception {
        String url = Database.h2Url(Files.createTempDirectory("hal9-principal-race"));
        int callers = 16;
        try (Database database = Database.at(url, "sa", "")) {
            KnownPrincipals principals = new KnownPrincipals(database, System::currentTimeMillis);
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                for (int round = 0; round < 20; round++) {
                    String principal = "local-" + round;
                    CyclicBarrier start = new CyclicBarrier(callers);
                    List<Future<?>> calls = new ArrayList<>();
                    for (int i = 0; i < callers; i++) {
                        calls.add(pool.submit(() -> {
                            start.await();
                            principals.ensure(principal);
                            return null;
                        }));
                    }
                    for (Future<?> call : calls) {
                        call.get(); // throws what the call threw
                    }
                    int rows = database.jdbi()
                            .withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM principals WHERE id = :id")
                                    .bind("id", principal)
                                    .mapTo(Integer.class)
                                    .one());
                    assertThat(rows).isEqualTo(1);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
