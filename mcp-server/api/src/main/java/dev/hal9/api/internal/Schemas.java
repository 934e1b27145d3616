package dev.hal9.api.internal;

import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import dev.hal9.api.Param;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * JSON Schema 2020-12 for tool input and output records, generated from the records and their {@link Param}
 * annotations, never written by hand. Thread-safe; schemas are cached per type.
 */
public final class Schemas {

    private static final SchemaGenerator GENERATOR = new SchemaGenerator(config());
    private static final Map<Class<?>, Map<String, Object>> CACHE = new ConcurrentHashMap<>();

    private Schemas() {}

    /** The schema of a record type as a JSON object in map form. */
    public static Map<String, Object> of(Class<?> type) {
        return CACHE.computeIfAbsent(type, Schemas::generate);
    }

    private static Map<String, Object> generate(Class<?> type) {
        ObjectNode schema = GENERATOR.generateSchema(type);
        schema.remove("$schema");
        lowerCaseEnums(schema);
        if (!schema.has("properties")) {
            schema.putObject("properties");
        }
        return Json.MAPPER.convertValue(schema, new TypeReference<Map<String, Object>>() {});
    }

    /** Enums travel in lower case (see {@link Json}); the schema says so too. */
    private static void lowerCaseEnums(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode values = object.get("enum");
            if (values instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    if (array.get(i).isString()) {
                        array.set(i, StringNode.valueOf(array.get(i).asString().toLowerCase(java.util.Locale.ROOT)));
                    }
                }
            }
            object.values().forEach(Schemas::lowerCaseEnums);
        } else if (node instanceof ArrayNode array) {
            array.forEach(Schemas::lowerCaseEnums);
        }
    }

    private static com.github.victools.jsonschema.generator.SchemaGeneratorConfig config() {
        var builder = new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                .with(Option.FLATTENED_ENUMS)
                .without(Option.SCHEMA_VERSION_INDICATOR);
        var fields = builder.forFields();
        fields.withDescriptionResolver(
                field -> param(field) == null ? null : param(field).value());
        fields.withRequiredCheck(field -> param(field) != null && param(field).required()
                || field.getType().getErasedType().isPrimitive());
        fields.withDefaultResolver(field -> {
            Param param = param(field);
            return param == null || param.defaultValue().isEmpty() ? null : Json.MAPPER.readTree(param.defaultValue());
        });
        fields.withStringFormatResolver(
                field -> text(param(field) == null ? "" : param(field).format()));
        fields.withStringPatternResolver(
                field -> text(param(field) == null ? "" : param(field).pattern()));
        fields.withStringMaxLengthResolver(
                field -> param(field) == null || param(field).maxLength() < 0
                        ? null
                        : param(field).maxLength());
        fields.withNumberInclusiveMinimumResolver(
                field -> param(field) == null ? null : decimal(param(field).minimum()));
        fields.withNumberInclusiveMaximumResolver(
                field -> param(field) == null ? null : decimal(param(field).maximum()));
        return builder.build();
    }

    private static Param param(FieldScope field) {
        // a list's items share the field's annotations; the description belongs to the list alone
        return field.isFakeContainerItemScope() ? null : field.getAnnotationConsideringFieldAndGetter(Param.class);
    }

    private static String text(String value) {
        return value.isEmpty() ? null : value;
    }

    private static BigDecimal decimal(double value) {
        return Double.isNaN(value) ? null : BigDecimal.valueOf(value).stripTrailingZeros();
    }
}
