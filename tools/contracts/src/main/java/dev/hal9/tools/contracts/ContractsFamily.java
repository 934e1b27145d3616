package dev.hal9.tools.contracts;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Guard;
import dev.hal9.api.Param;
import dev.hal9.api.PaymentView;
import dev.hal9.api.Resource;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import dev.hal9.api.View;
import dev.hal9.tools.chain.Evm;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contracts family: generate (OpenZeppelin templates) or submit Solidity, compile it with solc-js, audit it,
 * deploy it through the server's guard, and read from or write to deployed contracts. Sources, compiles, audits
 * and deployments are kept per principal behind {@code ct_} and {@code dp_} handles, and exposed as resources.
 */
public final class ContractsFamily implements ToolFamily {

    private static final int MAX_SOURCE = 200_000;
    private static final int EIP170_LIMIT = 24_576;
    private static final Pattern CONTRACT =
            Pattern.compile("(?m)^\\s*(?:abstract\\s+)?contract\\s+([A-Za-z_][A-Za-z0-9_]*)");

    // ---- contract_generate

    record GenerateInput(
            @Param("A template: erc20, erc721 or erc1155. Omit it when you give your own source.")
            Templates.Template template,

            @Param(
                    value = "The token's name, e.g. \"Hal Token\"; the contract is named after it (HalToken).",
                    maxLength = 64)
            String name,

            @Param(value = "erc20 and erc721: the symbol, e.g. HAL.", maxLength = 11)
            String symbol,

            @Param("Features: erc20 takes mintable, burnable, pausable, capped, permit; erc721 takes mintable, "
                    + "burnable, pausable, enumerable, uri_storage; erc1155 takes mintable, burnable, pausable, "
                    + "supply_tracking, updatable_uri.")
            List<Templates.Feature> features,

            @Param("Who may mint, pause or set the URI: ownable (one owner, the default) or roles (AccessControl). "
                    + "The owner is the constructor's initialOwner argument.")
            Templates.Access access,

            @Param(value = "erc20: whole tokens minted to the deployer, e.g. \"1000000\".", maxLength = 40)
            String initialSupply,

            @Param(value = "erc20 with capped: the most whole tokens there can ever be.", maxLength = 40)
            String cap,

            @Param(value = "erc20: decimals, 18 by default.", minimum = 0, maximum = 36)
            Integer decimals,

            @Param(value = "erc721: the base URI of token metadata; erc1155: the URI with {id}.", maxLength = 200)
            String uri,

            @Param(
                    value = "Your own Solidity source instead of a template (one file; it may import "
                            + "@openzeppelin/contracts/...).",
                    maxLength = MAX_SOURCE)
            String source,

            @Param(
                    value = "With source: its file name, e.g. Vault.sol (default Contract.sol).",
                    pattern = "^[A-Za-z0-9_]{1,60}\\.sol$")
            String fileName) {}

    record GenerateOutput(
            @Param("The contract's handle (ct_...): contract_compile, contract_audit and contract_deploy take it.")
            String contract,

            @Param("The main contract's name.") String contractName,
            @Param("The file name.") String file,
            @Param("erc20, erc721, erc1155 or custom.") String template,
            @Param("The Solidity source.") String source,

            @Param("The contract's resources (source, and after a compile its ABI and bytecode).")
            List<String> resources) {}

    // ---- contract_compile

    record CompileInput(
            @Param(value = "The contract's handle (ct_...) from contract_generate.", required = true, maxLength = 64)
            String contract,

            @Param(value = "Run the optimizer (default true).", defaultValue = "true")
            Boolean optimize,

            @Param(
                    value = "Optimizer runs: how often the code is expected to run (default 200).",
                    minimum = 1,
                    maximum = 1_000_000)
            Integer runs,

            @Param(
                    value = "The EVM version to target, e.g. paris, shanghai, cancun, prague (default: the "
                            + "compiler's). Older chains may need an older one.",
                    pattern = "^[a-z]{3,20}$")
            String evmVersion) {}

    record CompiledContract(
            @Param("The contract's name.") String name,

            @Param("contract, abstract, interface or library.")
            String kind,

            @Param("Whether it can be deployed (a contract with creation code).")
            boolean deployable,

            @Param("Its functions' signatures.") List<String> functions,

            @Param("The constructor's parameters, e.g. [\"address initialOwner\"].")
            List<String> constructor,

            @Param("Creation code size in bytes.") int bytecodeBytes,

            @Param("Runtime code size in bytes; at most 24,576 can be deployed (EIP-170).")
            int deployedBytes) {}

    record CompileOutput(
            @Param("Whether it compiled without errors.") boolean ok,
            @Param("The compiler, e.g. 0.8.37+commit....") String compiler,
            @Param("The compiled contracts of your file.") List<CompiledContract> contracts,
            @Param("Errors, located as file:line:column.") List<Compiler.Message> errors,
            @Param("Warnings, located as file:line:column.") List<Compiler.Message> warnings,

            @Param("Resources with the ABI and bytecode of each contract.")
            List<String> resources) {}

    // ---- contract_audit

    record AuditInput(
            @Param(value = "The contract's handle (ct_...).", required = true, maxLength = 64)
            String contract) {}

    record AuditOutput(
            @Param("The contract's handle.") String contract,

            @Param("Findings by severity: high, medium, low, info.")
            Map<String, Integer> counts,

            @Param("Each finding, most severe first.") List<Auditor.Finding> findings,
            @Param("What looked at the code.") List<String> tools,
            @Param(value = "When.", format = "date-time") String auditedAt) {}

    // ---- contract_deploy

    enum DeployAction {
        DEPLOY,
        STATUS,
        LIST
    }

