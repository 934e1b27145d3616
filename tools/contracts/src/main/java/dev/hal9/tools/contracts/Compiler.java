package dev.hal9.tools.contracts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Compiles a contract's sources through the {@link SolcWorker} with solc's standard JSON, and reads the output into
 * artifacts and located messages. Imports of {@code @openzeppelin/contracts/...} are resolved by the worker.
 */
final class Compiler {

    private final SolcWorker worker;

    Compiler(SolcWorker worker) {
        this.worker = worker;
    }

    /** Optimizer and EVM settings; null evmVersion means solc's default. */
    record Settings(boolean optimize, int runs, String evmVersion) {
        static final Settings DEFAULT = new Settings(true, 200, null);
    }

    /** A compiler error or warning, located in the submitted files where it can be. Lines and columns from 1. */
    record Message(
            String severity, String type, String code, String message, String file, Integer line, Integer column) {

        String located() {
            return (file == null ? "" : file + (line == null ? "" : ":" + line + ":" + column) + ": ") + severity
                    + (code == null ? "" : " " + code) + ": " + message;
        }
    }

    /**
     * One compiled contract of the submitted files.
     *
     * @param immutables byte ranges [start, length] of the runtime code that the constructor fills in
     */
    record Artifact(
            String name,
            String file,
            String kind,
            List<Map<String, Object>> abi,
            String bytecode,
            String deployedBytecode,
            List<List<Integer>> immutables) {

        boolean deployable() {
            return "contract".equals(kind) && bytecode.length() > 2;
        }
    }

    /** What a compile produced. {@code asts} holds the submitted files' ASTs when they were asked for. */
    record Result(
            boolean ok,
            String compiler,
            Settings settings,
            List<Artifact> artifacts,
            List<Message> errors,
            List<Message> warnings,
            Map<String, JsonNode> asts) {}

    Result compile(Map<String, String> sources, Settings settings, boolean withAst) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("language", "Solidity");
        Map<String, Object> files = new LinkedHashMap<>();
        sources.forEach((name, content) -> files.put(name, Map.of("content", content)));
        input.put("sources", files);
        Map<String, Object> solcSettings = new LinkedHashMap<>();
        solcSettings.put("optimizer", Map.of("enabled", settings.optimize(), "runs", settings.runs()));
        if (settings.evmVersion() != null) {
            solcSettings.put("evmVersion", settings.evmVersion());
        }
        Map<String, Object> selection = new LinkedHashMap<>();
        for (String name : sources.keySet()) {
            Map<String, Object> perFile = new LinkedHashMap<>();
            perFile.put(
                    "*",
                    List.of(
                            "abi",
                            "evm.bytecode.object",
                            "evm.deployedBytecode.object",
                            "evm.deployedBytecode.immutableReferences"));
            if (withAst) {
                perFile.put("", List.of("ast"));
            }
            selection.put(name, perFile);
        }
        solcSettings.put("outputSelection", selection);
        input.put("settings", solcSettings);

        JsonNode output = worker.compile(input);
        List<Message> errors = new ArrayList<>();
        List<Message> warnings = new ArrayList<>();
        for (JsonNode error : output.path("errors")) {
            Message message = message(error, sources);
            (message.severity().equals("error") ? errors : warnings).add(message);
        }
        List<Artifact> artifacts = new ArrayList<>();
        Map<String, JsonNode> asts = new LinkedHashMap<>();
        if (errors.isEmpty()) {
            for (String file : sources.keySet()) {
                JsonNode ast = output.path("sources").path(file).path("ast");
                Map<String, String> kinds = kinds(ast);
                if (withAst) {
                    asts.put(file, ast);
                }
                output.path("contracts").path(file).properties().forEach(entry -> {
                    JsonNode compiled = entry.getValue();
                    List<List<Integer>> immutables = new ArrayList<>();
                    compiled.path("evm")
                            .path("deployedBytecode")
                            .path("immutableReferences")
                            .forEach(references -> references.forEach(r -> immutables.add(List.of(
                                    r.path("start").asInt(), r.path("length").asInt()))));
                    artifacts.add(new Artifact(
                            entry.getKey(),
                            file,
                            kinds.getOrDefault(entry.getKey(), "contract"),
                            Json.list(compiled.path("abi")),
                            "0x"
                                    + compiled.path("evm")
                                            .path("bytecode")
                                            .path("object")
                                            .asString(""),
                            "0x"
                                    + compiled.path("evm")
                                            .path("deployedBytecode")
                                            .path("object")
                                            .asString(""),
                            immutables));
                });
            }
        }
        return new Result(errors.isEmpty(), worker.versions().get("solc"), settings, artifacts, errors, warnings, asts);
    }

    /** contract, abstract, interface or library, by contract name, from a file's AST. */
    private static Map<String, String> kinds(JsonNode ast) {
        Map<String, String> kinds = new LinkedHashMap<>();
        for (JsonNode node : ast.path("nodes")) {
            if ("ContractDefinition".equals(node.path("nodeType").asString(""))) {
                String kind = node.path("contractKind").asString("contract");
                kinds.put(node.path("name").asString(), node.path("abstract").asBoolean(false) ? "abstract" : kind);
            }
        }
        return kinds;
    }

    private static Message message(JsonNode error, Map<String, String> sources) {
        String severity = error.path("severity").asString("error");
        JsonNode location = error.path("sourceLocation");
        String file = location.path("file").asString(null);
        Integer line = null;
        Integer column = null;
        if (file != null && sources.containsKey(file) && location.has("start")) {
            int[] position = position(sources.get(file), location.path("start").asInt());
            line = position[0];
            column = position[1];
        }
        String code = error.path("errorCode").asString(null);
        return new Message(
                severity,
                error.path("type").asString(""),
                code,
                error.path("message").asString(""),
                file,
                line,
                column);
    }

    /** Line and column (from 1) of a byte offset into a source, as solc counts them (UTF-8 bytes). */
    static int[] position(String source, int byteOffset) {
        byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
        int line = 1;
        int lineStart = 0;
        int end = Math.min(Math.max(byteOffset, 0), bytes.length);
        for (int i = 0; i < end; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = new String(bytes, lineStart, end - lineStart, StandardCharsets.UTF_8).length() + 1;
        return new int[] {line, column};
    }
}
