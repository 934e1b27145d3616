package dev.hal9.tools.analysis;

import dev.hal9.api.Param;
import dev.hal9.api.ToolCall;
import dev.hal9.api.ToolException;
import dev.hal9.tools.chain.Evm;
import dev.hal9.tools.contracts.ContractSources;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * One token's or contract's risk analysis on an EVM node: what it is (code, token standard, proxy and the logic
 * behind it), who controls it (owner, creator, addresses with privileges the owner function does not show), what
 * its code lets them do (by selector, then confirmed by simulating the call from them and from a stranger), who
 * holds it (Transfer logs over a bounded window), its Uniswap-v2-style pools, and what a buy, a transfer and a sell
 * really cost (the {@code TradeProbe} run in one eth_call with state overrides). Fields are named after GoPlus's
 * token-security API where the meaning is the same; every finding carries its evidence. One instance per call.
 */
final class TokenAnalysis {

    /** Where a finding comes from and how bad it is. */
    record Finding(
            @Param("The field, named after GoPlus's token-security field where the meaning is the same.")
            String field,

            @Param("Its value: \"1\" yes, \"0\" no, a fraction for taxes (\"0.05\" is 5%), or \"unknown\".")
            String value,

            @Param("high, medium, low or none.") String risk,
            @Param("What it means here, in one sentence.") String summary,

            @Param("How it was found: selectors in the code, storage slots, calls and simulations with their results.")
            List<String> evidence) {}

    record Holder(
            @Param("The holder's address.") String address,
            @Param("Its balance in whole tokens.") String balance,

            @Param("Its share of the supply, as a fraction.")
            String percent,

            @Param("Whether it is a contract.") boolean isContract,

            @Param("What it is, when known: owner, creator, pool, burn address.")
            String tag) {}

    record Pool(
            @Param("The router configured for this network.")
            String router,

            @Param("The pair contract.") String pair,

            @Param("The other token of the pair (the router's wrapped native token).")
            String quote,

            @Param("The pair's reserve of the analysed token, whole tokens.")
            String reserve,

            @Param("The pair's reserve of the quote token, whole units.")
            String quoteReserve,

            @Param("LP tokens in existence (raw units).") String lpTotalSupply,

            @Param("The largest LP holders, with is_contract and whether the LP is burned.")
            List<Holder> lpHolders,

            @Param("The share of LP tokens at the zero or dead address, as a fraction.")
            String lpBurned) {}

    record Proxy(
            @Param("EIP-1967, EIP-1967 beacon, EIP-1822, EIP-1167, Safe or EIP-2535 diamond.")
            String kind,

            @Param("The logic contract(s) calls are delegated to.")
            List<String> implementations,

            @Param("The EIP-1967 admin, when set.") String admin,
            @Param("The EIP-1967 beacon, when set.") String beacon) {}

    record Report(
            @Param("The network.") String network,
            @Param("The address analysed.") String address,

            @Param("erc20, erc721, erc1155, or none for a contract that is not a token.")
            String standard,

            @Param("The token's name.") String name,
            @Param("The token's symbol.") String symbol,
            @Param("Its decimals (erc20).") Integer decimals,
            @Param("The total supply in whole tokens.") String totalSupply,

            @Param("owner() (or getOwner()); null when the contract has none.")
            String ownerAddress,

            @Param("The account whose transaction created the contract, when the node can say.")
            String creatorAddress,

            @Param("The creating transaction.") String creationTransaction,

            @Param("The proxy and its logic, when it is one.")
            Proxy proxy,

            @Param("Every detector's answer with its evidence, riskiest first.")
            List<Finding> findings,

            @Param("The GoPlus-named fields and their values at a glance; a field not found is left out.")
            Map<String, String> fields,

            @Param("The ten largest holders, balances read with balanceOf.")
            List<Holder> holders,

            @Param("Addresses with a positive balance in the log range.")
            Integer holderCount,

            @Param("Whether the log range starts at the contract's creation, so holderCount is exact.")
            boolean holdersComplete,

            @Param("The blocks whose Transfer logs were read, e.g. \"120-50120\".")
            String logRange,

            @Param("Uniswap-v2-style pools of the token on the configured routers.")
            List<Pool> pools,

            @Param("The overall risk: high, medium, low or none.")
            String risk,

            @Param("A summary to quote, with the riskiest findings first.")
            String summary,

            @Param("Parts not done and why (budget, node limits).")
            List<String> notDone,

            @Param("RPC requests sent.") int rpcCalls,

            @Param("Reads served from the cache of earlier analyses.")
            int cachedReads,

            @Param("The RPC budget of one analysis.") int rpcBudget,

            @Param("How long the analysis took, in milliseconds.")
            long elapsedMillis) {}

    /** The settings of one network's analysis. */
    record Settings(
            int rpcBudget, long logWindow, long logChunk, List<String> routers, String probeCode, int concurrency) {}

    private static final String SLOT_1967_IMPLEMENTATION =
            "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
    private static final String SLOT_1967_BEACON = "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50";
    private static final String SLOT_1967_ADMIN = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103";
    private static final String SLOT_1822 = "0xc5f16f0fcc639fa48a6947836d9850f504798523bf8c9a3a87d5876cf622bcf7";

    /** Where the trade probe is put for its one call, and where it passes tokens on: addresses nobody holds. */
    private static final String PROBE = "0x4a10900000000000000000000000000000000001";

    private static final String OTHER = "0x4a10900000000000000000000000000000000002";
    private static final String STRANGER = "0x4a10900000000000000000000000000000000003";
    private static final Set<String> STANDARD = Set.of(
            Signatures.TRANSFER,
            Signatures.TRANSFER_FROM,
            Signatures.APPROVE,
            Signatures.TRANSFER_OWNERSHIP,
            Signatures.RENOUNCE_OWNERSHIP,
            Signatures.selector("increaseAllowance(address,uint256)"),
            Signatures.selector("decreaseAllowance(address,uint256)"),
            Signatures.selector("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"),
            Signatures.selector("burn(uint256)"),
            Signatures.selector("safeTransferFrom(address,address,uint256)"),
            Signatures.selector("safeTransferFrom(address,address,uint256,bytes)"),
            Signatures.selector("setApprovalForAll(address,bool)"),
            Signatures.selector("safeTransferFrom(address,address,uint256,uint256,bytes)"),
            Signatures.selector("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)"),
            Signatures.selector("multicall(bytes[])"),
            Signatures.selector("deposit()"),
            Signatures.selector("withdraw(uint256)"));
    private static final BigInteger MILLION = BigInteger.TEN.pow(24);

    private final Reads reads;
    private final List<ContractSources.Compiled> sources;
    private final Settings settings;
    private final ToolCall call;
    private final long started;
    private final List<Finding> findings = new ArrayList<>();
    private final List<String> notDone = new ArrayList<>();
    private final Map<String, String> slotHolders = new LinkedHashMap<>();