    record DeployInput(
            @Param("deploy (the default) a compiled contract; status of a deployment; list your deployments.")
            DeployAction action,

            @Param(value = "deploy: the contract's handle (ct_...).", maxLength = 64)
            String contract,

            @Param(value = "deploy: which contract of the file, when it defines several.", maxLength = 100)
            String contractName,

            @Param(
                    value = "deploy: the network, e.g. ethereum, polygon, bsc, mantle, or one the operator configured.",
                    maxLength = 40)
            String network,

            @Param(
                    value = "deploy: the wallet to deploy from; omit when you have one.",
                    pattern = "^0x[0-9a-fA-F]{40}$")
            String from,

            @Param("deploy: the constructor's arguments in order, as JSON values (numbers in the smallest unit, as "
                    + "integers or decimal strings; addresses as 0x strings; arrays as arrays).")
            List<Object> args,

            @Param(
                    value = "deploy: native value sent to a payable constructor, in whole units, e.g. \"0.1\".",
                    maxLength = 40)
            String value,

            @Param(
                    value = "deploy: your key for this deployment; deploying again with it never deploys twice.",
                    maxLength = 100)
            String idempotencyKey,

            @Param(value = "status: the deployment's handle (dp_...).", maxLength = 64)
            String deployment) {}

    record DeployOutput(
            @Param("The deployment (deploy, status).") Artifacts.Deployment deployment,

            @Param("The guard's payment for the gas (deploy, status).")
            PaymentView payment,

            @Param("Your deployments, newest first (list).") List<Artifacts.Deployment> deployments) {}

    // ---- contract_read / contract_write

    record ReadInput(
            @Param(value = "A deployment's handle (dp_...); or give network, address and contract.", maxLength = 64)
            String deployment,

            @Param(value = "The network, when no deployment is given.", maxLength = 40)
            String network,

            @Param(value = "The contract's address, when no deployment is given.", pattern = "^0x[0-9a-fA-F]{40}$")
            String address,

            @Param(value = "A contract handle (ct_...) whose ABI to use, when no deployment is given.", maxLength = 64)
            String contract,

            @Param(
                    value = "The function: its name (balanceOf) or, when overloaded, its signature "
                            + "(safeTransferFrom(address,address,uint256)).",
                    required = true,
                    maxLength = 200)
            String function,

            @Param("The arguments in order, as JSON values (numbers as integers or decimal strings).")
            List<Object> args) {}

    record ReadOutput(
            @Param("The function's signature.") String function,
            @Param("The contract's address.") String address,

            @Param("The returned values by name (numbers as decimal strings).")
            Map<String, Object> result,

            @Param("The raw return data.") String raw) {}

    record WriteInput(
            @Param(value = "A deployment's handle (dp_...); or give network, address and contract.", maxLength = 64)
            String deployment,

            @Param(value = "The network, when no deployment is given.", maxLength = 40)
            String network,

            @Param(value = "The contract's address, when no deployment is given.", pattern = "^0x[0-9a-fA-F]{40}$")
            String address,

            @Param(value = "A contract handle (ct_...) whose ABI to use, when no deployment is given.", maxLength = 64)
            String contract,

            @Param(
                    value = "The function: its name or, when overloaded, its signature.",
                    required = true,
                    maxLength = 200)
            String function,

            @Param("The arguments in order, as JSON values (numbers as integers or decimal strings).")
            List<Object> args,

            @Param(value = "Native value to send along, in whole units (payable functions only).", maxLength = 40)
            String value,

            @Param(value = "The wallet to send from; omit when you have one.", pattern = "^0x[0-9a-fA-F]{40}$")
            String from,

            @Param(value = "Your key for this transaction; sending again with it never sends twice.", maxLength = 100)
            String idempotencyKey) {}

    record WriteOutput(
            @Param("The function's signature.") String function,
            @Param("The contract's address.") String address,

            @Param("The guard's payment for the transaction.")
            PaymentView payment) {}

    @Override
    public String name() {
        return "contracts";
    }

    private volatile Runtime runtime;

    /** What the tools share, built once per {@link #tools} call. */
    private record Runtime(
            FamilyContext context,
            ContractsSettings settings,
            SolcWorker worker,
            Compiler compiler,
            Auditor auditor,
            Artifacts artifacts) {}

