package dev.hal9.tools.chain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.ton.ton4j.cell.Cell;
import org.ton.ton4j.cell.CellSlice;
import org.ton.ton4j.tlb.ActionPhase;
import org.ton.ton4j.tlb.ComputePhase;
import org.ton.ton4j.tlb.ComputePhaseVM;
import org.ton.ton4j.tlb.ComputeSkipReason;
import org.ton.ton4j.tlb.InternalMessageInfo;
import org.ton.ton4j.tlb.Message;
import org.ton.ton4j.tlb.Transaction;
import org.ton.ton4j.tlb.TransactionDescriptionOrdinary;
import org.ton.ton4j.toncenter.TonCenter;
import org.ton.ton4j.toncenter.model.TransactionResponse;

/**
 * Reads TON transactions as the chain wrote them: toncenter's {@code getTransactions} gives each transaction's BoC
 * ({@code data}), parsed here with ton4j's TL-B classes, so that what hal9 knows of a transfer (did the compute and
 * action phases succeed, was it aborted, which messages went out) comes from the transaction, not from toncenter's
 * summary fields. Stateless.
 */
final class TonChain {

    /** TEP-74: a jetton wallet passing jettons to another jetton wallet. */
    static final long OP_INTERNAL_TRANSFER = 0x178d4519L;

    /** TEP-74: a jetton wallet telling the new owner that jettons arrived. */
    static final long OP_TRANSFER_NOTIFICATION = 0x7362d09cL;

    /** How many of an account's newest transactions are searched (pages of 50). */
    private static final int PAGES = 4;

    private TonChain() {}

    /** An outgoing internal message of a transaction. */
    record Out(String destination, BigInteger createdLt, boolean bounce, long op, BigInteger value) {}

    /**
     * One transaction of an account.
     *
     * @param external whether its inbound message was external (a wallet's signed message)
     * @param inBodyHash the hex hash of the inbound message's body
     * @param inSource the raw address the inbound internal message came from, or null
     * @param inCreatedLt the inbound internal message's creation lt, or null
     * @param succeeded not aborted, and the compute phase (if it ran) and the action phase (if any) succeeded
     * @param why the phases in words, for an error message
     */
    record Tx(
            BigInteger lt,
            long now,
            boolean external,
            String inBodyHash,
            String inSource,
            BigInteger inCreatedLt,
            boolean succeeded,
            String why,
            List<Out> out) {}

    /** The newest transaction of an account that matches, searched back to {@code since} (epoch seconds). */
    static Optional<Tx> find(TonCenter ton, String address, long since, Predicate<Tx> wanted) {
        Long lt = null;
        String hash = null;
        for (int page = 0; page < PAGES; page++) {
            Long fromLt = lt;
            String fromHash = hash;
            List<TransactionResponse> batch = TonTransfers.call(
                            () -> ton.getTransactions(address, 50, fromLt, fromHash, null, null))
                    .getResult();
            if (batch == null || batch.isEmpty()) {
                return Optional.empty();
            }
            for (TransactionResponse response : batch) {
                if (response.getData() == null || response.getData().isEmpty()) {
                    continue;
                }
                Tx tx = parse(response.getData());
                if (wanted.test(tx)) {
                    return Optional.of(tx);
                }
                if (since > 0 && tx.now() < since - 120) {
                    return Optional.empty(); // older than the message: it is not further back
                }
            }
            TransactionResponse last = batch.get(batch.size() - 1);
            if (batch.size() < 50 || last.getTransactionId() == null) {
                return Optional.empty();
            }
            lt = Long.parseLong(last.getTransactionId().getLt());
            hash = last.getTransactionId().getHash();
        }
        return Optional.empty();
    }

    /** The transaction of the message's destination that received it (from {@code source}, at its lt). */
    static Optional<Tx> receiving(TonCenter ton, String source, Out message, long since) {
        String from = org.ton.ton4j.address.Address.of(source).toRaw();
        return find(
                ton,
                message.destination(),
                since,
                tx -> !tx.external()
                        && from.equalsIgnoreCase(tx.inSource())
                        && message.createdLt().equals(tx.inCreatedLt()));
    }

    /** Parses a transaction's BoC (base64). */
    static Tx parse(String base64) {
        Transaction transaction = Transaction.deserialize(CellSlice.beginParse(Cell.fromBocBase64(base64)));
        Message in =
                transaction.getInOut() == null ? null : transaction.getInOut().getIn();
        boolean external = in != null && !(in.getInfo() instanceof InternalMessageInfo);
        String inSource = null;
        BigInteger inCreatedLt = null;
        if (in != null && in.getInfo() instanceof InternalMessageInfo info) {
            inSource = info.getSrcAddr().toAddress().toRaw();
            inCreatedLt = info.getCreatedLt();
        }
        String inBodyHash = in == null || in.getBody() == null ? "" : hash(in.getBody());
        boolean succeeded = true;
        StringBuilder why = new StringBuilder();
        if (transaction.getDescription() instanceof TransactionDescriptionOrdinary ordinary) {
            if (ordinary.isAborted()) {
                succeeded = false;
                why.append("aborted");
            }
            ComputePhase compute = ordinary.getComputePhase();
            if (compute instanceof ComputePhaseVM vm) {
                if (!vm.isSuccess()) {
                    succeeded = false;
                }
                append(
                        why,
                        "compute phase " + (vm.isSuccess() ? "ok" : "failed")
                                + (vm.getDetails() == null
                                        ? ""
                                        : ", exit code " + vm.getDetails().getExitCode()));
            } else if (compute instanceof ComputeSkipReason skipped) {
                append(why, "compute phase skipped (" + skipped.getType() + ")");
            }
            ActionPhase action = ordinary.getActionPhase();
            if (action != null) {
                if (!action.isSuccess()) {
                    succeeded = false;
                }
                append(
                        why,
                        "action phase " + (action.isSuccess() ? "ok" : "failed") + ", result code "
                                + action.getResultCode()
                                + (action.getSkippedActions() > 0
                                        ? ", " + action.getSkippedActions() + " action(s) skipped"
                                        : ""));
            }
        }
        List<Out> out = new ArrayList<>();
        if (transaction.getInOut() != null && transaction.getInOut().getOutMessages() != null) {
            for (Message message : transaction.getInOut().getOutMessages()) {
                if (message.getInfo() instanceof InternalMessageInfo info) {
                    out.add(new Out(
                            info.getDstAddr().toAddress().toRaw(),
                            info.getCreatedLt(),
                            Boolean.TRUE.equals(info.getBounce()),
                            op(message.getBody()),
                            info.getValueCoins()));
                }
            }
        }
        return new Tx(
                transaction.getLt(),
                transaction.getNow(),
                external,
                inBodyHash,
                inSource,
                inCreatedLt,
                succeeded,
                why.isEmpty() ? "no phases" : why.toString(),
                List.copyOf(out));
    }

    /** A cell's representation hash, hex. A cell ton4j parsed has none until asked to calculate it. */
    static String hash(Cell cell) {
        cell.calculateHashes();
        return HexFormat.of().formatHex(cell.getHash());
    }

    private static void append(StringBuilder why, String part) {
        if (!why.isEmpty()) {
            why.append("; ");
        }
        why.append(part);
    }

    /** A message body's op code (its first 32 bits), or -1 when it has none. */
    private static long op(Cell body) {
        if (body == null) {
            return -1;
        }
        CellSlice slice = CellSlice.beginParse(body);
        return slice.getRestBits() >= 32 ? slice.preloadUint(32).longValue() : -1;
    }
}
