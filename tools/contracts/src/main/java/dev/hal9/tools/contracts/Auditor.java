package dev.hal9.tools.contracts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A contract's security audit from three sources: solhint's security rules, the compiler's warnings, and hal9's own
 * detectors on solc's AST (tx.origin authorisation, unchecked low-level calls, state written after an external
 * call, unprotected selfdestruct and delegatecall, privileged functions anyone can call, floating pragmas). Only
 * the submitted files are audited, not the OpenZeppelin code they import. Findings at the same line about the same
 * problem are merged, naming every source that reported it.
 */
final class Auditor {

    enum Severity {
        HIGH,
        MEDIUM,
        LOW,
        INFO
    }

    /** One finding. Lines and columns count from 1. */
    record Finding(
            Severity severity,
            String detector,
            List<String> reportedBy,
            String file,
            int line,
            int column,
            String finding,
            String recommendation) {}

    /** solhint's security rules, switched on explicitly, and what each one means here. */
    private record Rule(String detector, Severity severity, String recommendation) {}

    private static final Map<String, Rule> SOLHINT = new LinkedHashMap<>();

    static {
        SOLHINT.put("reentrancy", new Rule("reentrancy", Severity.HIGH, reentrancyAdvice()));
        SOLHINT.put("avoid-tx-origin", new Rule("tx-origin", Severity.HIGH, txOriginAdvice()));
        SOLHINT.put("no-unchecked-calls", new Rule("unchecked-call", Severity.MEDIUM, uncheckedAdvice()));
        SOLHINT.put("check-send-result", new Rule("unchecked-call", Severity.MEDIUM, uncheckedAdvice()));
        SOLHINT.put(
                "multiple-sends",
                new Rule(
                        "multiple-sends",
                        Severity.MEDIUM,
                        "Send to one recipient per transaction, or let recipients withdraw (pull over push)."));
        SOLHINT.put(
                "avoid-suicide",
                new Rule(
                        "selfdestruct",
                        Severity.MEDIUM,
                        "Remove selfdestruct: since Cancun it no longer deletes code, and it can strand funds."));
        SOLHINT.put(
                "avoid-low-level-calls",
                new Rule(
                        "low-level-call",
                        Severity.LOW,
                        "Prefer typed interface calls, or Address.sendValue/functionCall from OpenZeppelin."));
        SOLHINT.put(
                "avoid-call-value",
                new Rule(
                        "low-level-call",
                        Severity.LOW,
                        "Use Address.sendValue from OpenZeppelin rather than .call.value."));
        SOLHINT.put(
                "no-complex-fallback",
                new Rule(
                        "complex-fallback",
                        Severity.LOW,
                        "Keep fallback/receive functions to a log line; they may get only 2300 gas."));
        SOLHINT.put(
                "not-rely-on-time",
                new Rule(
                        "timestamp",
                        Severity.LOW,
                        "Do not use block.timestamp for randomness or tight deadlines; validators can skew it a little."));
        SOLHINT.put(
                "not-rely-on-block-hash",
                new Rule(
                        "block-hash",
                        Severity.LOW,
                        "Block hashes are not a source of randomness; use a VRF or commit-reveal."));
        SOLHINT.put(
                "no-inline-assembly",
                new Rule(
                        "inline-assembly",
                        Severity.INFO,
                        "Keep assembly to audited libraries; comment what each block assumes."));
        SOLHINT.put(
                "state-visibility",
                new Rule("visibility", Severity.INFO, "Declare every state variable's visibility explicitly."));
        SOLHINT.put("avoid-sha3", new Rule("deprecated", Severity.INFO, "Use keccak256."));
        SOLHINT.put("avoid-throw", new Rule("deprecated", Severity.INFO, "Use revert/require."));
    }

    private static String reentrancyAdvice() {
        return "Update state before the external call (checks-effects-interactions), or guard the function with "
                + "OpenZeppelin's ReentrancyGuard (nonReentrant).";
    }

