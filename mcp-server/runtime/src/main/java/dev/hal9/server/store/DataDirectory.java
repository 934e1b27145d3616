package dev.hal9.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The owner-only data directory: 700 for the directory, 600 for the files hal9 keeps at its top (the H2 database,
 * its lock file with the AUTO_SERVER port, the database password). Set when the directory is created and tightened
 * on every start, so a directory an older hal9 made world-readable is closed too. Stateless; thread-safe.
 */
public final class DataDirectory {

    /** The file holding the embedded database's password, made on first start. */
    static final String PASSWORD_FILE = "db.password";

    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private DataDirectory() {}

    /** Creates the directory if needed and makes it and its top-level files owner-only; returns it. */
    public static Path secure(Path directory) {
        try {
            if (!posix(directory.toAbsolutePath().getRoot())) {
                Files.createDirectories(directory);
                return directory; // no POSIX modes here (Windows): the user's profile folder is private already
            }
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
            }
            Files.setPosixFilePermissions(directory, OWNER_DIRECTORY);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    if (!OWNER_FILE.containsAll(Files.getPosixFilePermissions(file))) {
                        Files.setPosixFilePermissions(file, OWNER_FILE);
                    }
                }
            }
            return directory;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot make the data directory " + directory + " owner-only: " + e.getMessage(), e);
        }
    }

    /**
     * The embedded database's password, from {@value #PASSWORD_FILE} (600) in the directory; made on first use. Two
     * processes starting at once agree on one: the file is created exclusively and the loser reads the winner's.
     */
    static String databasePassword(Path directory) {
        Path file = directory.resolve(PASSWORD_FILE);
        try {
            if (!Files.exists(file)) {
                // written whole under a temporary name, then linked into place: a process that starts at the same
                // moment sees no file or a complete one, and exactly one of two racing processes wins
                Path draft = directory.resolve(PASSWORD_FILE + "." + random(8) + ".tmp");
                String fresh = random(32);
                Files.writeString(
                        posix(directory.toAbsolutePath().getRoot())
                                ? Files.createFile(draft, PosixFilePermissions.asFileAttribute(OWNER_FILE))
                                : Files.createFile(draft),
                        fresh + "\n",
                        StandardCharsets.US_ASCII);
                try {
                    Files.createLink(file, draft);
                    return fresh;
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: use theirs
                } finally {
                    Files.delete(draft);
                }
            }
            String password = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (password.isEmpty()) {
                throw new IllegalStateException(file + " is empty; it holds the database password hal9 made for "
                        + "this data directory (restore it from a backup)");
            }
            return password;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the database password in " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean posix(Path root) {
        return Files.getFileAttributeView(root, PosixFileAttributeView.class) != null;
    }

    private static String random(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(chars);
    }
}