    @Override
    public List<Tool<?, ?>> tools(FamilyContext context) {
        ContractsSettings settings = ContractsSettings.from(context);
        SolcWorker worker = new SolcWorker(
                settings.node(),
                SolcWorker.locate(settings.toolchain().orElse(null)),
                context.dataDirectory(),
                settings.workTimeout());
        context.onClose(worker);
        Runtime rt = new Runtime(
                context,
                settings,
                worker,
                new Compiler(worker),
                new Auditor(worker),
                new Artifacts(context.state(), context.database()));
        this.runtime = rt;
        context.publish(ContractSources.class, new Sources(rt));
        List<Tool<?, ?>> tools = new ArrayList<>();
        tools.add(Tool.builder("contract_generate", GenerateInput.class, GenerateOutput.class)
                .title("Generate a Solidity contract")
                .description("Write an ERC-20, ERC-721 or ERC-1155 contract on OpenZeppelin Contracts 5 from options "
                        + "(mintable, burnable, pausable, capped, permit, enumerable, ..., ownable or role-based "
                        + "access), or store your own Solidity source. The same options always give the same source. "
                        + "Returns a contract handle for contract_compile, contract_audit and contract_deploy.")
                .kind(ToolKind.ACTION)
                .capability("contracts.read")
                .handler((input, call) -> generate(rt, input, call))
                .render(o -> o.contract() + ": " + o.contractName() + " (" + o.template() + ")\n\n" + o.source())
                .build());
        tools.add(Tool.builder("contract_compile", CompileInput.class, CompileOutput.class)
                .title("Compile a contract")
                .description("Compile a contract with solc (solc-js " + Templates.PRAGMA + ", OpenZeppelin imports "
                        + "resolved). A compile error is a normal result: ok=false with each error at "
                        + "file:line:column, so you can fix the source (contract_generate with source) and compile "
                        + "again. Returns each contract's functions, constructor and code size; the ABI and bytecode "
                        + "are resources.")
                .kind(ToolKind.ACTION)
                .capability("contracts.read")
                .handler((input, call) -> compile(rt, input, call))
                .render(ContractsFamily::render)
                .build());
        tools.add(Tool.builder("contract_audit", AuditInput.class, AuditOutput.class)
                .title("Audit a contract")
                .description("Check a contract for security problems: solhint's security rules, the compiler's "
                        + "warnings and hal9's detectors on the syntax tree (reentrancy, tx.origin authorisation, "
                        + "unchecked low-level calls, unprotected selfdestruct/delegatecall, privileged functions "
                        + "anyone can call, floating pragma). Each finding has a severity, a file:line, what is wrong "
                        + "and what to do. Audit before you deploy; the deploy preview shows the result.")
                .kind(ToolKind.ACTION)
                .capability("contracts.read")
                .handler((input, call) -> audit(rt, input, call))
                .render(ContractsFamily::render)
                .build());
        tools.add(Tool.builder("contract_read", ReadInput.class, ReadOutput.class)
                .title("Call a contract's view function")
                .description("Call a deployed contract's function without a transaction (eth_call), by name and "
                        + "typed arguments, and decode the result with its ABI. Moves nothing. Use contract_write to "
                        + "change state.")
                .kind(ToolKind.READ_ONLY)
                .capability("contracts.read")
                .handler((input, call) -> read(rt, input, call))
                .render(o -> o.function() + " at " + o.address() + " -> " + o.result())
                .build());
        context.guard().ifPresent(guard -> {
            tools.add(Tool.builder("contract_deploy", DeployInput.class, DeployOutput.class)
                    .title("Deploy a contract")
                    .description("Deploy a compiled contract to an EVM network, through the server's guard: gas is "
                            + "value, so the deployment is simulated and priced by everything it moves (the value sent "
                            + "and the fee), then a person approves it (you cannot), unless all of it is within the "
                            + "operator's auto-approve limits. Once sent, it waits for the receipt, checks that the code on chain is "
                            + "the compiled code, and records the deployment (address, transaction, gas used). "
                            + "action=status follows a deployment still waiting for approval; action=list shows "
                            + "yours. Give an idempotencyKey so that a retry never deploys twice.")
                    .kind(ToolKind.DESTRUCTIVE)
                    .capability("contracts.write")
                    .handler((input, call) -> deploy(rt, guard, input, call))
                    .render(ContractsFamily::render)
                    .view(View.PAYMENT)
                    .build());
            tools.add(Tool.builder("contract_write", WriteInput.class, WriteOutput.class)
                    .title("Send a transaction to a contract")
                    .description("Call a deployed contract's state-changing function (mint, transfer, pause, ...) in "
                            + "a transaction, through the server's guard: simulated first (a revert comes back with "
                            + "its decoded reason and nothing is recorded), priced by every token it would move or "
                            + "approve out of your wallet (not only its gas), then approved by a person (you cannot), "
                            + "unless all of it is within the operator's auto-approve limits. Unlimited approvals are "
                            + "refused. Returns the payment; payment_status follows it.")
                    .kind(ToolKind.DESTRUCTIVE)
                    .capability("contracts.write")
                    .handler((input, call) -> write(rt, guard, input, call))
                    .render(o -> o.function() + " at " + o.address() + "\n"
                            + o.payment().render())
                    .view(View.PAYMENT)
                    .build());
        });
        return tools;
    }

    /** The payment preview of contract_deploy and contract_write, which exist only where the server has a guard. */
    @Override
    public List<View> views(FamilyContext context) {
        return context.guard().isPresent() ? List.of(View.payment()) : List.of();
    }

    @Override
    public List<Resource> resources(FamilyContext context) {
        return List.of(new Resource(
                "hal9://contracts/{contract}/{part}",
                "contract_artifact",
                "Contract artifact",
                "A contract's source (part=source), or a compiled contract's ABI (part=<Name>.abi.json) and creation "
                        + "bytecode (part=<Name>.bin); contract_compile lists them.",
                null,
                (uri, variables, call) -> artifact(runtime, uri, variables, call)));
    }

    // ---- handlers

