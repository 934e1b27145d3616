package dev.hal9.tools.contracts;

import dev.hal9.api.FamilyState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;

/**
 * What the family keeps per principal in the server's database (seed 001's SECURITY_AUDITS and DEPLOYMENTS): each
 * contract (sources, its last compile and audit) as JSON in the family state, and each deployment as a row of the
 * family's table {@code contracts_deployments} ({@code db/families/contracts/}). Deployments move by
 * compare-and-set, so several server instances on one database never both move the same one; the deployments an
 * older hal9 kept in the family state are copied into the table when they are first read. Survives restarts;
 * thread-safe.
 */
final class Artifacts {

    /** A contract: its sources and what was last done with them. */
    record Contract(
            String handle,
            String contractName,
            String file,
            String template,
            Map<String, String> sources,
            long createdAt,
            Compiler.Result compiled,
            Audit audit) {

        Contract withCompiled(Compiler.Result result) {
            return new Contract(handle, contractName, file, template, sources, createdAt, result, audit);
        }

        Contract withAudit(Audit next) {
            return new Contract(handle, contractName, file, template, sources, createdAt, compiled, next);
        }
    }

    /** An audit as stored and returned. */
    record Audit(String auditedAt, List<String> tools, Map<String, Integer> counts, List<Auditor.Finding> findings) {}

    /** A deployment: what was deployed where, and how it ended. */
    record Deployment(
            String id,
            String contract,
            String contractName,
            String network,
            String from,
            String paymentId,
            String status,
            String address,
            String txHash,
            Long gasUsed,
            Long blockNumber,
            Boolean codeVerified,
            String error,
            String createdAt) {

        Deployment with(
                String nextStatus,
                String nextAddress,
                String hash,
                Long gas,
                Long block,
                Boolean verified,
                String nextError) {
            return new Deployment(
                    id,
                    contract,
                    contractName,
                    network,
                    from,
                    paymentId,
                    nextStatus,
                    nextAddress,
                    hash,
                    gas,
                    block,
                    verified,
                    nextError,
                    createdAt);
        }
    }

    /** The family state's keys an older hal9 kept deployments under: {@code deployment/<id>} and this id list. */
    private static final String OLD_PREFIX = "deployment/";

    private static final String OLD_LIST = "deployments";

    /** The longest error text the table keeps ({@code error_message}); longer ones are cut. */
    static final int MAX_ERROR = 4000;

    private static final String COLUMNS = "id, principal, contract_handle, contract_name, network, from_address, "
            + "payment_id, status, contract_address, tx_hash, gas_used, block_number, code_verified, error_message, "
            + "created_at";

    private static final Logger LOG = LoggerFactory.getLogger(Artifacts.class);

    private final FamilyState state;
    private final Jdbi database;

    Artifacts(FamilyState state, Jdbi database) {
        this.state = state;
        this.database = database;
    }

    Optional<Contract> contract(String principal, String handle) {
        return state.get(principal, "contract/" + handle).map(json -> Json.read(json, Contract.class));
    }

    void save(String principal, Contract contract) {
        state.put(principal, "contract/" + contract.handle(), Json.write(contract));
    }

    Optional<Deployment> deployment(String principal, String id) {
        copyFromFamilyState(principal);
        return database.withHandle(h -> h.createQuery(
                        "SELECT " + COLUMNS + " FROM contracts_deployments WHERE principal = :principal AND id = :id")
                .bind("principal", principal)
                .bind("id", id)
                .map(Artifacts::row)
                .findOne());
    }