    private String address;
    private Bytecode code;
    private Bytecode logic;
    private Proxy proxy;
    private String owner;
    private Evm.Creation creation;
    private String standard = "none";
    private String name;
    private String symbol;
    private Integer decimals;
    private BigInteger supply;
    private final List<Holder> holders = new ArrayList<>();
    private Integer holderCount;
    private boolean holdersComplete;
    private String logRange;
    private final List<Pool> pools = new ArrayList<>();
    private final List<Pools.Pair> pairs = new ArrayList<>();
    private String victim;
    private long head = -1;

    TokenAnalysis(Reads reads, Settings settings, ToolCall call, long started, List<ContractSources.Compiled> sources) {
        this.sources = sources;
        this.reads = reads;
        this.settings = settings;
        this.call = call;
        this.started = started;
    }

    Report run(String address, LongSupplier clock) {
        this.address = address.toLowerCase(Locale.ROOT);
        String hex = reads.code(this.address);
        if ("0x".equals(hex)) {
            throw ToolException.badArgument(
                    "address",
                    "is " + address + ", which has no code on " + reads.network()
                            + ": it is an account (or a contract not yet deployed, or one that destroyed itself), so "
                            + "there is no contract to analyse; check the address and the network");
        }
        code = new Bytecode(hex);
        step(1, "proxy", this::proxy);
        step(2, "token", this::token);
        step(3, "owner and creator", this::control);
        step(4, "holders", this::holders);
        step(5, "privileges", this::privileges);
        step(6, "pools", this::pools);
        step(7, "trade simulation", this::trade);
        step(8, "external calls", this::externalCalls);
        if (!sources.isEmpty()) {
            step(8, "source", this::source);
        }
        return report(clock.getAsLong());
    }

    private void step(int number, String what, Runnable work) {
        call.checkCancelled();
        call.progress(number - 1, 8.0, what);
        try {
            work.run();
        } catch (Reads.OutOfBudget e) {
            notDone.add(what + ": " + e.getMessage() + " (families.analysis.rpc-budget)");
        } catch (ToolException e) {
            notDone.add(what + ": " + e.getMessage());
        }
    }

    // ---- what it is

    private void proxy() {
        List<String> evidence = new ArrayList<>();
        List<String> implementations = new ArrayList<>();
        String kind = null;
        String admin = null;
        String beacon = null;
        Optional<String> minimal = code.minimalProxyTarget();
        if (minimal.isPresent()) {
            kind = "EIP-1167";
            implementations.add(minimal.get());
            evidence.add("the code is an EIP-1167 minimal proxy delegating to " + minimal.get());
        }
        if (kind == null) {
            Optional<String> implementation = Abi.slotAddress(reads.storage(address, SLOT_1967_IMPLEMENTATION));
            Optional<String> beaconSlot = Abi.slotAddress(reads.storage(address, SLOT_1967_BEACON));
            admin = Abi.slotAddress(reads.storage(address, SLOT_1967_ADMIN)).orElse(null);
            if (implementation.isPresent()) {
                kind = "EIP-1967";
                implementations.add(implementation.get());
                evidence.add("storage slot " + SLOT_1967_IMPLEMENTATION + " (EIP-1967 implementation) holds "
                        + implementation.get());
            } else if (beaconSlot.isPresent()) {
                kind = "EIP-1967 beacon";
                beacon = beaconSlot.get();
                evidence.add("storage slot " + SLOT_1967_BEACON + " (EIP-1967 beacon) holds " + beacon);
                reads.view(beacon, Signatures.IMPLEMENTATION)
                        .flatMap(r -> Abi.address(r, 0))
                        .ifPresent(i -> {
                            implementations.add(i);
                            evidence.add("the beacon's implementation() returns " + i);
                        });
            }
            if (admin != null) {
                evidence.add("storage slot " + SLOT_1967_ADMIN + " (EIP-1967 admin) holds " + admin);
            }
        }
        if (kind == null) {
            Optional<String> uups = Abi.slotAddress(reads.storage(address, SLOT_1822));
            if (uups.isPresent()) {
                kind = "EIP-1822";
                implementations.add(uups.get());
                evidence.add("storage slot " + SLOT_1822 + " (EIP-1822 PROXIABLE) holds " + uups.get());
            }
        }
        if (kind == null && code.isSafeProxy()) {
            Optional<String> singleton = Abi.slotAddress(reads.storage(address, "0x0"));
            if (singleton.isPresent()) {
                kind = "Safe";
                implementations.add(singleton.get());
                evidence.add("a Safe proxy (" + code.size() + " bytes that answer masterCopy(), 0xa619486e, "
                        + "themselves and delegate the rest); storage slot 0 holds the singleton " + singleton.get());
            }
        }
        if (kind == null && code.has(Signatures.FACETS)) {
            Optional<String> facets = reads.view(address, Signatures.FACET_ADDRESSES);
            if (facets.isPresent()) {
                kind = "EIP-2535 diamond";
                String data = facets.get();
                int count = Abi.uint(data, 1).orElse(BigInteger.ZERO).intValue();
                for (int i = 0; i < Math.min(count, 20); i++) {
                    Abi.address(data, 2 + i).ifPresent(implementations::add);
                }
                evidence.add("facetAddresses() returns " + implementations);
            }
        }
        if (kind == null) {
            findings.add(new Finding(
                    "is_proxy",
                    "0",
                    "none",
                    "Not a proxy: its logic cannot be swapped.",
                    List.of("no EIP-1167 code; EIP-1967 implementation, beacon and EIP-1822 slots are empty")));
            return;
        }
        proxy = new Proxy(
                kind,
                implementations.stream().map(reads::checksum).toList(),
                reads.checksum(admin),
                reads.checksum(beacon));
        StringBuilder logicCode = new StringBuilder("0x");
        for (String implementation : implementations) {
            logicCode.append(reads.code(implementation).substring(2));
        }
        logic = new Bytecode(logicCode.toString());
        boolean upgradeable = !"EIP-1167".equals(kind);
        findings.add(new Finding(
                "is_proxy",
                "1",
                upgradeable ? "medium" : "low",
                upgradeable
                        ? "A " + kind + " proxy: whoever controls it can replace the logic, and with it every rule "
                                + "of the token; the logic analysed is " + implementations + "."
                        : "An EIP-1167 clone of " + implementations + ", whose logic cannot be replaced.",
                evidence));
    }

    private Bytecode logic() {
        return logic != null && !logic.isEmpty() ? logic : code;
    }