    private GenerateOutput generate(Runtime rt, GenerateInput input, ToolCall call) {
        String principal = call.principal().id();
        String source;
        String contractName;
        String file;
        String template;
        if (input.source() != null && !input.source().isBlank()) {
            if (input.template() != null) {
                throw ToolException.badArgument("template", "give either a template or your own source, not both");
            }
            if (input.source().length() > MAX_SOURCE) {
                throw ToolException.badArgument("source", "is longer than " + MAX_SOURCE + " characters");
            }
            source = input.source();
            file = input.fileName() == null ? "Contract.sol" : input.fileName();
            if (!file.matches("[A-Za-z0-9_]{1,60}\\.sol")) {
                throw ToolException.badArgument("fileName", "must look like Vault.sol (letters, digits, _; .sol)");
            }
            Matcher matcher = CONTRACT.matcher(source);
            contractName = null;
            while (matcher.find()) {
                contractName = matcher.group(1);
            }
            if (contractName == null) {
                contractName = file.substring(0, file.length() - 4);
            }
            template = "custom";
        } else {
            if (input.template() == null) {
                throw ToolException.badArgument(
                        "template", "is needed (erc20, erc721 or erc1155), or give your own source");
            }
            Templates.Generated generated = Templates.generate(new Templates.Options(
                    input.template(),
                    input.name(),
                    input.symbol(),
                    input.features() == null || input.features().isEmpty()
                            ? EnumSet.noneOf(Templates.Feature.class)
                            : EnumSet.copyOf(input.features()),
                    input.access(),
                    input.initialSupply(),
                    input.cap(),
                    input.decimals(),
                    input.uri()));
            source = generated.source();
            contractName = generated.contractName();
            file = generated.file();
            template = input.template().name().toLowerCase(Locale.ROOT);
        }
        String handle = call.handles().mint("ct", contractName + " (" + template + ")");
        rt.artifacts()
                .save(
                        principal,
                        new Artifacts.Contract(
                                handle,
                                contractName,
                                file,
                                template,
                                Map.of(file, source),
                                rt.context().clock().millis(),
                                null,
                                null));
        return new GenerateOutput(handle, contractName, file, template, source, List.of(uri(handle, "source")));
    }

    private CompileOutput compile(Runtime rt, CompileInput input, ToolCall call) {
        Artifacts.Contract contract = contract(rt, call, input.contract());
        Compiler.Settings settings = new Compiler.Settings(
                input.optimize() == null || input.optimize(),
                input.runs() == null ? 200 : input.runs(),
                input.evmVersion());
        call.progress(0, null, "compiling " + contract.file() + " with solc");
        Compiler.Result result = rt.compiler().compile(contract.sources(), settings, false);
        rt.artifacts().save(call.principal().id(), contract.withCompiled(result));
        return compileOutput(contract.handle(), result);
    }

    private static CompileOutput compileOutput(String handle, Compiler.Result result) {
        List<CompiledContract> contracts = new ArrayList<>();
        List<String> resources = new ArrayList<>(List.of(uri(handle, "source")));
        for (Compiler.Artifact artifact : result.artifacts()) {
            List<String> functions = new ArrayList<>();
            List<String> constructor = new ArrayList<>();
            for (Map<String, Object> entry : artifact.abi()) {
                if ("function".equals(entry.get("type"))) {
                    functions.add(Abi.signature(entry) + mutability(entry));
                } else if ("constructor".equals(entry.get("type"))) {
                    Abi.params(entry, "inputs").forEach(p -> constructor.add(p.canonical() + " " + p.name()));
                }
            }
            contracts.add(new CompiledContract(
                    artifact.name(),
                    artifact.kind(),
                    artifact.deployable(),
                    functions,
                    constructor,
                    (artifact.bytecode().length() - 2) / 2,
                    (artifact.deployedBytecode().length() - 2) / 2));
            if (artifact.deployable() || !artifact.abi().isEmpty()) {
                resources.add(uri(handle, artifact.name() + ".abi.json"));
                resources.add(uri(handle, artifact.name() + ".bin"));
            }
        }
        return new CompileOutput(
                result.ok(), result.compiler(), contracts, result.errors(), result.warnings(), resources);
    }

    private static String mutability(Map<String, Object> entry) {
        Object mutability = entry.get("stateMutability");
        return "view".equals(mutability) || "pure".equals(mutability) || "payable".equals(mutability)
                ? " " + mutability
                : "";
    }

