package dev.hal9.tools.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.FamilyState;
import dev.hal9.api.Resource;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.testkit.McpTestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The family's deployments table ({@code contracts_deployments}) through {@link Artifacts} over the test kit's
 * database, which runs the family's own migrations on H2 as a server does: rows listed newest first, moves by
 * compare-and-set, one deployment per payment, the one-time copy of what an older hal9 kept in the family state
 * (also read through contract_read), and rows that outlive the kit that wrote them.
 */
class DeploymentsTableTest {

    /**
     * The contracts family as the kit loads it, under its own name (so its context is the family's: its state and
     * its tables), keeping the context for the test; with no inner family it serves no tools.
     */
    private static final class Contracts implements ToolFamily {
        private final ToolFamily inner;
        private volatile FamilyContext context;

        Contracts(ToolFamily inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return "contracts";
        }

        @Override
        public List<Tool<?, ?>> tools(FamilyContext context) {
            this.context = context;
            return inner == null ? List.of() : inner.tools(context);
        }

        @Override
        public List<Resource> resources(FamilyContext context) {
            return inner == null ? List.of() : inner.resources(context);
        }

        Artifacts artifacts() {
            return new Artifacts(context.state(), context.database());
        }

        FamilyState state() {
            return context.state();
        }
    }

    private static McpTestKit kit(Path folder, ToolFamily... families) {
        return McpTestKit.of(folder, Map.of(), Duration.ofSeconds(60), families);
    }

    private static Artifacts.Deployment awaiting(String id, String paymentId, String createdAt) {
        return new Artifacts.Deployment(
                id,
                "ct_token",
                "HalToken",
                "anvil",
                "0x" + "ab".repeat(20),
                paymentId,
                "awaiting_approval",
                null,
                null,
                null,
                null,
                null,
                null,
                createdAt);
    }

    private static Artifacts.Deployment deployed(Artifacts.Deployment d) {
        return d.with("deployed", "0x" + "cd".repeat(20), "0x" + "ef".repeat(32), 1_234_567L, 42L, true, null);
    }

