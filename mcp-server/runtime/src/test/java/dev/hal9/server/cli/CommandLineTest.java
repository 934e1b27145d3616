package dev.hal9.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The hal9 command line in this JVM: what a person who mistyped something reads. */
class CommandLineTest {

    /** Issue 13, item 10: the usage after a refused argument was headed "Usage: serve", not "hal9 serve". */
    @Test
    void usageAfterARefusedArgumentNamesTheWholeCommand() {
        Run serve = run("serve", "--stdio", "--http", "127.0.0.1:1");
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.err()).startsWith("choose --stdio or --http, not both").contains("Usage: hal9 serve ");
        Run token = run("token", "create", "--principal", " ");
        assertThat(token.err()).contains("Usage: hal9 token create ");
        Run payments = run("payments", "--all");
        assertThat(payments.err()).contains("Usage: hal9 payments ");
    }

    /**
     * Issue 13, item 10: a configuration error printed a Java stack trace. It is one line per problem, each starting
     * with "hal9:", and the command exits with 2 before anything starts.
     */
    @Test
    void aConfigurationErrorIsOneLinePerProblemAndNoStackTrace() throws Exception {
        Path home = Files.createTempDirectory("hal9-cli");
        Path file = Files.writeString(
                home.resolve("hal9.yaml"), "server:\n  prot: 9000\ntools:\n  timeout-seconds: soon\n");
        Run tools = run(
                "tools",
                "--config",
                file.toString(),
                "--data-dir",
                home.resolve("data").toString());
        assertThat(tools.err().lines())
                .containsExactly(
                        "hal9: unknown setting server.prot in " + file
                                + "; did you mean server.port?; hal9-defaults.yaml and the families' family-defaults.yaml list every setting",
                        "hal9: tools.timeout-seconds is 'soon' (set in " + file
                                + "); it must be a whole number, like its default 120");
        assertThat(tools.exit()).isEqualTo(2);
        assertThat(Files.exists(home.resolve("data"))).as("nothing started").isFalse();
    }

    /**
     * A plain serve line skips picocli (Main.Serve.serveLine): every line it reads, picocli reads alike, and every
     * line it hands on is one it cannot read exactly (picocli then answers it, with its usage on an error).
     */
    @Test
    void aPlainServeLineIsReadAsPicocliReadsIt() {
        String[][] read = {
            {"serve", "--stdio"},
            {"serve", "--stdio", "--data-dir", "/tmp/hal9 data"},
            {"serve", "--data-dir=/tmp/d", "--stdio", "-v"},
            {"serve", "--stdio", "--config", "conf/hal9.yaml", "--verbose", "--conformance-fixtures"},
            {"serve", "--config=/etc/hal9.yaml", "--stdio"},
            {"serve"},
            {"serve", "--data-dir", "/tmp/d"},
            {"serve", "--http", "127.0.0.1:0"},
            {"serve", "--http=8931", "--auth", "token"},
            {"serve", "--http", "localhost:65535", "--auth=OAuth", "-v", "--conformance-fixtures"},
        };
        for (String[] line : read) {
            Main.Serve fast = Main.Serve.serveLine(line);
            assertThat(fast).as(String.join(" ", line)).isNotNull();
            CommandLine picocli = Main.commandLine(line);
            Main.Serve parsed = picocli.parseArgs(line)
                    .subcommand()
                    .commandSpec()
                    .commandLine()
                    .getCommand();
            assertThat(List.of(fast.stdio, fast.common.verbose, fast.conformanceFixtures))
                    .as(String.join(" ", line))
                    .isEqualTo(List.of(parsed.stdio, parsed.common.verbose, parsed.conformanceFixtures));
            assertThat(java.util.Arrays.asList(fast.common.dataDir, fast.common.config, fast.http, fast.auth))
                    .as(String.join(" ", line))
                    .isEqualTo(java.util.Arrays.asList(
                            parsed.common.dataDir, parsed.common.config, parsed.http, parsed.auth));
        }
        String[][] handedOn = {
            {"serve", "--stdio", "--help"},
            {"serve", "--help"},
            {"serve", "--http"},
            {"serve", "--http", "127.0.0.1:65536"},
            {"serve", "--http", "[::1]:8931"},
            {"serve", "--http", "-1"},
            {"serve", "--http", "127.0.0.1:"},
            {"serve", "--auth", "bearer"},
            {"serve", "--auth", "--http", "1"},
            {"serve", "--http", "1", "--http", "2"},
            {"serve", "--stdio", "--http", "127.0.0.1:1"},
            {"serve", "--stdio", "--data-dir"},
            {"serve", "--stdio", "--data-dir", "--verbose"},
            {"serve", "--stdio", "--data-dir="},
            {"serve", "--stdio", "--stdio"},
            {"serve", "--stdio", "--data-dir", "a", "--data-dir", "b"},
            {"serve", "--stdio=true"},
            {"serve", "--stdio", "extra"},
            {"tools", "--stdio"},
        };
        for (String[] line : handedOn) {
            assertThat(Main.Serve.serveLine(line)).as(String.join(" ", line)).isNull();
        }
        Run twice = run("serve", "--stdio", "--data-dir", "a", "--data-dir", "b");
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("--data-dir").contains("Usage: hal9 serve ");
    }

    private record Run(int exit, String err) {}

    private static Run run(String... arguments) {
        StringWriter err = new StringWriter();
        CommandLine command = Main.commandLine();
        command.setErr(new PrintWriter(err, true));
        command.setOut(new PrintWriter(new StringWriter(), true));
        int exit = command.execute(arguments);
        return new Run(exit, err.toString());
    }
}