    private AuditOutput audit(Runtime rt, AuditInput input, ToolCall call) {
        Artifacts.Contract contract = contract(rt, call, input.contract());
        Compiler.Settings settings = contract.compiled() == null
                ? Compiler.Settings.DEFAULT
                : contract.compiled().settings();
        call.progress(0, 3.0, "compiling with the syntax tree");
        Compiler.Result compiled = rt.compiler().compile(contract.sources(), settings, true);
        if (!compiled.ok()) {
            throw new ToolException(
                    "the contract does not compile (" + compiled.errors().size() + " error(s), first: "
                            + compiled.errors().get(0).located() + "); fix it, then audit");
        }
        call.progress(1, 3.0, "running solhint and hal9's detectors");
        List<Auditor.Finding> findings = rt.auditor().audit(contract.sources(), compiled);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Auditor.Severity severity : Auditor.Severity.values()) {
            counts.put(severity.name().toLowerCase(Locale.ROOT), 0);
        }
        findings.forEach(f -> counts.merge(f.severity().name().toLowerCase(Locale.ROOT), 1, Integer::sum));
        Map<String, String> versions = rt.worker().versions();
        List<String> tools = List.of(
                "solhint " + versions.get("solhint") + " (security rules)",
                "solc " + versions.get("solc") + " (warnings)",
                "hal9 detectors (solc AST)");
        Artifacts.Audit audit =
                new Artifacts.Audit(rt.context().clock().instant().toString(), tools, counts, findings);
        Compiler.Result stored = new Compiler.Result(
                compiled.ok(),
                compiled.compiler(),
                compiled.settings(),
                compiled.artifacts(),
                compiled.errors(),
                compiled.warnings(),
                Map.of());
        rt.artifacts().save(call.principal().id(), contract.withCompiled(stored).withAudit(audit));
        call.progress(3, 3.0, findings.size() + " finding(s)");
        return new AuditOutput(contract.handle(), counts, findings, tools, audit.auditedAt());
    }

    private DeployOutput deploy(Runtime rt, Guard guard, DeployInput input, ToolCall call) {
        String principal = call.principal().id();
        DeployAction action = input.action() == null ? DeployAction.DEPLOY : input.action();
        if (action == DeployAction.LIST) {
            return new DeployOutput(null, null, rt.artifacts().deployments(principal, 50));
        }
        Evm evm = evm(rt);
        if (action == DeployAction.STATUS) {
            String id = required(input.deployment(), "deployment", "action=status");
            Artifacts.Deployment deployment = rt.artifacts()
                    .deployment(principal, id)
                    .orElseThrow(() -> ToolException.notFound(
                            "deployment", id, "contract_deploy with action=list shows your deployments"));
            Guard.Payment payment =
                    guard.find(call.principal(), deployment.paymentId()).orElseThrow();
            deployment = settle(rt, evm, call, deployment, payment);
            payment = guard.find(call.principal(), deployment.paymentId()).orElseThrow();
            return new DeployOutput(deployment, guard.view(payment), null);
        }
        Artifacts.Contract contract = contract(rt, call, required(input.contract(), "contract", "a deployment"));
        Evm.Network network = evm.network(required(input.network(), "network", "a deployment"));
        if (contract.compiled() == null) {
            throw new ToolException("compile the contract first: contract_compile with contract=" + contract.handle());
        }
        if (!contract.compiled().ok()) {
            throw new ToolException("the contract did not compile ("
                    + contract.compiled().errors().size()
                    + " error(s), first: " + contract.compiled().errors().get(0).located() + "); fix the source and "
                    + "compile again before deploying");
        }
        Compiler.Artifact artifact = artifact(contract, input.contractName());
        if (artifact.deployedBytecode().length() / 2 - 1 > EIP170_LIMIT) {
            throw new ToolException(artifact.name() + "'s runtime code is "
                    + (artifact.deployedBytecode().length() / 2 - 1)
                    + " bytes, over the 24,576-byte limit (EIP-170); compile with the optimizer or split it");
        }
        Map<String, Object> constructor = artifact.abi().stream()
                .filter(e -> "constructor".equals(e.get("type")))
                .findFirst()
                .orElse(Map.of("inputs", List.of()));
        String encoded =
                Abi.encode(Abi.params(constructor, "inputs"), input.args(), artifact.name() + "'s constructor");
        BigInteger value = wei(input.value());
        if (value.signum() > 0 && !"payable".equals(constructor.get("stateMutability"))) {
            throw ToolException.badArgument("value", artifact.name() + "'s constructor is not payable");
        }
        String creation = artifact.bytecode() + encoded.substring(2);
        Optional<Guard.Payment> retried = retry(guard, call, input.idempotencyKey(), null, creation);
        if (retried.isPresent()) {
            Artifacts.Deployment earlier = rt.artifacts()
                    .deploymentFor(principal, retried.get().id())
                    .orElseThrow(() -> new ToolException("the idempotency key '" + input.idempotencyKey()
                            + "' was used for another payment; use a new key for a new deployment"));
            Artifacts.Deployment settled = settle(rt, evm, call, earlier, retried.get());
            Guard.Payment now = guard.find(call.principal(), retried.get().id()).orElseThrow();
            return new DeployOutput(settled, guard.view(now), null);
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("contract", artifact.name() + " (" + contract.handle() + ", " + contract.template() + ")");
        preview.put("runtime code", (artifact.deployedBytecode().length() / 2 - 1) + " bytes");
        if (input.args() != null && !input.args().isEmpty()) {
            preview.put("constructor arguments", Json.write(input.args()));
        }
        preview.put(
                "audit",
                contract.audit() == null
                        ? "not audited (contract_audit checks it)"
                        : contract.audit().counts().toString() + " findings");
        String summary =
                "deploy " + artifact.name() + " on " + network.name() + " from " + evm.sender(principal, input.from());
        Guard.Intent intent;
        try {
            intent = evm.prepare(
                    principal,
                    new Evm.Transaction(
                            network.name(),
                            input.from(),
                            null,
                            artifact.bytecode() + encoded.substring(2),
                            value,
                            summary,
                            preview,
                            input.idempotencyKey()));
        } catch (Evm.Reverted e) {
            throw new ToolException("the deployment would fail on " + network.name() + ", so nothing was recorded: "
                    + Abi.revertReason(artifact.abi(), e.data) + " (" + e.reason + ")");
        }
        Guard.Payment payment = guard.submit(call, intent);
        Optional<Artifacts.Deployment> earlier = rt.artifacts().deploymentFor(principal, payment.id());
        Artifacts.Deployment deployment = earlier.orElseGet(() -> {
            Artifacts.Deployment fresh = new Artifacts.Deployment(
                    call.handles().mint("dp", artifact.name() + " on " + network.name()),
                    contract.handle(),
                    artifact.name(),
                    network.name(),
                    payment.sender(),
                    payment.id(),
                    "awaiting_approval",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    rt.context().clock().instant().toString());
            // another instance may have recorded this payment's deployment meanwhile: then that one is returned
            return rt.artifacts().insert(principal, fresh);
        });
        deployment = settle(rt, evm, call, deployment, payment);
        Guard.Payment now = guard.find(call.principal(), payment.id()).orElse(payment);
        return new DeployOutput(deployment, guard.view(now), null);
    }

    /**
     * Brings a deployment up to date with its payment: waits for a sent one's receipt (with progress), then records
     * the address, gas and whether the code on chain is the compiled code.
     */
    private Artifacts.Deployment settle(
            Runtime rt, Evm evm, ToolCall call, Artifacts.Deployment deployment, Guard.Payment payment) {
        if (deployment.status().equals("deployed") || deployment.status().equals("failed")) {
            return deployment;
        }
        String principal = call.principal().id();
        Artifacts.Deployment next =
                switch (payment.state()) {
                    case PENDING, APPROVED -> deployment.with("awaiting_approval", null, null, null, null, null, null);
                    case DECLINED, EXPIRED ->
                        deployment.with(
                                "not_deployed",
                                null,
                                null,
                                null,
                                null,
                                null,
                                "the deployment was " + payment.state().name().toLowerCase(Locale.ROOT)
                                        + "; nothing was sent");
                    case FAILED ->
                        payment.txHash() == null
                                ? deployment.with("failed", null, null, null, null, null, payment.error())
                                : receiptOf(rt, evm, call, deployment, payment);
                    case SENT, RECONCILING, CONFIRMED -> receiptOf(rt, evm, call, deployment, payment);
                };
        if (next.equals(deployment)) {
            return deployment;
        }
        // compare-and-set: if another instance moved it first, what it recorded is the answer
        return rt.artifacts().move(principal, deployment, next);
    }

    private Artifacts.Deployment receiptOf(
            Runtime rt, Evm evm, ToolCall call, Artifacts.Deployment deployment, Guard.Payment payment) {
        long waitMs = rt.settings().deployWait().toMillis();
        long started = System.currentTimeMillis();
        Optional<Evm.Receipt> receipt = evm.receipt(deployment.network(), payment.txHash());
        int polls = 0;
        while (receipt.isEmpty() && System.currentTimeMillis() - started < waitMs && !call.cancelled()) {
            call.progress(++polls, null, "waiting for " + payment.txHash() + " to be mined on " + deployment.network());
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            receipt = evm.receipt(deployment.network(), payment.txHash());
        }
        if (receipt.isEmpty()) {
            return deployment.with(
                    "sent",
                    null,
                    payment.txHash(),
                    null,
                    null,
                    null,
                    "not mined yet; contract_deploy with action=status checks again");
        }
        Evm.Receipt r = receipt.get();
        if (!r.success() || r.contractAddress() == null) {
            return deployment.with(
                    "failed",
                    null,
                    r.hash(),
                    r.gasUsed(),
                    r.blockNumber(),
                    null,
                    "the deployment transaction reverted in block " + r.blockNumber());
        }
        call.progress(polls + 1, null, "mined in block " + r.blockNumber() + "; comparing the code on chain");
        Boolean verified = null;
        String error = null;
        Optional<Artifacts.Contract> contract =
                rt.artifacts().contract(call.principal().id(), deployment.contract());
        if (contract.isPresent() && contract.get().compiled() != null) {
            Compiler.Artifact artifact = artifact(contract.get(), deployment.contractName());
            String onChain = evm.code(deployment.network(), r.contractAddress());
            verified = sameCode(artifact, onChain);
            if (!verified) {
                error = "the code at " + r.contractAddress() + " differs from the compiled " + artifact.name()
                        + " (was the contract recompiled with other settings since?)";
            }
        }
        return deployment.with(
                "deployed", r.contractAddress(), r.hash(), r.gasUsed(), r.blockNumber(), verified, error);
    }

    /** The runtime code on chain equals the compiled one, except where the constructor wrote immutables. */
    static boolean sameCode(Compiler.Artifact artifact, String onChain) {
        String expected = artifact.deployedBytecode().toLowerCase(Locale.ROOT).substring(2);
        String actual = onChain.toLowerCase(Locale.ROOT).startsWith("0x")
                ? onChain.substring(2).toLowerCase(Locale.ROOT)
                : "";
        if (expected.length() != actual.length()) {
            return false;
        }
        char[] a = expected.toCharArray();
        char[] b = actual.toCharArray();
        for (List<Integer> range : artifact.immutables()) {
            for (int i = range.get(0) * 2; i < (range.get(0) + range.get(1)) * 2 && i < a.length; i++) {
                a[i] = '0';
                b[i] = '0';
            }
        }
        return java.util.Arrays.equals(a, b);
    }

    private ReadOutput read(Runtime rt, ReadInput input, ToolCall call) {
        Target target = target(rt, call, input.deployment(), input.network(), input.address(), input.contract());
        List<Object> args = input.args() == null ? List.of() : input.args();
        Map<String, Object> function = Abi.function(target.abi(), input.function(), args.size());
        String signature = Abi.signature(function);
        String data = Abi.selector(signature)
                + Abi.encode(Abi.params(function, "inputs"), args, signature).substring(2);
        String raw;
        try {
            raw = target.evm().call(target.network(), null, target.address(), data);
        } catch (Evm.Reverted e) {
            throw new ToolException(signature + " reverted: " + Abi.revertReason(target.abi(), e.data));
        }
        if ("0x".equals(raw) && !Abi.params(function, "outputs").isEmpty()) {
            String code = target.evm().code(target.network(), target.address());
            if ("0x".equals(code)) {
                throw new ToolException("there is no contract at " + target.address() + " on " + target.network());
            }
        }
        return new ReadOutput(
                signature,
                target.address(),
                Abi.decode(Abi.params(function, "outputs"), raw, signature + "'s return data"),
                raw);
    }

    private WriteOutput write(Runtime rt, Guard guard, WriteInput input, ToolCall call) {
        Target target = target(rt, call, input.deployment(), input.network(), input.address(), input.contract());
        List<Object> args = input.args() == null ? List.of() : input.args();
        Map<String, Object> function = Abi.function(target.abi(), input.function(), args.size());
        String signature = Abi.signature(function);
        Object mutability = function.get("stateMutability");
        if ("view".equals(mutability) || "pure".equals(mutability)) {
            throw ToolException.badArgument(
                    "function",
                    signature + " is " + mutability
                            + ": it changes nothing, so read it with contract_read (no transaction, no gas)");
        }
        BigInteger value = wei(input.value());
        if (value.signum() > 0 && !"payable".equals(mutability)) {
            throw ToolException.badArgument("value", signature + " is not payable");
        }
        String data = Abi.selector(signature)
                + Abi.encode(Abi.params(function, "inputs"), args, signature).substring(2);
        String principal = call.principal().id();
        Optional<Guard.Payment> retried = retry(guard, call, input.idempotencyKey(), target.address(), data);
        if (retried.isPresent()) {
            return new WriteOutput(
                    signature, target.address(), PaymentView.of(retried.get(), guard.nextStep(retried.get())));
        }
        Map<String, String> preview = new LinkedHashMap<>();
        preview.put("contract", target.address() + (target.label() == null ? "" : " (" + target.label() + ")"));
        preview.put("function", signature);
        if (!args.isEmpty()) {
            preview.put("arguments", Json.write(args));
        }
        String summary = "call " + signature + " on " + target.address() + " on " + target.network() + " from "
                + target.evm().sender(principal, input.from());
        Guard.Intent intent;
        try {
            intent = target.evm()
                    .prepare(
                            principal,
                            new Evm.Transaction(
                                    target.network(),
                                    input.from(),
                                    target.address(),
                                    data,
                                    value,
                                    summary,
                                    preview,
                                    input.idempotencyKey()));
        } catch (Evm.Reverted e) {
            throw new ToolException(
                    signature + " would revert, so nothing was recorded: " + Abi.revertReason(target.abi(), e.data));
        }
        Guard.Payment payment = guard.submit(call, intent);
        return new WriteOutput(signature, target.address(), guard.view(payment));
    }

    /**
     * The payment an earlier call made with this idempotency key, when it was the same transaction (same contract,
     * same data); a different one under the same key is refused. Checked before simulating: the first attempt may
     * have changed what a second simulation sees.
     */
    private static Optional<Guard.Payment> retry(Guard guard, ToolCall call, String key, String to, String data) {
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        Optional<Guard.Payment> existing = guard.findByKey(call.principal(), key);
        if (existing.isEmpty()) {
            return existing;
        }
        tools.jackson.databind.JsonNode payload =
                Json.MAPPER.readTree(existing.get().payload());
        boolean same = Evm.CONTRACT_KIND.equals(existing.get().kind())
                && data.equalsIgnoreCase(payload.path("data").asString(""))
                && (to == null
                        ? !payload.path("to").isString()
                        : to.equalsIgnoreCase(payload.path("to").asString("")));
        if (!same) {
            throw new ToolException("the idempotency key '" + key + "' was used for another payment ("
                    + existing.get().summary() + "); use a new key for a new transaction");
        }
        return existing;
    }

    private record Target(Evm evm, String network, String address, List<Map<String, Object>> abi, String label) {}

    private Target target(
            Runtime rt, ToolCall call, String deploymentId, String network, String address, String contractHandle) {
        Evm evm = evm(rt);
        String principal = call.principal().id();
        if (deploymentId != null && !deploymentId.isBlank()) {
            Artifacts.Deployment deployment = rt.artifacts()
                    .deployment(principal, deploymentId)
                    .orElseThrow(() -> ToolException.notFound(
                            "deployment", deploymentId, "contract_deploy with action=list shows your deployments"));
            if (deployment.address() == null) {
                throw new ToolException("deployment " + deploymentId + " is " + deployment.status()
                        + ", so there is no contract yet; contract_deploy with action=status follows it");
            }
            Artifacts.Contract contract = contract(rt, call, deployment.contract());
            return new Target(
                    evm,
                    deployment.network(),
                    deployment.address(),
                    artifact(contract, deployment.contractName()).abi(),
                    deployment.contractName());
        }
        if (network == null || address == null || contractHandle == null) {
            throw ToolException.badArgument(
                    "deployment", "is needed, or else network, address and contract (whose ABI to use)");
        }
        Artifacts.Contract contract = contract(rt, call, contractHandle);
        if (contract.compiled() == null || !contract.compiled().ok()) {
            throw new ToolException("compile " + contractHandle + " first: its ABI comes from the compile");
        }
        return new Target(
                evm,
                evm.network(network).name(),
                evm.address(address, "address"),
                artifact(contract, null).abi(),
                contract.contractName());
    }

    private List<Resource.Content> artifact(Runtime rt, String uri, Map<String, String> variables, ToolCall call) {
        Artifacts.Contract contract = rt.artifacts()
                .contract(call.principal().id(), variables.get("contract"))
                .orElseThrow(() ->
                        ToolException.notFound("contract", variables.get("contract"), "contract_generate makes one"));
        String part = variables.get("part");
        if (part.equals("source")) {
            return List.of(new Resource.Content(
                    uri, "text/x-solidity", contract.sources().get(contract.file()), null));
        }
        if (contract.compiled() != null) {
            for (Compiler.Artifact artifact : contract.compiled().artifacts()) {
                if (part.equals(artifact.name() + ".abi.json")) {
                    return List.of(new Resource.Content(uri, "application/json", Json.write(artifact.abi()), null));
                }
                if (part.equals(artifact.name() + ".bin")) {
                    return List.of(new Resource.Content(uri, "text/plain", artifact.bytecode(), null));
                }
            }
        }
        throw ToolException.notFound("artifact", part, "contract_compile lists the contract's resources");
    }

    // ---- helpers

    private static Evm evm(Runtime rt) {
        return rt.context()
                .service(Evm.class)
                .orElseThrow(() -> new ToolException(
                        "EVM networks are not available: the chain family is not loaded in this server"));
    }

    /** {@link ContractSources} over this family's worker and artifacts. */
    private record Sources(Runtime rt) implements ContractSources {

        @Override
        public List<ContractSources.Compiled> compiled(ToolCall call, String handle) {
            Artifacts.Contract contract = contract(rt, call, handle);
            Compiler.Result result = contract.compiled();
            if (result == null) {
                result = rt.compiler().compile(contract.sources(), Compiler.Settings.DEFAULT, false);
                rt.artifacts().save(call.principal().id(), contract.withCompiled(result));
            }
            return runtimes(result, contract.file());
        }

        @Override
        public List<ContractSources.Compiled> compile(String source, boolean optimize, int runs, String evmVersion) {
            if (source == null || source.isBlank() || source.length() > MAX_SOURCE) {
                throw ToolException.badArgument(
                        "source", "must be one Solidity file of at most " + MAX_SOURCE + " characters");
            }
            return runtimes(
                    rt.compiler()
                            .compile(
                                    Map.of("Contract.sol", source),
                                    new Compiler.Settings(optimize, runs, evmVersion),
                                    false),
                    "Contract.sol");
        }

        private static List<ContractSources.Compiled> runtimes(Compiler.Result result, String file) {
            if (!result.ok()) {
                throw new ToolException(
                        file + " does not compile: " + result.errors().get(0).located());
            }
            return result.artifacts().stream()
                    .filter(Compiler.Artifact::deployable)
                    .map(a -> new ContractSources.Compiled(
                            a.name(), a.deployedBytecode(), a.immutables(), result.compiler()))
                    .toList();
        }
    }

    private static Artifacts.Contract contract(Runtime rt, ToolCall call, String handle) {
        call.handles().require(handle, "contract_generate makes a contract and returns its handle");
        return rt.artifacts()
                .contract(call.principal().id(), handle)
                .orElseThrow(() -> ToolException.notFound("contract", handle, "contract_generate makes one"));
    }

    private static Compiler.Artifact artifact(Artifacts.Contract contract, String requested) {
        List<Compiler.Artifact> deployable = contract.compiled().artifacts().stream()
                .filter(Compiler.Artifact::deployable)
                .toList();
        if (requested != null && !requested.isBlank()) {
            return contract.compiled().artifacts().stream()
                    .filter(a -> a.name().equals(requested))
                    .findFirst()
                    .orElseThrow(() -> ToolException.badArgument(
                            "contractName",
                            "'" + requested + "' is not in "
                                    + contract.file() + "; it defines "
                                    + String.join(
                                            ", ",
                                            contract.compiled().artifacts().stream()
                                                    .map(Compiler.Artifact::name)
                                                    .toList())));
        }
        return deployable.stream()
                .filter(a -> a.name().equals(contract.contractName()))
                .findFirst()
                .or(() -> deployable.size() == 1 ? Optional.of(deployable.get(0)) : Optional.empty())
                .orElseThrow(() -> deployable.isEmpty()
                        ? new ToolException(contract.file() + " has no deployable contract (only interfaces, libraries "
                                + "or abstract contracts)")
                        : ToolException.badArgument(
                                "contractName",
                                "is needed: " + contract.file() + " defines "
                                        + String.join(
                                                ", ",
                                                deployable.stream()
                                                        .map(Compiler.Artifact::name)
                                                        .toList())));
    }

    private static BigInteger wei(String value) {
        if (value == null || value.isBlank()) {
            return BigInteger.ZERO;
        }
        try {
            BigDecimal amount = new BigDecimal(value.strip());
            if (amount.signum() < 0) {
                throw ToolException.badArgument("value", "must not be negative");
            }
            if (amount.stripTrailingZeros().scale() > 18) {
                throw ToolException.badArgument("value", "has more than 18 decimals");
            }
            return amount.movePointRight(18).toBigIntegerExact();
        } catch (NumberFormatException e) {
            throw ToolException.badArgument("value", "'" + value + "' is not a number; give whole units, e.g. \"0.1\"");
        }
    }

    private static String required(String value, String name, String what) {
        if (value == null || value.isBlank()) {
            throw ToolException.badArgument(name, "is needed for " + what);
        }
        return value;
    }

    private static String uri(String handle, String part) {
        return "hal9://contracts/" + handle + "/" + part;
    }

    private static String render(CompileOutput o) {
        StringBuilder text = new StringBuilder(o.ok() ? "compiled with " + o.compiler() : "compile failed");
        o.errors().forEach(e -> text.append("\n").append(e.located()));
        o.warnings().forEach(w -> text.append("\n").append(w.located()));
        o.contracts().forEach(c -> text.append("\n")
                .append(c.name())
                .append(" (")
                .append(c.kind())
                .append(", ")
                .append(c.deployedBytes())
                .append(" bytes)"));
        return text.toString();
    }

    private static String render(AuditOutput o) {
        StringBuilder text = new StringBuilder("audit of " + o.contract() + ": " + o.counts());
        o.findings().forEach(f -> text.append("\n")
                .append(f.severity().name().toLowerCase(Locale.ROOT))
                .append(" ")
                .append(f.file())
                .append(':')
                .append(f.line())
                .append(" [")
                .append(f.detector())
                .append("] ")
                .append(f.finding()));
        return text.toString();
    }

    private static String render(DeployOutput o) {
        if (o.deployments() != null) {
            StringBuilder text = new StringBuilder(o.deployments().size() + " deployment(s)");
            o.deployments().forEach(d -> text.append("\n")
                    .append(d.id())
                    .append(": ")
                    .append(d.contractName())
                    .append(" on ")
                    .append(d.network())
                    .append(" ")
                    .append(d.status())
                    .append(d.address() == null ? "" : " at " + d.address()));
            return text.toString();
        }
        Artifacts.Deployment d = o.deployment();
        return d.id() + ": " + d.contractName() + " on " + d.network() + " " + d.status()
                + (d.address() == null ? "" : " at " + d.address())
                + (d.error() == null ? "" : " (" + d.error() + ")") + "\n"
                + o.payment().render();
    }
}