    /** The principal's deployment paid for by a payment of the guard's, if one was recorded. */
    Optional<Deployment> deploymentFor(String principal, String paymentId) {
        copyFromFamilyState(principal);
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM contracts_deployments WHERE principal = :principal AND payment_id = :paymentId")
                .bind("principal", principal)
                .bind("paymentId", paymentId)
                .map(Artifacts::row)
                .findOne());
    }

    /** The principal's deployments, newest first. */
    List<Deployment> deployments(String principal, int limit) {
        copyFromFamilyState(principal);
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM contracts_deployments WHERE principal = :principal ORDER BY seq DESC LIMIT :limit")
                .bind("principal", principal)
                .bind("limit", limit)
                .map(Artifacts::row)
                .list());
    }

    /**
     * Records a new deployment. There is one deployment per payment: when the principal already has one for this
     * deployment's payment (another instance recorded it first), that one is returned and this one is dropped.
     */
    Deployment insert(String principal, Deployment deployment) {
        copyFromFamilyState(principal);
        Deployment bounded = bounded(deployment);
        try {
            database.useHandle(h -> insert(h, principal, bounded));
            return bounded;
        } catch (JdbiException e) {
            if (!duplicate(e)) {
                throw e;
            }
            return deploymentFor(principal, deployment.paymentId())
                    .orElseThrow(() -> new IllegalStateException(
                            "deployment " + deployment.id()
                                    + " clashes with one already recorded, yet none is recorded for its payment "
                                    + deployment.paymentId(),
                            e));
        }
    }

    /**
     * Moves a deployment on, compare-and-set: the row changes only if it is still as {@code from} (the deployment as
     * read before deciding on {@code to}), so when two instances settle one deployment at once, one of them moves it.
     *
     * @return {@code to} if this call moved the deployment, else the deployment as the other instance left it
     */
    Deployment move(String principal, Deployment from, Deployment to) {
        if (!from.id().equals(to.id())) {
            throw new IllegalArgumentException("a move keeps the deployment: " + from.id() + " is not " + to.id());
        }
        Deployment next = bounded(to);
        int moved = database.withHandle(h -> h.createUpdate("UPDATE contracts_deployments SET status = :status, "
                        + "contract_address = :address, tx_hash = :txHash, gas_used = :gasUsed, "
                        + "block_number = :blockNumber, code_verified = :codeVerified, error_message = :error "
                        + "WHERE id = :id AND principal = :principal AND status = :fromStatus "
                        + "AND contract_address IS NOT DISTINCT FROM :fromAddress "
                        + "AND tx_hash IS NOT DISTINCT FROM :fromTxHash "
                        + "AND gas_used IS NOT DISTINCT FROM :fromGasUsed "
                        + "AND block_number IS NOT DISTINCT FROM :fromBlockNumber "
                        + "AND code_verified IS NOT DISTINCT FROM :fromCodeVerified "
                        + "AND error_message IS NOT DISTINCT FROM :fromError")
                .bind("status", next.status())
                .bind("address", next.address())
                .bind("txHash", next.txHash())
                .bind("gasUsed", next.gasUsed())
                .bind("blockNumber", next.blockNumber())
                .bind("codeVerified", next.codeVerified())
                .bind("error", next.error())
                .bind("id", from.id())
                .bind("principal", principal)
                .bind("fromStatus", from.status())
                .bind("fromAddress", from.address())
                .bind("fromTxHash", from.txHash())
                .bind("fromGasUsed", from.gasUsed())
                .bind("fromBlockNumber", from.blockNumber())
                .bind("fromCodeVerified", from.codeVerified())
                .bind("fromError", from.error())
                .execute());
        if (moved == 1) {
            return next;
        }
        return deployment(principal, from.id())
                .orElseThrow(() -> new IllegalStateException(
                        "deployment " + from.id() + " of " + principal + " is not recorded, so it cannot move"));
    }

    private static void insert(Handle h, String principal, Deployment d) {
        h.createUpdate("INSERT INTO contracts_deployments (" + COLUMNS + ") VALUES (:id, :principal, :contract, "
                        + ":contractName, :network, :from, :paymentId, :status, :address, :txHash, :gasUsed, "
                        + ":blockNumber, :codeVerified, :error, :createdAt)")
                .bind("id", d.id())
                .bind("principal", principal)
                .bind("contract", d.contract())
                .bind("contractName", d.contractName())
                .bind("network", d.network())
                .bind("from", d.from())
                .bind("paymentId", d.paymentId())
                .bind("status", d.status())
                .bind("address", d.address())
                .bind("txHash", d.txHash())
                .bind("gasUsed", d.gasUsed())
                .bind("blockNumber", d.blockNumber())
                .bind("codeVerified", d.codeVerified())
                .bind("error", d.error())
                .bind("createdAt", timestamp(d.createdAt()))
                .execute();
    }

    /** A row of {@code contracts_deployments}, by column name. */
    private static Deployment row(ResultSet rs, StatementContext context) throws SQLException {
        return new Deployment(
                rs.getString("id"),
                rs.getString("contract_handle"),
                rs.getString("contract_name"),
                rs.getString("network"),
                rs.getString("from_address"),
                rs.getString("payment_id"),
                rs.getString("status"),
                rs.getString("contract_address"),
                rs.getString("tx_hash"),
                rs.getObject("gas_used", Long.class),
                rs.getObject("block_number", Long.class),
                rs.getObject("code_verified", Boolean.class),
                rs.getString("error_message"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant().toString());
    }

    /** {@code createdAt} (an instant as text) for a TIMESTAMP WITH TIME ZONE column. */
    private static Argument timestamp(String createdAt) {
        if (createdAt == null) {
            throw new IllegalArgumentException("a deployment needs its createdAt");
        }
        OffsetDateTime at;
        try {
            at = Instant.parse(createdAt).atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "a deployment's createdAt must be an instant such as 2025-01-31T12:00:00Z, not " + createdAt, e);
        }
        return (position, statement, context) -> statement.setObject(position, at);
    }

    /** The deployment as the table keeps it: an error longer than the column is cut. */
    private static Deployment bounded(Deployment d) {
        if (d.error() == null || d.error().length() <= MAX_ERROR) {
            return d;
        }
        String cut = d.error().substring(0, MAX_ERROR - 1) + "…";
        return d.with(d.status(), d.address(), d.txHash(), d.gasUsed(), d.blockNumber(), d.codeVerified(), cut);
    }

    /** Whether a statement failed on a unique key (SQLSTATE 23505 on H2 and PostgreSQL alike). */
    private static boolean duplicate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The one-time copy of what an older hal9 kept: when the principal still has the family state's id list, each
     * {@code deployment/<id>} it names is copied into the table (oldest first, so the order stays) and removed from
     * the family state, and then the list. Several instances may copy at once: an id already in the table is
     * skipped. A deployment that cannot be copied stays in the family state, listed, to be tried again on the next
     * read, so nothing an older hal9 recorded is lost. Costs one family state read when there is nothing to copy.
     */
    private void copyFromFamilyState(String principal) {
        Optional<String> list = state.get(principal, OLD_LIST);
        if (list.isEmpty()) {
            return;
        }
        List<String> ids;
        try {
            ids = Json.MAPPER.readValue(list.get(), new TypeReference<List<String>>() {});
        } catch (RuntimeException e) {
            LOG.warn(
                    "the family state's list of deployments of {} is not a JSON list of ids, so none of them is copied "
                            + "into contracts_deployments; it stays for the operator to mend",
                    principal,
                    e);
            return;
        }
        List<String> left = new ArrayList<>();
        for (String id : ids.reversed()) {
            Optional<String> json = state.get(principal, OLD_PREFIX + id);
            if (json.isEmpty()) {
                continue; // another instance copied it and removed it, or an older hal9 never finished writing it
            }
            try {
                Deployment d = Json.read(json.get(), Deployment.class);
                if (!id.equals(d.id())) {
                    throw new IllegalArgumentException(
                            "the value under " + OLD_PREFIX + id + " is deployment " + d.id());
                }
                copy(principal, d);
                state.delete(principal, OLD_PREFIX + id);
            } catch (RuntimeException e) {
                LOG.warn(
                        "cannot copy deployment {} of {} from the family state into contracts_deployments; it stays "
                                + "in the family state and the next read tries again",
                        id,
                        principal,
                        e);
                left.addFirst(id);
            }
        }
        if (left.isEmpty()) {
            state.delete(principal, OLD_LIST);
        } else {
            state.put(principal, OLD_LIST, Json.write(left));
        }
    }

    /** Inserts a deployment copied from the family state, unless the table has it (or one for its payment). */
    private void copy(String principal, Deployment d) {
        try {
            database.useHandle(h -> insert(h, principal, bounded(d)));
        } catch (JdbiException e) {
            if (!duplicate(e)) {
                throw e;
            }
        }
    }
}