    private void token() {
        List<String> calls = List.of(
                Signatures.TOTAL_SUPPLY,
                Signatures.NAME,
                Signatures.SYMBOL,
                supportsCall(Signatures.ERC1155),
                supportsCall(Signatures.ERC721),
                Signatures.BALANCE_OF + Abi.word(Abi.ZERO_ADDRESS),
                Signatures.DECIMALS);
        List<Optional<String>> answers = parallel(calls, data -> reads.view(address, data));
        Optional<String> supplyRaw = answers.get(0);
        name = answers.get(1).flatMap(Abi::text).orElse(null);
        symbol = answers.get(2).flatMap(Abi::text).orElse(null);
        if (yes(answers.get(3))) {
            standard = "erc1155";
        } else if (yes(answers.get(4))) {
            standard = "erc721";
        } else if (supplyRaw.isPresent()
                && supplyRaw.get().length() == 66
                && answers.get(5).isPresent()) {
            standard = "erc20";
            decimals = answers.get(6)
                    .flatMap(r -> Abi.uint(r, 0))
                    .filter(d -> d.bitLength() < 8)
                    .map(BigInteger::intValue)
                    .orElse(0);
        }
        supply = supplyRaw.flatMap(r -> Abi.uint(r, 0)).orElse(null);
    }

    private static String supportsCall(String interfaceId) {
        return Signatures.SUPPORTS_INTERFACE + interfaceId.substring(2) + "0".repeat(56);
    }

    private static boolean yes(Optional<String> answer) {
        return answer.flatMap(r -> Abi.uint(r, 0)).map(v -> v.signum() > 0).orElse(false);
    }

    private boolean isToken() {
        return !"none".equals(standard);
    }

    // ---- who controls it

    private void control() {
        owner = reads.view(address, Signatures.OWNER)
                .or(() -> reads.view(address, Signatures.GET_OWNER))
                .flatMap(r -> Abi.address(r, 0))
                .map(reads::checksum)
                .orElse(null);
        creation = reads.creation(address).orElse(null);
        List<Integer> slots = fit(
                IntStream.range(0, 12).boxed().toList(),
                1,
                "owner and creator: storage slots " + "read for addresses with privileges");
        List<String> values = parallel(slots, slot -> reads.storage(address, "0x" + Integer.toHexString(slot)));
        for (int i = 0; i < values.size() && slotHolders.size() < 6; i++) {
            String number = "slot " + slots.get(i);
            Abi.slotAddress(values.get(i))
                    .filter(a -> !a.equalsIgnoreCase(address))
                    .ifPresent(a -> slotHolders.putIfAbsent(reads.checksum(a), number));
        }
    }

    // ---- holders

    private void holders() {
        if (!isToken() || "erc1155".equals(standard)) {
            return;
        }
        long latest = latestBlock();
        long first = Math.max(0, latest - settings.logWindow() + 1);
        if (creation != null && creation.blockNumber() >= 0 && creation.blockNumber() > first) {
            first = creation.blockNumber();
        }
        holdersComplete = creation != null && creation.blockNumber() >= 0 && first <= creation.blockNumber();
        Scan scan = scan(address, first, latest, "erc721".equals(standard));
        Map<String, BigInteger> balances = scan.balances();
        logRange = first + "-" + scan.lastBlock();
        if (scan.lastBlock() < latest) {
            holdersComplete = false;
        }
        balances.remove(Abi.ZERO_ADDRESS);
        holderCount =
                (int) balances.values().stream().filter(b -> b.signum() > 0).count();
        List<String> top = balances.entrySet().stream()
                .filter(e -> e.getValue().signum() > 0)
                .sorted(Map.Entry.<String, BigInteger>comparingByValue().reversed())
                .limit(10)
                .map(Map.Entry::getKey)
                .toList();
        List<String> affordable = fit(top, 3, "holders: the top holders read again with balanceOf");
        holders.addAll(parallel(affordable, holder -> holder(holder, balanceOf(holder))));
        holders.sort(
                Comparator.comparing((Holder h) -> new BigDecimal(h.balance())).reversed());
        victim = holders.stream()
                .map(Holder::address)
                .filter(a -> !a.equalsIgnoreCase(owner == null ? "" : owner))
                .filter(a -> !isContract(a))
                .findFirst()
                .orElse(OTHER);
        if (holderCount != null) {
            findings.add(new Finding(
                    "holder_count",
                    String.valueOf(holderCount),
                    holderCount < 50 ? "low" : "none",
                    holderCount + " addresses hold it"
                            + (holdersComplete ? "" : " in blocks " + logRange + " (not since its creation)") + ".",
                    List.of("eth_getLogs Transfer in blocks " + logRange)));
        }
        share("owner_percent", owner == null || Abi.isZeroOrDead(owner) ? null : owner, "the owner");
        share("creator_percent", creation == null ? null : creation.creator(), "the creator");
    }

    private void share(String field, String who, String label) {
        if (who == null || supply == null || supply.signum() == 0 || !"erc20".equals(standard)) {
            return;
        }
        BigInteger balance = balanceOf(who.toLowerCase(Locale.ROOT));
        BigDecimal share = fraction(balance, supply);
        findings.add(new Finding(
                field,
                share.toPlainString(),
                share.compareTo(new BigDecimal("0.5")) >= 0
                        ? "high"
                        : share.compareTo(new BigDecimal("0.1")) >= 0 ? "medium" : "none",
                label + " (" + who + ") holds " + percent(share) + " of the supply.",
                List.of("balanceOf(" + who + ") = " + balance + " of totalSupply() " + supply)));
    }

    private Holder holder(String holder, BigInteger balance) {
        String tag = null;
        if (Abi.isZeroOrDead(holder)) {
            tag = "burn address";
        } else if (owner != null && holder.equalsIgnoreCase(owner)) {
            tag = "owner";
        } else if (creation != null && holder.equalsIgnoreCase(creation.creator())) {
            tag = "creator";
        }
        return new Holder(
                reads.checksum(holder),
                units(balance, decimals == null ? 0 : decimals),
                supply == null || supply.signum() == 0
                        ? null
                        : fraction(balance, supply).toPlainString(),
                isContract(holder),
                tag);
    }

    private BigInteger balanceOf(String holder) {
        return reads.view(address, Signatures.BALANCE_OF + Abi.word(holder))
                .flatMap(r -> Abi.uint(r, 0))
                .orElse(BigInteger.ZERO);
    }

    private boolean isContract(String holder) {
        return !Abi.isZeroOrDead(holder) && !"0x".equals(reads.code(holder));
    }

    // ---- privileges