    @Test
    void deploymentsAreRowsListedNewestFirstWithEveryField() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts)) {
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment first = awaiting("dp_1", "pay_1", "2025-03-01T10:00:00.123456Z");
            Artifacts.Deployment second = deployed(awaiting("dp_2", "pay_2", "2025-03-01T10:00:00Z"));
            // recorded last, though its clock says earlier: newest first is the order of recording
            Artifacts.Deployment third = awaiting("dp_3", "pay_3", "2025-02-01T00:00:00Z")
                    .with("failed", null, "0x" + "01".repeat(32), 21_000L, 7L, null, "reverted in block 7");
            artifacts.insert("alice", first);
            artifacts.insert("alice", second);
            artifacts.insert("alice", third);
            artifacts.insert("bob", awaiting("dp_4", "pay_4", "2025-03-02T00:00:00Z"));

            assertThat(artifacts.deployments("alice", 50)).containsExactly(third, second, first);
            assertThat(artifacts.deployments("alice", 2)).containsExactly(third, second);
            assertThat(artifacts.deployment("alice", "dp_2")).contains(second);
            assertThat(artifacts.deploymentFor("alice", "pay_1")).contains(first);
            // one principal never sees another's
            assertThat(artifacts.deployment("bob", "dp_2")).isEmpty();
            assertThat(artifacts.deploymentFor("bob", "pay_1")).isEmpty();
            assertThat(artifacts.deployments("bob", 50))
                    .extracting(Artifacts.Deployment::id)
                    .containsExactly("dp_4");
            assertThat(artifacts.deployments("carol", 50)).isEmpty();
        }
    }

    @Test
    void aPaymentHasOneDeploymentWhoeverRecordsItFirst() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts)) {
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment mine = awaiting("dp_a", "pay_1", "2025-03-01T10:00:00Z");
            assertThat(artifacts.insert("alice", mine)).isEqualTo(mine);
            // another instance minted its own handle for the same payment: it gets the recorded deployment back
            assertThat(artifacts.insert("alice", awaiting("dp_b", "pay_1", "2025-03-01T10:00:01Z")))
                    .isEqualTo(mine);
            assertThat(artifacts.deployments("alice", 50)).containsExactly(mine);
        }
    }

    @Test
    void ofTwoMovesFromTheSameStateOnlyTheFirstWins() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts)) {
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment pending = artifacts.insert("alice", awaiting("dp_1", "pay_1", "2025-03-01T10:00:00Z"));
            Artifacts.Deployment sent =
                    pending.with("sent", null, "0x" + "aa".repeat(32), null, null, null, "not mined");
            Artifacts.Deployment declined =
                    pending.with("not_deployed", null, null, null, null, null, "the deployment was declined");

            assertThat(artifacts.move("alice", pending, sent)).isEqualTo(sent);
            // a second instance read it while it was pending: its move loses and it gets what the first recorded
            assertThat(artifacts.move("alice", pending, declined)).isEqualTo(sent);
            assertThat(artifacts.deployment("alice", "dp_1")).contains(sent);
            // from what is recorded, it moves on
            Artifacts.Deployment done = deployed(sent);
            assertThat(artifacts.move("alice", sent, done)).isEqualTo(done);
            // another principal cannot move it, whatever it claims to have read
            assertThat(artifacts.deployments("bob", 50)).isEmpty();
            Artifacts.Deployment other = done.with("failed", null, null, null, null, null, "not yours");
            assertThat(artifacts.deployment("alice", "dp_1")).contains(done);
            assertThatThrownBy(() -> artifacts.move("bob", done, other)).hasMessageContaining("dp_1", "not recorded");
            assertThat(artifacts.deployment("alice", "dp_1")).contains(done);
        }
    }

    @Test
    void ofManyMovesAtOnceExactlyOneWins() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts);
                ExecutorService threads = Executors.newFixedThreadPool(8)) {
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment pending = artifacts.insert("alice", awaiting("dp_1", "pay_1", "2025-03-01T10:00:00Z"));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Artifacts.Deployment>> moves = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Artifacts.Deployment next = pending.with("failed", null, null, null, null, null, "attempt " + i);
                Callable<Artifacts.Deployment> move = () -> {
                    start.await();
                    return artifacts.move("alice", pending, next);
                };
                moves.add(threads.submit(move));
            }
            start.countDown();
            Set<Artifacts.Deployment> answers = new HashSet<>();
            for (Future<Artifacts.Deployment> move : moves) {
                answers.add(move.get());
            }
            // every caller is told the same outcome: the one move that won
            assertThat(answers).hasSize(1);
            assertThat(artifacts.deployment("alice", "dp_1"))
                    .contains(answers.iterator().next());
        }
    }

    @Test
    void anErrorLongerThanTheColumnIsCut() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts)) {
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment pending = artifacts.insert("alice", awaiting("dp_1", "pay_1", "2025-03-01T10:00:00Z"));
            Artifacts.Deployment failed = artifacts.move(
                    "alice", pending, pending.with("failed", null, null, null, null, null, "x".repeat(9000)));
            assertThat(failed.error()).hasSize(Artifacts.MAX_ERROR).endsWith("…");
            assertThat(artifacts.deployment("alice", "dp_1")).contains(failed);
        }
    }

    @Test
    void rowsOutliveTheKitThatWroteThem() throws Exception {
        Path folder = Files.createTempDirectory("hal9-deployments");
        Artifacts.Deployment d = deployed(awaiting("dp_1", "pay_1", "2025-03-01T10:00:00Z"));
        Contracts first = new Contracts(null);
        try (McpTestKit kit = kit(folder, first)) {
            first.artifacts().insert("alice", d);
        }
        Contracts second = new Contracts(null);
        try (McpTestKit kit = kit(folder, second)) {
            assertThat(second.artifacts().deployments("alice", 50)).containsExactly(d);
        }
    }

    @Test
    void deploymentsAnOlderHal9KeptInTheFamilyStateAreCopiedIntoTheTableOnce() throws Exception {
        Contracts contracts = new Contracts(null);
        try (McpTestKit kit = kit(Files.createTempDirectory("hal9-deployments"), contracts)) {
            FamilyState state = contracts.state();
            Artifacts artifacts = contracts.artifacts();
            Artifacts.Deployment oldest = awaiting("dp_old1", "pay_1", "2024-12-01T08:00:00Z");
            Artifacts.Deployment middle = deployed(awaiting("dp_old2", "pay_2", "2024-12-02T08:00:00Z"));
            Artifacts.Deployment newest = awaiting("dp_old3", "pay_3", "2024-12-03T08:00:00Z");
            // another instance began the copy (oldest first) and stopped before removing it from the family state
            artifacts.insert("alice", oldest);
            // as the older hal9 wrote them: one key per deployment and the id list, newest first
            writeOld(state, "alice", newest, middle, oldest);
            state.put("alice", "deployment/dp_broken", "{not json");
            state.put("alice", "deployments", Json.write(List.of("dp_old3", "dp_broken", "dp_old2", "dp_old1")));
            state.put("alice", "contract/ct_token", "{}");

            // reading copies them, in the order they had
            assertThat(artifacts.deployments("alice", 50)).containsExactly(newest, middle, oldest);
            assertThat(state.get("alice", "deployment/dp_old1")).isEmpty();
            assertThat(state.get("alice", "deployment/dp_old2")).isEmpty();
            assertThat(state.get("alice", "deployment/dp_old3")).isEmpty();
            // the one that cannot be read stays, listed, rather than vanish
            assertThat(state.get("alice", "deployment/dp_broken")).contains("{not json");
            assertThat(state.get("alice", "deployments")).contains(Json.write(List.of("dp_broken")));

            // once the broken one is gone, the list goes too; nothing is copied twice
            state.delete("alice", "deployment/dp_broken");
            assertThat(artifacts.deployment("alice", "dp_old2")).contains(middle);
            assertThat(state.get("alice", "deployments")).isEmpty();
            assertThat(artifacts.deployments("alice", 50)).containsExactly(newest, middle, oldest);
            // contracts stay in the family state
            assertThat(state.get("alice", "contract/ct_token")).contains("{}");
            // a list that is not one does not stop reads, and stays for the operator
            state.put("bob", "deployments", "{not a list");
            assertThat(artifacts.deployments("bob", 50)).isEmpty();
            assertThat(state.get("bob", "deployments")).contains("{not a list");
        }
    }

    private static void writeOld(FamilyState state, String principal, Artifacts.Deployment... deployments) {
        for (Artifacts.Deployment d : deployments) {
            state.put(principal, "deployment/" + d.id(), Json.write(d));
        }
    }
}