    private static String txOriginAdvice() {
        return "Authorise with msg.sender (e.g. OpenZeppelin Ownable or AccessControl): tx.origin lets any contract "
                + "the owner calls act as the owner (phishing).";
    }

    private static String uncheckedAdvice() {
        return "Check the success flag of every low-level call and revert when it is false (or use "
                + "Address.sendValue / functionCall, which do).";
    }

    private static final Pattern PRIVILEGED = Pattern.compile(
            "(?i)^(mint\\w*|setowner|changeowner|transferownership|setadmin|changeadmin|pause|unpause|upgradeto\\w*"
                    + "|kill|destroy|sweep\\w*|rescue\\w*)$");
    private static final Set<String> LOW_LEVEL = Set.of("call", "delegatecall", "staticcall", "send");

    private final SolcWorker worker;

    Auditor(SolcWorker worker) {
        this.worker = worker;
    }

    /** solhint's rule set as the worker takes it. */
    static Map<String, Object> solhintRules() {
        Map<String, Object> rules = new LinkedHashMap<>();
        SOLHINT.keySet().forEach(rule -> rules.put(rule, "warn"));
        return rules;
    }

    List<Finding> audit(Map<String, String> sources, Compiler.Result compiled) {
        List<Finding> findings = new ArrayList<>();
        for (JsonNode report : worker.lint(sources, solhintRules())) {
            String ruleId = report.path("rule").asString("");
            Rule rule = SOLHINT.get(ruleId);
            if (rule == null) {
                continue;
            }
            findings.add(new Finding(
                    rule.severity(),
                    rule.detector(),
                    List.of("solhint:" + ruleId),
                    report.path("file").asString(),
                    report.path("line").asInt(),
                    report.path("column").asInt() + 1,
                    report.path("message").asString(),
                    rule.recommendation()));
        }
        for (Compiler.Message warning : compiled.warnings()) {
            if (warning.file() != null && warning.line() != null && sources.containsKey(warning.file())) {
                // solc's 9302 is the unchecked low-level call the other detectors report: merged with them
                boolean unchecked = "9302".equals(warning.code());
                findings.add(new Finding(
                        unchecked ? Severity.MEDIUM : Severity.LOW,
                        unchecked ? "unchecked-call" : "compiler-warning",
                        List.of("solc" + (warning.code() == null ? "" : ":" + warning.code())),
                        warning.file(),
                        warning.line(),
                        warning.column(),
                        warning.message(),
                        "Fix what the compiler warns about; warnings often point at real bugs."));
            }
        }
        compiled.asts().forEach((file, ast) -> new Detectors(file, sources.get(file), findings::add).run(ast));
        return merge(findings);
    }

    /** Same problem, same place: one finding, with every source that saw it and the highest severity. */
    private static List<Finding> merge(List<Finding> findings) {
        Map<String, Finding> merged = new LinkedHashMap<>();
        for (Finding f : findings) {
            String key = f.detector() + "\u0000" + f.file() + "\u0000" + f.line();
            Finding seen = merged.get(key);
            if (seen == null) {
                merged.put(key, f);
            } else {
                Set<String> by = new LinkedHashSet<>(seen.reportedBy());
                by.addAll(f.reportedBy());
                boolean ours = f.reportedBy().get(0).equals("hal9");
                Finding base = ours ? f : seen;
                merged.put(
                        key,
                        new Finding(
                                seen.severity().compareTo(f.severity()) <= 0 ? seen.severity() : f.severity(),
                                base.detector(),
                                List.copyOf(by),
                                base.file(),
                                base.line(),
                                Math.min(seen.column(), f.column()),
                                base.finding(),
                                base.recommendation()));
            }
        }
        List<Finding> out = new ArrayList<>(merged.values());
        out.sort(Comparator.comparing(Finding::severity)
                .thenComparing(Finding::file)
                .thenComparingInt(Finding::line)
                .thenComparingInt(Finding::column));
        return out;
    }

    /** hal9's detectors over one file's AST (solc's compact JSON AST). */
    private static final class Detectors {
        private final String file;
        private final String source;
        private final Consumer<Finding> out;
        private final Set<Long> stateVariables = new HashSet<>();