    private void privileges() {
        Bytecode logic = logic();
        Map<String, List<Signatures.Known>> byField = new LinkedHashMap<>();
        for (Signatures.Known known : Signatures.found(logic)) {
            byField.computeIfAbsent(known.field(), f -> new ArrayList<>()).add(known);
        }
        String controller = owner != null && !Abi.isZeroOrDead(owner) ? owner : null;
        // who may call each named privilege: the owner, a stranger, an address kept in storage
        Map<String, List<String>> evidence = new LinkedHashMap<>();
        Map<String, String> holderOf = new LinkedHashMap<>();
        List<Signatures.Known> callable = fit(
                byField.values().stream()
                        .flatMap(List::stream)
                        .filter(k -> !isView(k.signature()))
                        .toList(),
                2 + slotHolders.size(),
                "privileges: who may call each function");
        Map<Signatures.Known, Access> access = new LinkedHashMap<>();
        List<Access> probed = parallel(callable, known -> access(known, controller));
        for (int i = 0; i < callable.size(); i++) {
            access.put(callable.get(i), probed.get(i));
        }
        for (var entry : byField.entrySet()) {
            List<String> lines = evidence.computeIfAbsent(entry.getKey(), f -> new ArrayList<>());
            for (Signatures.Known known : entry.getValue()) {
                lines.add("selector " + known.selector() + " " + known.signature() + " in the "
                        + (logic == code ? "code" : "logic contract's code"));
                Access found = access.get(known);
                if (found == null) {
                    continue;
                }
                if (found.stranger()) {
                    lines.add("eth_call " + known.signature() + " from a stranger (" + STRANGER + ") succeeds");
                    holderOf.put(known.signature(), "anyone");
                    continue;
                }
                if (found.owner()) {
                    lines.add("eth_call " + known.signature() + " from the owner " + controller
                            + " succeeds; from a stranger it reverts");
                    holderOf.putIfAbsent(known.signature(), "owner");
                }
                for (String candidate : found.candidates()) {
                    lines.add("eth_call " + known.signature() + " from " + candidate + " (held in storage "
                            + slotHolders.get(candidate) + ") succeeds; from a stranger it reverts");
                    holderOf.put(known.signature(), candidate);
                }
            }
        }
        // functions the table does not name: what does the owner (or a stored address) make them do?
        List<String> hiddenMints = new ArrayList<>();
        List<String> balanceChanges = new ArrayList<>();
        List<String> callers = new ArrayList<>();
        if (controller != null) {
            callers.add(controller);
        }
        callers.addAll(slotHolders.keySet().stream()
                .filter(a -> !a.equalsIgnoreCase(controller == null ? "" : controller))
                .toList());
        if (isToken() && !callers.isEmpty() && !"erc1155".equals(standard)) {
            BigInteger before = balanceOf(victim == null ? OTHER : victim);
            List<String[]> trials = new ArrayList<>();
            for (String selector : logic.selectors()) {
                if (STANDARD.contains(selector) || isView(Signatures.name(selector))) {
                    continue;
                }
                for (String caller : callers.subList(0, Math.min(callers.size(), 3))) {
                    trials.add(new String[] {selector, caller});
                }
            }
            trials = fit(trials, 1, "privileges: functions simulated for hidden mints and balance changes");
            Map<String, BigInteger> balances = new HashMap<>();
            balances.put(victim(""), before);
            List<Optional<List<Evm.Simulated>>> runs = parallel(
                    trials,
                    trial -> reads.simulate(List.of(
                            new Evm.SimulatedCall(trial[1], address, arguments(trial[0])),
                            new Evm.SimulatedCall(null, address, Signatures.BALANCE_OF + Abi.word(victim(trial[1]))))));
            for (int t = 0; t < trials.size(); t++) {
                String selector = trials.get(t)[0];
                String caller = trials.get(t)[1];
                Optional<List<Evm.Simulated>> run = runs.get(t);
                if (run.isEmpty()) {
                    notDone.add("privileges: the node offers no eth_simulateV1, so functions that mint or "
                            + "change balances under other names were not looked for");
                    break;
                }
                Evm.Simulated first = run.get().get(0);
                if (!first.success()) {
                    continue;
                }
                String who = caller.equalsIgnoreCase(controller == null ? "" : controller)
                        ? "the owner " + caller
                        : caller + " (held in storage " + slotHolders.get(caller) + ")";
                for (Evm.Log log : first.logs()) {
                    if (log.topics().size() >= 3
                            && Signatures.TRANSFER_TOPIC.equals(log.topics().get(0))) {
                        String sender = "0x" + log.topics().get(1).substring(26);
                        if (Abi.ZERO_ADDRESS.equals(sender)) {
                            hiddenMints.add("simulating " + Signatures.name(selector) + " from " + who
                                    + " emits Transfer from 0x0 (a mint) of "
                                    + Abi.uint(log.data(), 0).orElse(null));
                            holderOf.putIfAbsent("mint", caller);
                        } else if (!sender.equalsIgnoreCase(caller)) {
                            balanceChanges.add("simulating " + Signatures.name(selector) + " from " + who
                                    + " moves tokens out of " + sender + ", which did not ask");
                            holderOf.putIfAbsent("balance", caller);
                        }
                    }
                }
                String target = victim(caller);
                BigInteger targetBefore = balances.computeIfAbsent(target, this::balanceOf);
                BigInteger after = Abi.uint(run.get().get(1).returnData(), 0).orElse(targetBefore);
                if (after.compareTo(targetBefore) < 0
                        || (first.logs().isEmpty() && after.compareTo(targetBefore) > 0)) {
                    balanceChanges.add("simulating " + Signatures.name(selector) + " from " + who
                            + " changes the balance of " + target + " from " + targetBefore + " to " + after
                            + (first.logs().isEmpty() ? " without a Transfer event" : ""));
                    holderOf.putIfAbsent("balance", caller);
                }
            }
        }
        boolean renounced = owner == null || Abi.isZeroOrDead(owner);
        String hidden = holderOf.values().stream()
                .filter(v -> v.startsWith("0x") && !v.equalsIgnoreCase(owner == null ? "" : owner))
                .findFirst()
                .orElse(null);

        flag(
                "is_mintable",
                byField,
                evidence,
                hiddenMints,
                "high",
                "Someone can create new tokens, diluting every holder.",
                "No way to mint was found.");
        flag(
                "owner_change_balance",
                byField,
                evidence,
                balanceChanges,
                "high",
                "Someone can take or rewrite holders' balances without their consent.",
                "No function that changes others' balances was found.");
        flag(
                "transfer_pausable",
                byField,
                evidence,
                List.of(),
                "medium",
                "Transfers (or trading) can be paused or must be enabled by a privileged account.",
                "Transfers cannot be paused.");
        flag(
                "is_blacklisted",
                byField,
                evidence,
                List.of(),
                "medium",
                "Addresses can be blocked from transferring.",
                "No blacklist was found.");
        flag(
                "is_whitelisted",
                byField,
                evidence,
                List.of(),
                "low",
                "Some addresses can be exempted from limits or fees.",
                "No whitelist or fee exemption was found.");
        flag(
                "slippage_modifiable",
                byField,
                evidence,
                List.of(),
                "medium",
                "The buy or sell tax can be changed after you buy.",
                "Its taxes cannot be changed.");
        flag(
                "is_anti_whale",
                byField,
                evidence,
                List.of(),
                "low",
                "Transactions or wallets are capped in size.",
                "No transaction or wallet cap was found.");
        flag(
                "trading_cooldown",
                byField,
                evidence,
                List.of(),
                "low",
                "Trades may be limited by a cooldown between them.",
                "No trading cooldown was found.");
        if (logic.selfdestruct() >= 0) {
            findings.add(new Finding(
                    "selfdestruct",
                    "1",
                    "high",
                    "The code can destroy itself (SELFDESTRUCT), taking the token with it where the chain allows.",
                    List.of("opcode SELFDESTRUCT (0xff) at code offset " + logic.selfdestruct())));
        } else {
            findings.add(new Finding(
                    "selfdestruct",
                    "0",
                    "none",
                    "The code cannot destroy itself.",
                    List.of("no SELFDESTRUCT opcode in the code")));
        }
        // a proxy delegates by design: is_proxy says so, and its logic is what the rest analyses
        if (proxy == null && code.delegatecall() >= 0) {
            findings.add(new Finding(
                    "delegatecall",
                    "1",
                    "medium",
                    "The code can run another contract's code on its own storage (DELEGATECALL).",
                    List.of("opcode DELEGATECALL (0xf4) at code offset " + code.delegatecall())));
        } else if (proxy == null) {
            findings.add(new Finding(
                    "delegatecall",
                    "0",
                    "none",
                    "The code never runs another contract's code on its own storage.",
                    List.of("no DELEGATECALL opcode in the code")));
        }
        List<String> ownerEvidence = new ArrayList<>();
        ownerEvidence.add(
                owner == null ? "owner() and getOwner() revert or are missing" : "eth_call owner() = " + owner);
        findings.add(new Finding(
                "hidden_owner",
                hidden == null ? "0" : "1",
                hidden == null ? "none" : "high",
                hidden == null
                        ? "No account besides the owner was found with the owner's powers."
                        : hidden + ", kept in the contract's storage, holds privileges although owner() says "
                                + (renounced ? "the contract is renounced" : owner) + ".",
                hidden == null ? ownerEvidence : evidenceFor(evidence, hiddenMints, balanceChanges, hidden)));
        List<Signatures.Known> takeBack = byField.getOrDefault("can_take_back_ownership", List.of());
        boolean canTakeBack = renounced && (hidden != null || !takeBack.isEmpty());
        List<String> takeBackEvidence = new ArrayList<>(ownerEvidence);
        takeBack.forEach(k -> takeBackEvidence.add("selector " + k.selector() + " " + k.signature() + " in the code"));
        if (hidden != null) {
            takeBackEvidence.add(hidden + " still holds privileges");
        }
        findings.add(new Finding(
                "can_take_back_ownership",
                canTakeBack ? "1" : "0",
                canTakeBack ? "high" : "none",
                canTakeBack
                        ? "Ownership looks renounced, but the contract can be controlled again."
                        : renounced
                                ? "Ownership is renounced and nothing was found that takes it back."
                                : "Ownership is not renounced: the owner keeps the owner's powers.",
                takeBackEvidence));
        if (byField.containsKey("upgradeable")) {
            findings.add(new Finding(
                    "upgradeable",
                    "1",
                    "medium",
                    (proxy == null ? "The contract" : "Its logic")
                            + " has upgrade functions: whoever may call them can " + "replace the code.",
                    evidence.get("upgradeable")));
        } else {
            findings.add(new Finding(
                    "upgradeable",
                    "0",
                    "none",
                    "No upgrade function was found.",
                    List.of("no known selector for it in the code")));
        }
    }

