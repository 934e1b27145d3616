package dev.hal9.api.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Principal;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolException;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The wrapper every tool gets, seen through a real MCP client: schemas from records, annotations from kinds,
 * argument errors, capability checks, domain failures, timeouts and handles per principal.
 */
class ToolAdapterTest {

    enum Unit {
        CELSIUS,
        FAHRENHEIT
    }

    record ConvertInput(
            @Param(value = "Temperature to convert.", required = true, minimum = -273.15)
            Double value,

            @Param(value = "Unit of the result.", defaultValue = "\"fahrenheit\"")
            Unit to) {}

    record ConvertOutput(
            @Param("The converted temperature.") double value,
            @Param("Its unit.") Unit unit) {}

    record SleepInput(
            @Param(value = "Milliseconds to sleep.", required = true)
            Long millis) {}

    record Empty() {}

    record Minted(String handle, List<String> all) {}

    /** A family written for this test only: it exercises the SPI, it is not a tool anyone is offered. */
    static final class Fixtures implements ToolFamily {
        @Override
        public String name() {
            return "fixtures";
        }

        @Override
        public List<Tool<?, ?>> tools(FamilyContext context) {
            return List.of(
                    Tool.builder("units_convert", ConvertInput.class, ConvertOutput.class)
                            .title("Convert temperature")
                            .description("Convert a Celsius temperature.")
                            .kind(ToolKind.READ_ONLY)
                            .capability("units")
                            .handler((in, call) -> in.to() == Unit.CELSIUS
                                    ? new ConvertOutput(in.value(), Unit.CELSIUS)
                                    : new ConvertOutput(in.value() * 9 / 5 + 32, Unit.FAHRENHEIT))
                            .render(out -> out.value() + " " + out.unit())
                            .build(),
                    Tool.builder("units_sleep", SleepInput.class, Empty.class)
                            .title("Sleep")
                            .description("Fail with a domain error; with millis over 1000, only once the call is "
                                    + "ended (it never finishes by itself).")
                            .kind(ToolKind.ACTION)
                            .capability("units")
                            .handler((in, call) -> {
                                if (in.millis() > 1_000) {
                                    LONG_CALLS.release();
                                    new java.util.concurrent.CountDownLatch(1).await();
                                }
                                throw new ToolException("slept; now try units_convert");
                            })
                            .build(),
                    Tool.builder("units_count", SleepInput.class, Empty.class)
                            .title("Count")
                            .description("Count to three, reporting progress and logging.")
                            .kind(ToolKind.READ_ONLY)
                            .capability("units")
                            .handler((in, call) -> {
                                for (int i = 1; i <= 3; i++) {
                                    call.checkCancelled();
                                    call.progress(i, 3.0, "counted " + i);
                                    call.log("info", "step " + i);
                                }
                                return new Empty();
                            })
                            .build(),
                    Tool.builder("vault_mint", Tool.NoInput.class, Minted.class)
                            .title("Mint")
                            .description("Mint a handle.")
                            .kind(ToolKind.DESTRUCTIVE)
                            .capability("vault")
                            .handler((in, call) -> {
                                String handle = call.handles().mint("vt", "test");
                                return new Minted(
                                        handle,
                                        call.handles().list().stream()
                                                .map(info -> info.handle())
                                                .toList());
                            })
                            .build());
        }
    }

    /** Released when a call that never finishes by itself has started. */
    private static final java.util.concurrent.Semaphore LONG_CALLS = new java.util.concurrent.Semaphore(0);

    private McpTestKit kit;
    private McpSyncClient alice;
    /** The calls' timeout timer, which the tests advance instead of waiting 2 s. */
    private VirtualTimeScheduler timers;

