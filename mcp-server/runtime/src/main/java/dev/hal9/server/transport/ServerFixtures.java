package dev.hal9.server.transport;

import io.modelcontextprotocol.modern.server.feature.McpAsyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpAsyncTool;
import io.modelcontextprotocol.modern.server.feature.McpChangeBroadcaster;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import java.time.InstantSource;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Tools, prompts, resources and completions declared at the MCP SDK level, beside hal9's own: the fixtures the
 * official conformance suite calls ({@code test_simple_text}, {@code test://static-text}, ...), served by
 * {@code serve --conformance-fixtures}. They are test code: the implementation lives in conformance-tests and is
 * found with {@link ServiceLoader} when its classes are on the server's class path; the shipped jar has none.
 */
public interface ServerFixtures {

    /** The 2025-11-25 era's tools. */
    List<AsyncToolSpecification> tools();

    List<AsyncResourceSpecification> resources();

    List<AsyncResourceTemplateSpecification> resourceTemplates();

    List<AsyncPromptSpecification> prompts();

    List<AsyncCompletionSpecification> completions();

    /** The 2026-07-28 era's tools that differ from the classic ones (input-required retries, list changes). */
    List<McpAsyncTool> modernTools(McpChangeBroadcaster changes);

    List<McpAsyncPrompt> modernPrompts();

    /**
     * The clock the server runs on under these fixtures: the system's, unless a test wants to move time (a quote's
     * expiry, say) instead of sleeping through it.
     */
    default InstantSource clock(InstantSource system) {
        return system;
    }

    /**
     * The fixtures on the class path.
     *
     * @throws IllegalArgumentException when there are none, with what to do about it
     */
    static ServerFixtures load() {
        return ServiceLoader.load(ServerFixtures.class)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--conformance-fixtures needs the conformance "
                        + "suite's fixtures, which are test code and not in this jar: put conformance-tests' "
                        + "target/test-classes on the class path (java -cp hal9.jar:DIR dev.hal9.server.cli.Main)"));
    }
}
