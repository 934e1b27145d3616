package dev.hal9.tools.contracts;

import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The family's JSON mapper and a few conversions. */
final class Json {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    static List<Map<String, Object>> list(JsonNode array) {
        return MAPPER.convertValue(array, new TypeReference<List<Map<String, Object>>>() {});
    }

    static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    static <T> T read(String json, Class<T> type) {
        return MAPPER.readValue(json, type);
    }

    static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }
}