    @BeforeEach
    void start() {
        timers = VirtualTimeScheduler.create();
        kit = McpTestKit.of(Map.of(), Duration.ofSeconds(2), InstantSource.system(), timers, new Fixtures());
        alice = kit.client("alice");
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void schemasAreGeneratedFromRecordsWithDescriptionsDefaultsAndEnums() {
        McpSchema.Tool convert = tool("units_convert");
        Map<String, Object> properties = cast(convert.inputSchema().get("properties"));
        Map<String, Object> value = cast(properties.get("value"));
        Map<String, Object> to = cast(properties.get("to"));
        assertThat(convert.inputSchema()).containsEntry("type", "object").containsEntry("additionalProperties", false);
        assertThat(convert.inputSchema().get("required")).isEqualTo(List.of("value"));
        assertThat(value)
                .containsEntry("description", "Temperature to convert.")
                .containsEntry("minimum", -273.15);
        assertThat(to).containsEntry("default", "fahrenheit").containsEntry("enum", List.of("celsius", "fahrenheit"));
        assertThat(convert.outputSchema()).containsKey("properties");
    }

    @Test
    void kindsMapToAnnotations() {
        assertThat(tool("units_convert").annotations().readOnlyHint()).isTrue();
        assertThat(tool("units_sleep").annotations().readOnlyHint()).isFalse();
        assertThat(tool("units_sleep").annotations().destructiveHint()).isFalse();
        assertThat(tool("vault_mint").annotations().destructiveHint()).isTrue();
    }

    @Test
    void resultCarriesStructuredContentAndText() {
        CallToolResult result = call(alice, "units_convert", Map.of("value", 100, "to", "fahrenheit"));
        assertThat(result.isError()).isFalse();
        assertThat(result.structuredContent()).isEqualTo(Map.of("value", 212.0, "unit", "fahrenheit"));
        assertThat(text(result)).isEqualTo("212.0 FAHRENHEIT");
    }

    @Test
    void argumentsOutsideTheSchemaAreActionableErrors() {
        assertThat(text(call(alice, "units_convert", Map.of("value", "hot")))).contains("invalid arguments", "value");
        assertThat(text(call(alice, "units_convert", Map.of()))).contains("invalid arguments", "value");
        assertThat(text(call(alice, "units_convert", Map.of("value", 1, "colour", "red"))))
                .contains("invalid arguments", "colour");
        assertThat(text(call(alice, "units_convert", Map.of("value", -300)))).contains("invalid arguments");
        assertThat(call(alice, "units_convert", Map.of("value", "hot")).isError())
                .isTrue();
    }

    @Test
    void domainFailuresAndTimeoutsBecomeErrorResults() throws Exception {
        CallToolResult failed = call(alice, "units_sleep", Map.of("millis", 1));
        assertThat(failed.isError()).isTrue();
        assertThat(text(failed)).isEqualTo("slept; now try units_convert");

        java.util.concurrent.CompletableFuture<CallToolResult> call =
                java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> call(alice, "units_sleep", Map.of("millis", 10_000)));
        assertThat(LONG_CALLS.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS))
                .as("the call runs")
                .isTrue();
        assertThat(call).isNotDone();
        timers.advanceTimeBy(Duration.ofSeconds(2));
        CallToolResult timedOut = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(timedOut.isError()).isTrue();
        assertThat(text(timedOut)).contains("did not finish within 2 s");
        // the session still serves calls afterwards
        assertThat(call(alice, "units_convert", Map.of("value", 0)).isError()).isFalse();
    }

    @Test
    void progressAndLogsReachTheClientInOrder() {
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        List<McpSchema.LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();
        // the async client runs its consumers in arrival order (the sync one gives each its own worker)
        McpAsyncClient carol = kit.asyncClient(
                Principal.local("carol"), spec -> spec.progressConsumer(p -> Mono.fromRunnable(() -> progress.add(p)))
                        .loggingConsumer(l -> Mono.fromRunnable(() -> logs.add(l))));
        CallToolResult result = carol.callTool(McpSchema.CallToolRequest.builder()
                        .name("units_count")
                        .arguments(Map.of("millis", 1))
                        .progressToken("count-1")
                        .build())
                .block(Duration.ofSeconds(30));
        assertThat(result.isError()).isFalse();
        assertThat(progress)
                .extracting(McpSchema.ProgressNotification::progress)
                .containsExactly(1.0, 2.0, 3.0);
        assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("count-1"));
        assertThat(logs)
                .extracting(McpSchema.LoggingMessageNotification::data)
                .containsSubsequence("step 1", "step 2", "step 3");

        // without a progress token the tool runs the same and nothing is sent
        progress.clear();
        CallToolResult plain = carol.callTool(new CallToolRequest("units_count", Map.of("millis", 1)))
                .block(Duration.ofSeconds(30));
        assertThat(plain.isError()).isFalse();
        assertThat(progress).isEmpty();
    }

    @Test
    void capabilitiesAreCheckedPerCall() {
        McpSyncClient limited = kit.client(new Principal("bob", Set.of("units")));
        assertThat(call(limited, "units_convert", Map.of("value", 0)).isError()).isFalse();
        CallToolResult denied = call(limited, "vault_mint", Map.of());
        assertThat(denied.isError()).isTrue();
        assertThat(text(denied)).contains("'vault' capability");
    }

    @Test
    void handlesBelongToTheirPrincipal() {
        McpSyncClient bob = kit.client("bob");
        Map<String, Object> alices = cast(call(alice, "vault_mint", Map.of()).structuredContent());
        String aliceHandle = (String) alices.get("handle");
        assertThat(aliceHandle).startsWith("vt_").hasSize(15);
        Map<String, Object> bobs = cast(call(bob, "vault_mint", Map.of()).structuredContent());
        assertThat(bobs.get("all")).asList().doesNotContain(aliceHandle).hasSize(1);
    }

    private McpSchema.Tool tool(String name) {
        return alice.listTools().tools().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new CallToolRequest(tool, arguments));
    }

    private static String text(CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        return (Map<String, Object>) value;
    }
}