    /** Who a privileged function answers: a stranger, the owner, and which addresses kept in storage. */
    private record Access(boolean stranger, boolean owner, List<String> candidates) {}

    private Access access(Signatures.Known known, String controller) {
        String data = arguments(known.selector());
        if (reads.callFrom(STRANGER, address, data).isPresent()) {
            return new Access(true, false, List.of());
        }
        boolean byOwner =
                controller != null && reads.callFrom(controller, address, data).isPresent();
        List<String> candidates = new ArrayList<>();
        for (String candidate : slotHolders.keySet()) {
            if (!candidate.equalsIgnoreCase(controller == null ? "" : controller)
                    && reads.callFrom(candidate, address, data).isPresent()) {
                candidates.add(candidate);
            }
        }
        return new Access(false, byOwner, candidates);
    }

    /** As many of the items as the RPC budget still affords at {@code cost} requests each; says so when it cuts. */
    private <T> List<T> fit(List<T> items, int cost, String what) {
        int room = Math.max(0, (reads.budget() - reads.requests()) / Math.max(1, cost));
        if (items.size() <= room) {
            return items;
        }
        notDone.add(what + ": " + room + " of " + items.size() + " within the RPC budget of " + reads.budget()
                + " requests (families.analysis.rpc-budget)");
        return new ArrayList<>(items.subList(0, room));
    }

