package dev.hal9.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;

/**
 * Malformed and hostile JSON-RPC messages, generated from a fixed seed so a failure can be replayed. Every
 * message either is not valid JSON-RPC or is a request (it has a usable id or none at all), so a correct
 * server answers each one: with a JSON-RPC error, or with a tool result flagged {@code isError}.
 */
final class BadMessages {

    /**
     * One message.
     *
     * @param kind the family it comes from, for failure messages
     * @param body the text sent
     */
    record Case(String kind, String body) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final List<String> VALID = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"server_info\",\"arguments\":{}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{}}",
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"info\"}}");

    private static final List<String> KNOWN_METHODS = List.of(
            "tools/call",
            "tools/list",
            "logging/setLevel",
            "resources/read",
            "resources/list",
            "prompts/get",
            "prompts/list",
            "completion/complete",
            "resources/subscribe",
            "initialize");

    private static final List<String> BAD_VALUES = List.of(
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1.5",
            "1e309",
            "\"\"",
            "\"x\"",
            "[]",
            "[1,2]",
            "{}",
            "{\"a\":{}}",
            "\"\\u0000\"",
            "\"\\ud800\"",
            "\"" + "z".repeat(5_000) + "\"");

    private static final List<String> NOT_EMPTY = BAD_VALUES.stream()
            .filter(value -> !value.equals("null") && !value.equals("{}"))
            .toList();

    private BadMessages() {}

    /** {@code count} messages, cycling through the families. */
    static List<Case> generate(long seed, int count) {
        Random random = new Random(seed);
        List<Case> cases = new ArrayList<>(count);
        int family = 0;
        while (cases.size() < count) {
            Case next =
                    switch (family++ % 7) {
                        case 0 -> brokenJson(random);
                        case 1 -> wrongShape(random);
                        case 2 -> unknownMethod(random);
                        case 3 -> wrongParams(random);
                        case 4 -> wrongId(random);
                        case 5 -> huge(random);
                        default -> toolArguments(random);
                    };
            if (next != null) {
                cases.add(next);
            }
        }
        return cases;
    }

    private static Case brokenJson(Random random) {
        String valid = VALID.get(random.nextInt(VALID.size()));
        String body =
                switch (random.nextInt(6)) {
                    case 0 -> valid.substring(0, 1 + random.nextInt(valid.length() - 2));
                    case 1 -> valid.replace('"', '\'');
                    case 2 -> valid.replace("}", ",}");
                    case 3 -> valid + "}";
                    case 4 -> randomText(random, 1 + random.nextInt(200));
                    default -> "{\"jsonrpc\":\"2.0\",\"id\":" + random.nextInt(1000) + ",\"method\":NaN}";
                };
        return parses(body) ? null : new Case("broken JSON", body);
    }

    private static Case wrongShape(Random random) {
        String body =
                switch (random.nextInt(10)) {
                    case 0 -> "[" + VALID.get(random.nextInt(VALID.size())) + "]";
                    case 1 -> "[]";
                    case 2 -> BAD_VALUES.get(random.nextInt(BAD_VALUES.size()));
                    case 3 -> "{\"id\":" + random.nextInt(100) + ",\"method\":\"tools/list\"}";
                    case 4 -> "{\"jsonrpc\":\"1.0\",\"id\":" + random.nextInt(100) + ",\"method\":\"tools/list\"}";
                    case 5 -> "{\"jsonrpc\":2.0,\"id\":" + random.nextInt(100) + ",\"method\":\"tools/list\"}";
                    case 6 ->
                        "{\"jsonrpc\":\"2.0\",\"id\":" + random.nextInt(100) + ",\"method\":"
                                + pick(random, "1", "null", "[]", "{}", "true") + "}";
                    case 7 ->
                        "{\"jsonrpc\":\"2.0\",\"id\":" + random.nextInt(100) + ",\"method\":\"tools/list\",\"params\":"
                                + pick(random, "[]", "\"x\"", "5", "true", "[{}]") + "}";
                    case 8 -> "{\"jsonrpc\":\"2.0\",\"id\":" + random.nextInt(100) + "}";
                    default -> "{\"jsonrpc\":\"2.0\"}";
                };
        return new Case("wrong JSON-RPC shape", body);
    }

    private static Case unknownMethod(Random random) {
        String method =
                switch (random.nextInt(5)) {
                    case 0 -> randomWord(random) + "/" + randomWord(random);
                    case 1 -> "";
                    case 2 -> "tools/" + randomWord(random);
                    case 3 -> "x".repeat(10_000 + random.nextInt(10_000));
                    default -> "rpc." + randomWord(random);
                };
        return new Case("unknown method", request(random, JSON.writeValueAsString(method), "{}"));
    }

    private static Case wrongParams(Random random) {
        String method = KNOWN_METHODS.get(random.nextInt(KNOWN_METHODS.size()));
        String field = pick(
                random,
                "name",
                "arguments",
                "uri",
                "level",
                "ref",
                "argument",
                "cursor",
                "protocolVersion",
                "capabilities",
                "clientInfo");
        String value = BAD_VALUES.get(random.nextInt(BAD_VALUES.size()));
        if (method.equals("tools/list") || method.equals("resources/list") || method.equals("prompts/list")) {
            // listing methods take only a cursor; a wrong cursor is the only way to get them wrong
            return new Case("wrong params", request(random, "\"" + method + "\"", "{\"cursor\":" + value + "}"));
        }
        return new Case("wrong params", request(random, "\"" + method + "\"", "{\"" + field + "\":" + value + "}"));
    }

    private static Case wrongId(Random random) {
        String id = pick(random, "{}", "[]", "true", "1.5", "{\"a\":1}", "[1]", "false");
        return new Case("wrong id", "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/list\"}");
    }

    private static Case huge(Random random) {
        String body =
                switch (random.nextInt(4)) {
                    case 0 ->
                        request(
                                random,
                                "\"tools/call\"",
                                "{\"name\":\"server_info\",\"arguments\":{\"blob\":\""
                                        + "a".repeat(200_000 + random.nextInt(800_000)) + "\"}}");
                    case 1 -> "[".repeat(3_000 + random.nextInt(5_000)) + "]".repeat(10);
                    case 2 ->
                        request(
                                random,
                                "\"tools/call\"",
                                "{\"name\":\"server_info\",\"arguments\":{\"list\":[" + "1,".repeat(50_000) + "1]}}");
                    default -> request(random, "\"tools/call\"", "{\"name\":\"" + "n".repeat(100_000) + "\"}");
                };
        return new Case("huge", body);
    }

    private static Case toolArguments(Random random) {
        String arguments =
                switch (random.nextInt(5)) {
                    case 0 ->
                        "{\"" + randomWord(random) + "\":" + BAD_VALUES.get(random.nextInt(BAD_VALUES.size())) + "}";
                    // null and {} are absent and empty arguments, which a tool without parameters accepts
                    case 1 -> NOT_EMPTY.get(random.nextInt(NOT_EMPTY.size()));
                    case 2 -> "{\"__proto__\":{\"admin\":true}}";
                    case 3 -> "{\"$ref\":\"file:///etc/passwd\"}";
                    default -> "{\"a\":" + "{\"a\":".repeat(200) + "1" + "}".repeat(200) + "}";
                };
        String name = pick(random, "server_info", "no_such_tool", "", "SERVER_INFO", "server_info ", "../server_info");
        return new Case(
                "tool arguments",
                request(
                        random,
                        "\"tools/call\"",
                        "{\"name\":" + JSON.writeValueAsString(name) + ",\"arguments\":" + arguments + "}"));
    }

    private static String request(Random random, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + (1000 + random.nextInt(1_000_000)) + ",\"method\":" + method
                + ",\"params\":" + params + "}";
    }

    private static boolean parses(String text) {
        try {
            JSON.readTree(text);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String pick(Random random, String... values) {
        return values[random.nextInt(values.length)];
    }

    private static String randomWord(Random random) {
        StringBuilder word = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int i = 0; i < length; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        return word.toString();
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        String alphabet = "{}[]\":,\\ abcxyz0123456789.-+eE\t€ü";
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString().replace("\n", " ");
    }
}
