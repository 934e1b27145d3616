package dev.hal9.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hal9.api.Tool;
import dev.hal9.api.internal.Json;
import dev.hal9.api.internal.Schemas;
import dev.hal9.api.internal.ToolAdapter;
import io.modelcontextprotocol.json.schema.jackson3.DefaultJsonSchemaValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SDK checks every tool's schemas against the JSON Schema meta-schema when a server is built; hal9 skips that
 * check at start-up for the schemas it generates (Schemas.made), so it is made here, once, for every tool of every
 * family, offered or not.
 */
class ToolSchemasTest {

    @Test
    void everyToolsSchemasAreValidJsonSchema() throws Exception {
        Path data = Files.createTempDirectory("hal9-schemas");
        Settings settings = Settings.load(null, Map.of(), Map.of("data-dir", data.toString()));
        var validator = new DefaultJsonSchemaValidator(Json.MAPPER);
        try (Hal9 hal9 = new Hal9(settings, Map.of(), false)) {
            assertThat(hal9.declaredTools()).hasSizeGreaterThan(20);
            for (Tool<?, ?> tool : hal9.declaredTools()) {
                var described = ToolAdapter.describe(tool);
                for (Map<String, Object> schema : new Map[] {described.inputSchema(), described.outputSchema()}) {
                    assertThat(Schemas.made(schema)).as(tool.name()).isTrue();
                    var checked = validator.validateSchema(schema);
                    assertThat(checked.valid())
                            .as(tool.name() + ": " + checked.errorMessage())
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aSchemaHal9DidNotMakeIsStillChecked() {
        Map<String, Object> broken = Map.of("type", 42);
        assertThat(Schemas.made(broken)).isFalse();
        assertThat(ToolAdapter.schemaValidator().validateSchema(broken).valid()).isFalse();
    }
}
