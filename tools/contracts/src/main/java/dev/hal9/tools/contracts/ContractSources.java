package dev.hal9.tools.contracts;

import dev.hal9.api.ToolCall;
import java.util.List;

/**
 * The contracts family's compiles for other families (the analysis family's check that deployed code is a given
 * source), published through {@link dev.hal9.api.FamilyContext#publish}. Compiles run in the family's solc-js worker.
 * Thread-safe.
 */
public interface ContractSources {

    /**
     * One compiled contract's runtime code.
     *
     * @param name the contract's name
     * @param code the runtime code (0x...), immutables as zeros
     * @param immutables byte ranges [start, length] of the code its constructor fills in
     * @param compiler the compiler, e.g. 0.8.37+commit....
     */
    record Compiled(String name, String code, List<List<Integer>> immutables, String compiler) {}

    /**
     * The deployable contracts of the caller's {@code ct_} handle, compiled as it last was (or now, with the optimizer
     * on and 200 runs, when it never was).
     *
     * @throws dev.hal9.api.ToolException when the handle is not the caller's, or the source does not compile
     */
    List<Compiled> compiled(ToolCall call, String handle);

    /**
     * Compiles one Solidity file (it may import {@code @openzeppelin/contracts/...}).
     *
     * @throws dev.hal9.api.ToolException saying the first error at file:line:column when it does not compile
     */
    List<Compiled> compile(String source, boolean optimize, int runs, String evmVersion);
}