    /**
     * The work applied to each item on virtual threads, at most {@code rpc-concurrency} at once, in the items'
     * order; a failure of any is rethrown as it was.
     */
    private <T, R> List<R> parallel(List<T> items, Function<T, R> work) {
        if (items.size() <= 1 || settings.concurrency() <= 1) {
            return items.stream().map(work).toList();
        }
        Semaphore permits = new Semaphore(settings.concurrency());
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return work.apply(item);
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<R> results = new ArrayList<>();
            for (var future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ToolException("the analysis was interrupted");
                }
            }
            return results;
        }
    }

    private List<String> evidenceFor(
            Map<String, List<String>> evidence, List<String> mints, List<String> changes, String who) {
        List<String> lines = new ArrayList<>();
        evidence.values().forEach(l -> l.stream().filter(e -> e.contains(who)).forEach(lines::add));
        mints.stream().filter(e -> e.contains(who)).forEach(lines::add);
        changes.stream().filter(e -> e.contains(who)).forEach(lines::add);
        return lines;
    }

    private String victim(String caller) {
        return victim == null || victim.equalsIgnoreCase(caller) ? OTHER : victim;
    }

    private void flag(
            String field,
            Map<String, List<Signatures.Known>> byField,
            Map<String, List<String>> evidence,
            List<String> simulated,
            String risk,
            String yes,
            String no) {
        List<String> lines = new ArrayList<>(evidence.getOrDefault(field, List.of()));
        lines.addAll(simulated);
        boolean found = byField.containsKey(field) || !simulated.isEmpty();
        if (!found) {
            findings.add(new Finding(
                    field,
                    "0",
                    "none",
                    no,
                    List.of("no known selector for it in the code"
                            + (field.equals("is_mintable") || field.equals("owner_change_balance")
                                    ? ", and no simulated call from the owner or a stored address did it"
                                    : ""))));
            return;
        }
        boolean anyone = lines.stream().anyMatch(l -> l.contains("from a stranger ("));
        boolean someone = anyone || lines.stream().anyMatch(l -> l.contains("succeeds") || l.startsWith("simulating"));
        boolean renounced = owner == null || Abi.isZeroOrDead(owner);
        String level = someone || !renounced ? risk : "low";
        String note = anyone
                ? " Anyone can do it."
                : someone
                        ? ""
                        : renounced
                                ? " The function is there, but no account that can call it was found (the owner is renounced)."
                                : " The owner can do it.";
        findings.add(new Finding(field, "1", level, yes + note, lines));
    }

    private static boolean isView(String signature) {
        return signature.startsWith("is")
                || signature.endsWith("()")
                        && !signature.matches(
                                "(pause|unpause|enableTrading|openTrading|unlock|reclaimOwnership|claimOwnership|takeOwnership|"
                                        + "removeLimits)\\(\\)")
                || signature.startsWith("blacklisted(")
                || signature.startsWith("isBot(");
    }

    /** Call data for an unknown function: an address (the victim) and a large amount, then padding words. */
    private String arguments(String selector) {
        String target = victim == null ? OTHER : victim;
        return Abi.call(selector, Abi.word(target), Abi.word(MILLION), Abi.word(MILLION), Abi.word(BigInteger.ONE));
    }

    // ---- pools and trading

    private void pools() {
        if (!"erc20".equals(standard)) {
            return;
        }
        for (Pools.Pair found : Pools.find(reads, settings.routers(), address, notDone)) {
            String p = found.pair();
            String router = found.router();
            BigInteger reserve = found.tokenReserve();
            BigInteger quoteReserve = found.wethReserve();
            BigInteger lpSupply = reads.view(p, Signatures.TOTAL_SUPPLY)
                    .flatMap(r -> Abi.uint(r, 0))
                    .orElse(BigInteger.ZERO);
            List<Holder> lpHolders = lpHolders(p, lpSupply);
            BigDecimal burned = lpHolders.stream()
                    .filter(h -> Abi.isZeroOrDead(h.address()) && h.percent() != null)
                    .map(h -> new BigDecimal(h.percent()))
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            pools.add(new Pool(
                    router,
                    p,
                    found.weth(),
                    units(reserve, decimals == null ? 0 : decimals),
                    units(quoteReserve, 18),
                    lpSupply.toString(),
                    lpHolders,
                    burned.toPlainString()));
            pairs.add(found);
            findings.add(new Finding(
                    "lp_burned",
                    burned.toPlainString(),
                    burned.compareTo(new BigDecimal("0.9")) >= 0 ? "none" : "medium",
                    percent(burned) + " of the pool's LP tokens are burned; the rest can take the liquidity out.",
                    List.of("pair " + p + " from " + found.factory() + ".getPair; Transfer logs of the LP token and "
                            + "balanceOf of its holders")));
        }
        if (settings.routers().isEmpty()) {
            notDone.add("pools: no router is configured for " + reads.network() + " (families.analysis.evm."
                    + reads.network() + ".routers)");
        }
    }

    /** The latest block, read once per analysis so that every log scan ends at the same block. */
    private long latestBlock() {
        if (head < 0) {
            head = reads.blockNumber();
        }
        return head;
    }

    /** Net balances from a contract's Transfer logs, and the last block read (earlier than asked if the budget ran out). */
    private record Scan(Map<String, BigInteger> balances, long lastBlock) {}

    private Scan scan(String contract, long first, long latest, boolean countEach) {
        Map<String, BigInteger> balances = new HashMap<>();
        long read = first - 1;
        try {
            for (long from = first; from <= latest; from = read + 1) {
                long to = Math.min(latest, from + settings.logChunk() - 1);
                for (Evm.Log log : reads.logs(contract, Signatures.TRANSFER_TOPIC, from, to)) {
                    if (log.topics().size() < 3) {
                        continue;
                    }
                    BigInteger amount =
                            countEach ? BigInteger.ONE : Abi.uint(log.data(), 0).orElse(BigInteger.ZERO);
                    balances.merge("0x" + log.topics().get(1).substring(26), amount.negate(), BigInteger::add);
                    balances.merge("0x" + log.topics().get(2).substring(26), amount, BigInteger::add);
                }
                read = to;
            }
        } catch (Reads.OutOfBudget e) {
            notDone.add("logs of " + contract + ": " + e.getMessage() + " after block " + read);
        }
        return new Scan(balances, read);
    }

    private List<Holder> lpHolders(String pair, BigInteger lpSupply) {
        long latest = latestBlock();
        long first = Math.max(0, latest - settings.logWindow() + 1);
        Map<String, BigInteger> balances = scan(pair, first, latest, false).balances();
        List<Holder> lpHolders = new ArrayList<>();
        balances.entrySet().stream()
                .filter(e -> e.getValue().signum() > 0)
                .sorted(Map.Entry.<String, BigInteger>comparingByValue().reversed())
                .limit(5)
                .forEach(e -> {
                    BigInteger balance = reads.view(pair, Signatures.BALANCE_OF + Abi.word(e.getKey()))
                            .flatMap(r -> Abi.uint(r, 0))
                            .orElse(e.getValue());
                    lpHolders.add(new Holder(
                            reads.checksum(e.getKey()),
                            balance.toString(),
                            lpSupply.signum() == 0
                                    ? null
                                    : fraction(balance, lpSupply).toPlainString(),
                            isContract(e.getKey()),
                            Abi.isZeroOrDead(e.getKey()) ? "burned" : null));
                });
        return lpHolders;
    }

    private void trade() {
        if (pairs.isEmpty()) {
            if ("erc20".equals(standard)) {
                findings.add(new Finding(
                        "is_honeypot",
                        "unknown",
                        "none",
                        "No pool on the configured routers, so buying and selling could not be simulated.",
                        List.of("no pair of the token and the router's WETH()")));
            }
            return;
        }
        Pools.Pair pool = pairs.get(0);
        String router = pool.router();
        BigInteger quoteReserve = pool.wethReserve();
        BigInteger amountIn = quoteReserve.divide(BigInteger.valueOf(1000)).max(BigInteger.valueOf(1_000_000));
        String data = Abi.call(
                Signatures.selector("probe(address,address,uint256,address)"),
                Abi.word(router),
                Abi.word(address),
                Abi.word(amountIn),
                Abi.word(OTHER));
        String result = reads.callWithOverrides(
                PROBE,
                PROBE,
                data,
                Map.of(PROBE, new Evm.StateOverride(amountIn.multiply(BigInteger.TWO), settings.probeCode())));
        // probe returns one dynamic tuple: its offset, then 11 static words and two offsets
        int base = 1;
        boolean bought = flag(result, base);
        BigInteger expectedBuy = Abi.uint(result, base + 1).orElse(BigInteger.ZERO);
        BigInteger received = Abi.uint(result, base + 2).orElse(BigInteger.ZERO);
        boolean transferred = flag(result, base + 3);
        BigInteger sentOn = Abi.uint(result, base + 4).orElse(BigInteger.ZERO);
        BigInteger arrived = Abi.uint(result, base + 5).orElse(BigInteger.ZERO);
        boolean soldAll = flag(result, base + 6);
        boolean soldPart = flag(result, base + 7);
        BigInteger sold = Abi.uint(result, base + 8).orElse(BigInteger.ZERO);
        BigInteger expectedSell = Abi.uint(result, base + 9).orElse(BigInteger.ZERO);
        BigInteger gotBack = Abi.uint(result, base + 10).orElse(BigInteger.ZERO);
        String buyError = reason(Abi.bytesAt(result, base, 11));
        String sellError = reason(Abi.bytesAt(result, base, 12));
        String how = "simulated in one eth_call with state overrides: the trade probe at " + PROBE + " buys with "
                + units(amountIn, 18) + " of the pool's " + units(quoteReserve, 18) + " through " + router;
        if (!bought) {
            List<String> evidence = new ArrayList<>(List.of(how, "the buy reverted: " + buyError));
            // a pair reports only its own TRANSFER_FAILED: the token's own transfer out of the pair says why
            reads.revert(pool.pair(), address, Abi.call(Signatures.TRANSFER, Abi.word(PROBE), Abi.word(BigInteger.ONE)))
                    .ifPresent(why ->
                            evidence.add("the token's transfer out of the pair " + pool.pair() + " reverts: " + why));
            findings.add(new Finding("cannot_buy", "1", "high", "Buying through the pool fails.", evidence));
            findings.add(new Finding(
                    "is_honeypot",
                    "unknown",
                    "high",
                    "It cannot even be bought, so selling was not tried.",
                    List.of(how)));
            return;
        }
        findings.add(new Finding("cannot_buy", "0", "none", "It can be bought.", List.of(how)));
        BigDecimal buyTax = tax(received, expectedBuy);
        findings.add(new Finding(
                "buy_tax",
                buyTax.toPlainString(),
                taxRisk(buyTax),
                "A buy loses " + percent(buyTax) + " to the token's own fee.",
                List.of(how, "the pool promised " + expectedBuy + " (getAmountsOut), the probe received " + received)));
        if (transferred) {
            BigDecimal transferTax = tax(arrived, sentOn);
            findings.add(new Finding(
                    "transfer_tax",
                    transferTax.toPlainString(),
                    taxRisk(transferTax),
                    "A plain transfer loses " + percent(transferTax) + ".",
                    List.of("the probe sent " + sentOn + " to " + OTHER + ", which received " + arrived)));
        } else {
            findings.add(new Finding(
                    "transfer_pausable",
                    "1",
                    "high",
                    "A transfer between two holders fails right after a buy.",
                    List.of("the probe's transfer of " + sentOn + " to " + OTHER + " reverted")));
        }
        if (soldAll) {
            BigDecimal sellTax = tax(gotBack, expectedSell);
            findings.add(new Finding(
                    "sell_tax",
                    sellTax.toPlainString(),
                    taxRisk(sellTax),
                    "A sell loses " + percent(sellTax) + " to the token's own fee.",
                    List.of(
                            how,
                            "selling " + sold + " the pool promised " + expectedSell + ", the probe got " + gotBack)));
            findings.add(new Finding("cannot_sell_all", "0", "none", "The whole purchase can be sold.", List.of(how)));
            findings.add(new Finding("is_honeypot", "0", "none", "It can be bought and sold.", List.of(how)));
        } else if (soldPart) {
            findings.add(new Finding(
                    "cannot_sell_all",
                    "1",
                    "high",
                    "Selling everything fails, selling half works: holders cannot sell all they have.",
                    List.of(how, "selling all " + sold + " reverted: " + sellError, "selling half succeeded")));
            findings.add(new Finding("is_honeypot", "0", "medium", "Part of it can be sold.", List.of(how)));
        } else {
            findings.add(new Finding(
                    "is_honeypot",
                    "1",
                    "high",
                    "It can be bought but not sold: a honeypot.",
                    List.of(how, "selling " + sold + " reverted: " + sellError, "selling half reverted too")));
        }
    }

    private static boolean flag(String data, int index) {
        return Abi.uint(data, index).map(v -> v.signum() > 0).orElse(false);
    }

    /** A revert reason: Error(string) decoded, a custom error's selector, or the raw bytes. */
    static String reason(String data) {
        if (data == null || data.length() <= 2) {
            return "(no reason given)";
        }
        if (data.startsWith("0x08c379a0") && data.length() >= 10 + 128) {
            return Abi.text("0x" + data.substring(10)).map(s -> "\"" + s + "\"").orElse(data);
        }
        return data.length() > 74 ? data.substring(0, 74) + "…" : data;
    }

    /**
     * Whether a plain transfer calls other contracts: the transfer traced from a holder (debug_traceCall), else
     * whether the code has a CALL at all.
     */
    private void externalCalls() {
        if (!isToken() || holders.isEmpty() || "erc1155".equals(standard)) {
            return;
        }
        Holder holder =
                holders.stream().filter(h -> !h.isContract()).findFirst().orElse(null);
        Bytecode logic = logic();
        if (holder != null) {
            String data = Abi.call(Signatures.TRANSFER, Abi.word(OTHER), Abi.word(BigInteger.ONE));
            Optional<List<Evm.Frame>> trace = reads.trace(holder.address(), address, data);
            if (trace.isPresent()) {
                Set<String> own = new HashSet<>();
                own.add(address.toLowerCase(Locale.ROOT));
                if (proxy != null) {
                    proxy.implementations().forEach(i -> own.add(i.toLowerCase(Locale.ROOT)));
                }
                List<String> outside = trace.get().stream()
                        .skip(1)
                        .filter(f -> f.to() != null && !own.contains(f.to().toLowerCase(Locale.ROOT)))
                        .map(f -> f.type() + " " + f.to() + " "
                                + (f.input().length() >= 10
                                        ? Signatures.name(f.input().substring(0, 10))
                                        : "(no data)"))
                        .distinct()
                        .toList();
                List<String> evidence = new ArrayList<>();
                evidence.add("debug_traceCall of transfer(" + OTHER + ", 1) from the holder " + holder.address());
                evidence.addAll(
                        outside.stream().map(o -> "the transfer makes a " + o).toList());
                findings.add(new Finding(
                        "external_call",
                        outside.isEmpty() ? "0" : "1",
                        outside.isEmpty() ? "none" : "medium",
                        outside.isEmpty()
                                ? "A transfer calls no other contract."
                                : "A transfer calls other contracts, which can change what it does or make it fail.",
                        evidence));
                return;
            }
        }
        boolean calls = logic.call() >= 0;
        findings.add(new Finding(
                "external_call",
                calls ? "1" : "0",
                calls ? "low" : "none",
                calls
                        ? "The token's code can call other contracts (CALL); the node offers no tracing to say when."
                        : "The token's code calls no other contract.",
                List.of(calls ? "opcode CALL (0xf1) at code offset " + logic.call() : "no CALL opcode in the code")));
    }

    // ---- the source

    /** Whether the deployed code (the logic's, behind a proxy) is one of the compiled contracts. */
    private void source() {
        Bytecode deployed = logic();
        String target = proxy == null || proxy.implementations().isEmpty()
                ? address
                : proxy.implementations().get(0);
        String onChain = deployed.withoutMetadata().substring(2);
        List<String> evidence = new ArrayList<>();
        for (ContractSources.Compiled runtime : sources) {
            String compiled = new Bytecode(runtime.code()).withoutMetadata().substring(2);
            if (compiled.length() != onChain.length()) {
                evidence.add(runtime.name() + ": " + compiled.length() / 2 + " bytes compiled, " + onChain.length() / 2
                        + " on chain");
                continue;
            }
            char[] a = compiled.toCharArray();
            char[] b = onChain.toCharArray();
            for (List<Integer> range : runtime.immutables()) {
                for (int i = range.get(0) * 2; i < (range.get(0) + range.get(1)) * 2 && i < a.length; i++) {
                    a[i] = '0';
                    b[i] = '0';
                }
            }
            int differs = IntStream.range(0, a.length)
                    .filter(i -> a[i] != b[i])
                    .findFirst()
                    .orElse(-1);
            if (differs < 0) {
                findings.add(new Finding(
                        "source_matches",
                        "1",
                        "none",
                        "The code at " + target + " is the compiled " + runtime.name() + " (" + runtime.compiler()
                                + "), metadata aside: the source given is what runs.",
                        List.of("eth_getCode(" + target + ") without its CBOR metadata equals " + runtime.name()
                                + "'s runtime code" + (runtime.immutables().isEmpty() ? "" : ", immutables masked"))));
                return;
            }
            evidence.add(runtime.name() + ": same length, first difference at byte " + differs / 2);
        }
        findings.add(new Finding(
                "source_matches",
                "0",
                "medium",
                "The code at " + target + " is none of the contracts compiled from the source given: the source "
                        + "does not prove what runs (other compiler settings, or other code).",
                evidence));
    }

    // ---- the report

    private Report report(long now) {
        List<String> pairs = pools.stream().map(Pool::pair).toList();
        holders.replaceAll(h -> h.tag() == null && pairs.stream().anyMatch(p -> p.equalsIgnoreCase(h.address()))
                ? new Holder(h.address(), h.balance(), h.percent(), h.isContract(), "pool")
                : h);
        findings.sort(Comparator.comparingInt((Finding f) -> rank(f.risk())));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("is_contract", "1");
        fields.put("is_proxy", proxy == null ? "0" : "1");
        if (owner != null) {
            fields.put("owner_address", owner);
        }
        if (creation != null) {
            fields.put("creator_address", creation.creator());
        }
        for (Finding finding : findings) {
            fields.putIfAbsent(finding.field(), finding.value());
        }
        String risk = findings.isEmpty() ? "none" : findings.get(0).risk();
        StringBuilder summary = new StringBuilder();
        summary.append(name == null ? address : name + (symbol == null ? "" : " (" + symbol + ")"))
                .append(" on ")
                .append(reads.network())
                .append(": ")
                .append(isToken() ? standard.toUpperCase(Locale.ROOT) + " token" : "a contract that is not a token")
                .append(proxy == null ? "" : " behind a " + proxy.kind() + " proxy")
                .append(". ");
        List<Finding> risky = findings.stream().filter(f -> rank(f.risk()) <= 1).toList();
        if (risky.isEmpty()) {
            summary.append("No high or medium risk found.");
        } else {
            summary.append("Risks: ");
            summary.append(String.join(
                    " ",
                    risky.stream()
                            .map(f -> f.risk().toUpperCase(Locale.ROOT) + " " + f.field() + ": " + f.summary())
                            .toList()));
        }
        if (!notDone.isEmpty()) {
            summary.append(" Not done: ").append(String.join("; ", notDone)).append('.');
        }
        return new Report(
                reads.network(),
                address,
                standard,
                name,
                symbol,
                decimals,
                supply == null ? null : units(supply, decimals == null ? 0 : decimals),
                owner,
                creation == null ? null : creation.creator(),
                creation == null ? null : creation.transactionHash(),
                proxy,
                List.copyOf(findings),
                fields,
                List.copyOf(holders),
                holderCount,
                holdersComplete,
                logRange,
                List.copyOf(pools),
                risk,
                summary.toString(),
                List.copyOf(notDone),
                reads.requests(),
                reads.cached(),
                reads.budget(),
                now - started);
    }

    private static int rank(String risk) {
        return switch (risk) {
            case "high" -> 0;
            case "medium" -> 1;
            case "low" -> 2;
            default -> 3;
        };
    }

    private static BigDecimal tax(BigInteger got, BigInteger expected) {
        if (expected.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal lost =
                BigDecimal.ONE.subtract(new BigDecimal(got).divide(new BigDecimal(expected), 6, RoundingMode.HALF_UP));
        return lost.signum() < 0
                ? BigDecimal.ZERO
                : lost.setScale(4, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    private static String taxRisk(BigDecimal tax) {
        if (tax.compareTo(new BigDecimal("0.5")) >= 0) {
            return "high";
        }
        if (tax.compareTo(new BigDecimal("0.1")) >= 0) {
            return "medium";
        }
        return tax.compareTo(new BigDecimal("0.001")) > 0 ? "low" : "none";
    }

    private static BigDecimal fraction(BigInteger part, BigInteger whole) {
        return new BigDecimal(part)
                .divide(new BigDecimal(whole), 6, RoundingMode.HALF_UP)
                .stripTrailingZeros();
    }

    private static String percent(BigDecimal fraction) {
        return fraction.movePointRight(2)
                        .setScale(2, RoundingMode.HALF_UP)
                        .stripTrailingZeros()
                        .toPlainString() + "%";
    }

    static String units(BigInteger raw, int decimals) {
        return new BigDecimal(raw).movePointLeft(decimals).stripTrailingZeros().toPlainString();
    }
}