        Detectors(String file, String source, Consumer<Finding> out) {
            this.file = file;
            this.source = source;
            this.out = out;
        }

        void run(JsonNode unit) {
            for (JsonNode node : unit.path("nodes")) {
                if ("PragmaDirective".equals(type(node))) {
                    pragma(node);
                } else if ("ContractDefinition".equals(type(node))
                        && !"interface".equals(node.path("contractKind").asString(""))) {
                    contract(node);
                }
            }
        }

        private void pragma(JsonNode node) {
            List<String> literals = new ArrayList<>();
            node.path("literals").forEach(l -> literals.add(l.asString()));
            if (!literals.isEmpty() && literals.get(0).equals("solidity")) {
                String version = String.join("", literals.subList(1, literals.size()));
                if (version.contains("^") || version.contains(">") || version.contains("<") || version.contains("*")) {
                    report(
                            node,
                            Severity.LOW,
                            "floating-pragma",
                            "floating pragma 'solidity " + version + "': the contract may be deployed with a compiler "
                                    + "it was not tested with",
                            "Pin the compiler version you tested and deploy with, e.g. 'pragma solidity "
                                    + Templates.PRAGMA + ";'.");
                }
            }
        }

        private void contract(JsonNode contract) {
            for (JsonNode member : contract.path("nodes")) {
                if ("VariableDeclaration".equals(type(member))
                        && member.path("stateVariable").asBoolean(false)) {
                    stateVariables.add(member.path("id").asLong());
                }
            }
            for (JsonNode member : contract.path("nodes")) {
                if ("FunctionDefinition".equals(type(member))
                        && member.has("body")
                        && !member.path("body").isNull()) {
                    function(member);
                }
            }
        }

