package dev.hal9.api.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.FamilyContext;
import dev.hal9.api.Param;
import dev.hal9.api.Tool;
import dev.hal9.api.ToolFamily;
import dev.hal9.api.ToolKind;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A family reads the time from its context's clock, which a test moves instead of sleeping. */
class ClockTest {

    record Now(@Param("The family's time.") String now) {}

    static final class Timekeeper implements ToolFamily {
        @Override
        public String name() {
            return "timekeeper";
        }

        @Override
        public List<Tool<?, ?>> tools(FamilyContext context) {
            return List.of(Tool.builder("time_now", Tool.NoInput.class, Now.class)
                    .title("Now")
                    .description("The time as the family's clock says.")
                    .kind(ToolKind.READ_ONLY)
                    .capability("time")
                    .handler((input, call) -> new Now(context.clock().instant().toString()))
                    .build());
        }
    }

    @Test
    void aFamilyReadsTheClockTheKitWasGiven() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T00:00:00Z"));
        InstantSource clock = now::get;
        try (McpTestKit kit = McpTestKit.of(Map.of(), Duration.ofSeconds(30), clock, new Timekeeper())) {
            McpSyncClient client = kit.client("alice");
            assertThat(time(client)).isEqualTo("2026-12-01T00:00:00Z");
            now.set(now.get().plus(Duration.ofDays(2)));
            assertThat(time(client)).isEqualTo("2026-12-03T00:00:00Z");
        }
    }

    private static Object time(McpSyncClient client) {
        McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder()
                .name("time_now")
                .arguments(Map.of())
                .build());
        return ((Map<?, ?>) result.structuredContent()).get("now");
    }
}
