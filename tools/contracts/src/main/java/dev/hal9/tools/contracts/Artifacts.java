package dev.hal9.tools.contracts;

import dev.hal9.api.FamilyState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.type.TypeReference;

/**
 * What the family keeps per principal in the server's store, as JSON: each contract (sources, its last compile and
 * audit) and each deployment (seed 001's SECURITY_AUDITS and DEPLOYMENTS). Survives restarts; shared by every
 * server instance on the same database.
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

    private final FamilyState state;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    Artifacts(FamilyState state) {
        this.state = state;
    }

    Optional<Contract> contract(String principal, String handle) {
        return state.get(principal, "contract/" + handle).map(json -> Json.read(json, Contract.class));
    }

    void save(String principal, Contract contract) {
        state.put(principal, "contract/" + contract.handle(), Json.write(contract));
    }

    Optional<Deployment> deployment(String principal, String id) {
        return state.get(principal, "deployment/" + id).map(json -> Json.read(json, Deployment.class));
    }

    void save(String principal, Deployment deployment) {
        synchronized (locks.computeIfAbsent(principal, p -> new Object())) {
            boolean known =
                    state.get(principal, "deployment/" + deployment.id()).isPresent();
            state.put(principal, "deployment/" + deployment.id(), Json.write(deployment));
            if (!known) {
                List<String> ids = new ArrayList<>(deploymentIds(principal));
                ids.add(0, deployment.id());
                state.put(principal, "deployments", Json.write(ids));
            }
        }
    }

    /** The principal's deployments, newest first. */
    List<Deployment> deployments(String principal, int limit) {
        return deploymentIds(principal).stream()
                .limit(limit)
                .map(id -> deployment(principal, id))
                .flatMap(Optional::stream)
                .toList();
    }

    private List<String> deploymentIds(String principal) {
        return state.get(principal, "deployments")
                .map(json -> Json.MAPPER.readValue(json, new TypeReference<List<String>>() {}))
                .orElse(List.of());
    }
}