        private void function(JsonNode function) {
            String visibility = function.path("visibility").asString("");
            String kind = function.path("kind").asString("function");
            boolean callable =
                    (visibility.equals("public") || visibility.equals("external")) && !kind.equals("constructor");
            List<String> modifiers = new ArrayList<>();
            function.path("modifiers")
                    .forEach(m -> modifiers.add(m.path("modifierName")
                            .path("name")
                            .asString(m.path("modifierName").path("namePath").asString(""))));
            boolean guarded = modifiers.stream()
                    .map(m -> m.toLowerCase(Locale.ROOT))
                    .anyMatch(m -> m.contains("only")
                            || m.contains("auth")
                            || m.contains("role")
                            || m.contains("owner")
                            || m.contains("admin"));
            boolean nonReentrant =
                    modifiers.stream().anyMatch(m -> m.toLowerCase(Locale.ROOT).contains("nonreentrant"));
            JsonNode body = function.path("body");
            boolean checksSender = any(body, n -> isMember(n, "msg", "sender") && inComparison(body, n));
            // a tx.origin check is access control too, a broken one: reported as tx-origin, not as "no control"
            boolean checksOrigin = any(body, n -> isMember(n, "tx", "origin") && inComparison(body, n));
            boolean controlled = guarded || checksSender || checksOrigin;
            String name = function.path("name").asString("");
            String shownName = kind.equals("function") ? name + "()" : kind;

            // tx.origin used to decide who may act
            walk(body, node -> {
                if ("BinaryOperation".equals(type(node))
                        && Set.of("==", "!=").contains(node.path("operator").asString(""))
                        && (isMember(node.path("leftExpression"), "tx", "origin")
                                || isMember(node.path("rightExpression"), "tx", "origin"))) {
                    report(
                            node,
                            Severity.HIGH,
                            "tx-origin",
                            "tx.origin is used for authorisation in " + shownName + ": a contract the owner interacts "
                                    + "with can call it as the owner",
                            txOriginAdvice());
                }
            });

            // low-level calls whose success is never looked at
            Set<Long> referenced = new HashSet<>();
            walk(body, node -> {
                if ("Identifier".equals(type(node))) {
                    referenced.add(node.path("referencedDeclaration").asLong());
                }
            });
            walk(body, node -> {
                if ("ExpressionStatement".equals(type(node)) && lowLevel(node.path("expression")) != null) {
                    report(
                            node,
                            Severity.MEDIUM,
                            "unchecked-call",
                            "the result of ." + lowLevel(node.path("expression")) + " in " + shownName
                                    + " is ignored: a failed call goes unnoticed",
                            uncheckedAdvice());
                } else if ("VariableDeclarationStatement".equals(type(node))
                        && lowLevel(node.path("initialValue")) != null) {
                    JsonNode success = node.path("declarations").path(0);
                    if (success.isNull()
                            || success.isMissingNode()
                            || !referenced.contains(success.path("id").asLong())) {
                        report(
                                node,
                                Severity.MEDIUM,
                                "unchecked-call",
                                "the success flag of ." + lowLevel(node.path("initialValue")) + " in " + shownName
                                        + " is never checked: a failed call goes unnoticed",
                                uncheckedAdvice());
                    }
                }
            });

            if (!callable) {
                return;
            }
            // state written after an external call
            if (!nonReentrant) {
                JsonNode call = firstExternalCall(body);
                if (call != null) {
                    int callStart = start(call);
                    JsonNode write = first(body, n -> start(n) > callStart && writesState(n));
                    if (write != null) {
                        int[] at = Compiler.position(source, start(write));
                        report(
                                call,
                                Severity.HIGH,
                                "reentrancy",
                                "reentrancy in " + shownName + ": state (" + stateName(write) + ") is written at line "
                                        + at[0] + ", after this external call, so the callee can re-enter and see the "
                                        + "old state",
                                reentrancyAdvice());
                    }
                }
            }
            if (controlled) {
                return;
            }
            walk(body, node -> {
                if ("FunctionCall".equals(type(node))
                        && "Identifier".equals(type(node.path("expression")))
                        && Set.of("selfdestruct", "suicide")
                                .contains(node.path("expression").path("name").asString(""))) {
                    report(
                            node,
                            Severity.HIGH,
                            "unprotected-selfdestruct",
                            "anyone can call " + shownName + ", which self-destructs the contract",
                            "Restrict it (onlyOwner / onlyRole) or remove selfdestruct.");
                }
                if ("MemberAccess".equals(type(node))
                        && "delegatecall".equals(node.path("memberName").asString(""))) {
                    report(
                            node,
                            Severity.HIGH,
                            "unprotected-delegatecall",
                            "anyone can call " + shownName + ", which delegatecalls: the callee runs with this "
                                    + "contract's storage and balance",
                            "Restrict who may call it, and delegatecall only to a fixed, trusted address.");
                }
            });
            if (kind.equals("function")
                    && PRIVILEGED.matcher(name).matches()
                    && !Set.of("view", "pure")
                            .contains(function.path("stateMutability").asString(""))) {
                report(
                        function,
                        Severity.HIGH,
                        "unguarded-privileged",
                        "anyone can call " + shownName + ": it has no access control (no only... modifier, no "
                                + "msg.sender check)",
                        "Guard it with OpenZeppelin's Ownable (onlyOwner) or AccessControl (onlyRole).");
            }
        }

        /** "call", "delegatecall", ... when the expression is a low-level call; else null. */
        private static String lowLevel(JsonNode expression) {
            if (!"FunctionCall".equals(type(expression))) {
                return null;
            }
            JsonNode callee = expression.path("expression");
            if ("FunctionCallOptions".equals(type(callee))) {
                callee = callee.path("expression");
            }
            if ("MemberAccess".equals(type(callee))) {
                String member = callee.path("memberName").asString("");
                String on = callee.path("expression")
                        .path("typeDescriptions")
                        .path("typeString")
                        .asString("");
                if (LOW_LEVEL.contains(member) && on.startsWith("address")) {
                    return member;
                }
            }
            return null;
        }

