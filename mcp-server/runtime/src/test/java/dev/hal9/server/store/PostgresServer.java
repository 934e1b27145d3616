package dev.hal9.server.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests: Debian's {@code postgresql} package (which .ci/run installs), a cluster
 * made with initdb in a temporary folder, listening on a free port of 127.0.0.1 only, trusted local connections,
 * removed when closed. As root, the server runs as the {@code postgres} user, since PostgreSQL refuses root.
 */
public final class PostgresServer implements AutoCloseable {

    /** The port it listens on, on 127.0.0.1. */
    public final int port;

    private final Path folder;
    private final Path bin;

    private PostgresServer(Path bin, Path folder, int port) {
        this.bin = bin;
        this.folder = folder;
        this.port = port;
    }

    /** The JDBC URL of its {@code postgres} database, for the user {@code postgres}. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Starts one; {@link #close} stops it and removes its files. */
    public static PostgresServer start() throws Exception {
        Path bin = binaries();
        Path folder = Files.createTempDirectory("hal9-postgres");
        if (root()) {
            run(List.of("chown", "postgres", folder.toString()), false);
        }
        Path data = folder.resolve("data");
        run(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--no-sync"),
                true);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // -w: pg_ctl itself waits until the server accepts connections
        run(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-w",
                        "-t",
                        "60",
                        "-l",
                        folder.resolve("log").toString(),
                        "-o",
                        "-p " + port + " -k " + folder + " -c listen_addresses=127.0.0.1 -c fsync=off",
                        "start"),
                true);
        return new PostgresServer(bin, folder, port);
    }

    @Override
    public void close() throws Exception {
        try {
            run(
                    List.of(
                            bin.resolve("pg_ctl").toString(),
                            "-D",
                            folder.resolve("data").toString(),
                            "-m",
                            "immediate",
                            "stop"),
                    true);
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    /** Debian's newest PostgreSQL, or a clear failure saying how to get one. */
    private static Path binaries() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> installed = Files.list(versions)) {
                var newest = installed
                        .filter(dir -> Files.isExecutable(dir.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(dir ->
                                Integer.parseInt(dir.getFileName().toString().replaceAll("\\D", "0"))));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            }
        }
        throw new IllegalStateException("these tests need PostgreSQL's initdb and pg_ctl: apt-get install postgresql "
                + "(Debian puts them in /usr/lib/postgresql/VERSION/bin; .ci/run installs them)");
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(List<String> command, boolean asPostgres) throws Exception {
        List<String> full = new ArrayList<>();
        if (asPostgres && root()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed:\n" + output);
        }
    }
}
