package dev.hal9.server.cli;

import dev.hal9.api.Guard;
import dev.hal9.api.PaymentView;
import dev.hal9.server.guard.Ledger;
import dev.hal9.server.guard.LedgerGuard;
import dev.hal9.server.guard.Policy;
import dev.hal9.server.store.Store;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hal9 payments}, {@code hal9 approve} and {@code hal9 decline}: how the operator, at the server's machine,
 * sees and decides payments that wait for a person. They work while the server runs (the store is shared); the
 * server's guard picks an approved payment up within a second and sends it.
 */
@Command(
        name = "payments",
        mixinStandardHelpOptions = true,
        description = {
            "List payments: those waiting for a person by default, or every recent one with --all.",
            "Approve one with 'hal9 approve ID', refuse it with 'hal9 decline ID'."
        })
final class Payments implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Main.Common common = new Main.Common();

    @Option(names = "--principal", paramLabel = "ID", description = "Only this principal's payments.")
    String principal;

    @Option(names = "--all", description = "The principal's last 50 payments in any state (needs --principal).")
    boolean all;

    @Override
    public Integer call() {
        if (all && principal == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--all lists one principal's payments: add --principal ID");
        }
        try (Store store = Main.Tokens.openStore(common)) {
            Ledger ledger = new Ledger(store.database()::jdbi, InstantSource.system());
            List<Ledger.Row> rows = all ? ledger.recent(principal, 50) : ledger.inState(Guard.State.PENDING, principal);
            if (rows.isEmpty()) {
                System.out.println(all ? "no payments" : "no payments wait for approval");
            }
            for (Ledger.Row row : rows) {
                Guard.Payment p = row.payment();
                System.out.printf(
                        "%-26s %-10s %-12s %s%n",
                        p.id(), p.state().name().toLowerCase(Locale.ROOT), p.principal(), p.summary());
                p.effects().forEach(e -> System.out.printf("%26s moves: %s%n", "", PaymentView.describe(e)));
                if (p.refundOf() != null) {
                    System.out.printf("%26s refunds %s%n", "", p.refundOf());
                }
                p.preview().forEach((k, v) -> System.out.printf("%26s %s: %s%n", "", k, v));
                if (p.state() == Guard.State.PENDING) {
                    System.out.printf("%26s expires %s%n", "", p.expiresAt());
                }
                if (p.txHash() != null) {
                    System.out.printf("%26s tx %s%n", "", p.txHash());
                }
            }
        }
        return 0;
    }

    /** Runs one decision over the store (the guard's worker is not started: the server sends). */
    private static int decide(
            Main.Common common, String done, java.util.function.Function<LedgerGuard, String> decision) {
        try (Store store = Main.Tokens.openStore(common)) {
            // the CLI only decides: it refuses to submit anything (no call of it is authentic)
            LedgerGuard guard = new LedgerGuard(
                    store.database()::jdbi,
                    Policy.from(common.settings(Map.of())::string),
                    InstantSource.system(),
                    call -> false);
            System.out.println(done + ": " + decision.apply(guard) + " (" + Instant.now() + ")");
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("hal9: " + e.getMessage());
            return 1;
        }
    }

    private static String operator() {
        return "cli:" + System.getenv().getOrDefault("USER", System.getProperty("user.name", "operator"));
    }

    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            description = {
                "Approve a pending payment (see 'hal9 payments'). The running server sends it within a second.",
                "Only a person at this machine can do this: no tool approves a payment."
            })
    static final class Approve implements Callable<Integer> {
        @CommandLine.Mixin
        Main.Common common = new Main.Common();

        @Parameters(paramLabel = "ID", description = "The payment's id (pay_...).")
        String id;

        @Override
        public Integer call() {
            return decide(common, "approved " + id, guard -> guard.approve(id, null, operator(), LedgerGuard.VIA_CLI));
        }
    }

    @Command(
            name = "decline",
            mixinStandardHelpOptions = true,
            description = "Refuse a pending payment; nothing is sent.")
    static final class Decline implements Callable<Integer> {
        @CommandLine.Mixin
        Main.Common common = new Main.Common();

        @Parameters(paramLabel = "ID", description = "The payment's id (pay_...).")
        String id;

        @Override
        public Integer call() {
            return decide(common, "declined " + id, guard -> guard.decline(id, null, operator()));
        }
    }
}