        /** The first call that hands control to another contract: a low-level call, transfer, or an interface call. */
        private static JsonNode firstExternalCall(JsonNode body) {
            return first(body, node -> {
                if (!"FunctionCall".equals(type(node))) {
                    return false;
                }
                JsonNode callee = node.path("expression");
                if ("FunctionCallOptions".equals(type(callee))) {
                    callee = callee.path("expression");
                }
                if (!"MemberAccess".equals(type(callee))) {
                    return false;
                }
                String on = callee.path("expression")
                        .path("typeDescriptions")
                        .path("typeString")
                        .asString("");
                String member = callee.path("memberName").asString("");
                return (on.startsWith("address")
                                && Set.of("call", "delegatecall", "send", "transfer")
                                        .contains(member))
                        || (on.startsWith("contract ")
                                && callee.path("typeDescriptions")
                                        .path("typeString")
                                        .asString("")
                                        .startsWith("function"));
            });
        }

        private boolean writesState(JsonNode node) {
            String type = type(node);
            if ("Assignment".equals(type)) {
                return refersToState(node.path("leftHandSide"));
            }
            if ("UnaryOperation".equals(type)) {
                String op = node.path("operator").asString("");
                return Set.of("++", "--", "delete").contains(op) && refersToState(node.path("subExpression"));
            }
            return false;
        }

        private boolean refersToState(JsonNode target) {
            JsonNode node = target;
            while (node != null && !node.isMissingNode()) {
                switch (type(node)) {
                    case "Identifier" -> {
                        return stateVariables.contains(
                                node.path("referencedDeclaration").asLong());
                    }
                    case "IndexAccess" -> node = node.path("baseExpression");
                    case "MemberAccess" -> node = node.path("expression");
                    default -> {
                        return false;
                    }
                }
            }
            return false;
        }

        private static String stateName(JsonNode write) {
            JsonNode node = "Assignment".equals(type(write)) ? write.path("leftHandSide") : write.path("subExpression");
            while ("IndexAccess".equals(type(node)) || "MemberAccess".equals(type(node))) {
                node = "IndexAccess".equals(type(node)) ? node.path("baseExpression") : node.path("expression");
            }
            return node.path("name").asString("?");
        }

        private static boolean isMember(JsonNode node, String base, String member) {
            return "MemberAccess".equals(type(node))
                    && member.equals(node.path("memberName").asString(""))
                    && base.equals(node.path("expression").path("name").asString(""));
        }

        /** Whether msg.sender at {@code node} takes part in a comparison (require(msg.sender == owner), ...). */
        private static boolean inComparison(JsonNode body, JsonNode node) {
            return any(
                    body,
                    n -> "BinaryOperation".equals(type(n))
                            && Set.of("==", "!=").contains(n.path("operator").asString(""))
                            && (n.path("leftExpression") == node
                                    || n.path("rightExpression") == node
                                    || any(n, m -> m == node)));
        }

        private void report(JsonNode node, Severity severity, String detector, String finding, String advice) {
            int[] at = Compiler.position(source, start(node));
            out.accept(new Finding(severity, detector, List.of("hal9"), file, at[0], at[1], finding, advice));
        }

        private static int start(JsonNode node) {
            String src = node.path("src").asString("0:0:0");
            return Integer.parseInt(src.substring(0, src.indexOf(':')));
        }

        private static String type(JsonNode node) {
            return node.path("nodeType").asString("");
        }

        private static void walk(JsonNode node, Consumer<JsonNode> visitor) {
            if (node.isObject()) {
                visitor.accept(node);
                node.forEach(child -> walk(child, visitor));
            } else if (node.isArray()) {
                node.forEach(child -> walk(child, visitor));
            }
        }

        private static boolean any(JsonNode node, java.util.function.Predicate<JsonNode> test) {
            return first(node, test) != null;
        }

        /** The first node in source order that passes the test. */
        private static JsonNode first(JsonNode root, java.util.function.Predicate<JsonNode> test) {
            JsonNode[] found = {null};
            walk(root, node -> {
                if (test.test(node) && (found[0] == null || start(node) < start(found[0]))) {
                    found[0] = node;
                }
            });
            return found[0];
        }
    }
}
