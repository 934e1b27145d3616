package dev.hal9.agent;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every agent command takes: where its settings and data are, and how much it logs. */
final class AgentOptions {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A hal9.yaml to use instead of ./hal9.yaml or $XDG_CONFIG_HOME/hal9/hal9.yaml.")
    Path config;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where hal9's data lives (default $XDG_DATA_HOME/hal9); the agent keeps its own in agent/.")
    Path dataDir;

    @Option(
            names = {"-v", "--verbose"},
            description = "Log debug detail to stderr.")
    boolean verbose;

    /** The settings these options give, for {@link AgentSettings#load}. */
    Map<String, String> overrides() {
        Map<String, String> overrides = new HashMap<>();
        if (dataDir != null) {
            overrides.put("data-dir", dataDir.toString());
        }
        return overrides;
    }
}
