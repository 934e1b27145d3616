package dev.hal9.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcConnectionPool;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.memory.repository.jdbc.H2ChatMemoryRepositoryDialect;
import org.springframework.ai.chat.memory.repository.jdbc.JdbcChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Each principal's conversation, in Spring AI's chat memory over an embedded H2 file of the agent's own
 * ({@code agent/conversations.mv.db} in hal9's data directory), so that a new chat process continues where the last
 * one stopped. The repository keeps what the user said and the agent answered; tool calls and their results stay in
 * the turn that made them. The database is opened with AUTO_SERVER, so two chat processes (two people on one machine)
 * share it through a loopback port that needs the password in {@code agent/db.password} (owner-only, made on first
 * use). Thread-safe.
 */
final class Conversations implements AutoCloseable {

    private static final String SCHEMA = "org/springframework/ai/chat/memory/repository/jdbc/schema-h2.sql";

    private final JdbcConnectionPool pool;
    private final ChatMemory memory;

    private Conversations(JdbcConnectionPool pool, ChatMemory memory) {
        this.pool = pool;
        this.memory = memory;
    }

    /**
     * Opens (and on first use creates) the store.
     *
     * @param keep how many recent messages to keep per principal
     */
    static Conversations open(Path dataDirectory, int keep) {
        Path folder = ownerOnlyFolder(dataDirectory.resolve("agent"));
        String url = "jdbc:h2:file:" + folder.resolve("conversations").toAbsolutePath() + ";AUTO_SERVER=TRUE";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "hal9", password(folder));
        try {
            new ResourceDatabasePopulator(new ClassPathResource(SCHEMA)).execute(pool);
            JdbcChatMemoryRepository repository = JdbcChatMemoryRepository.builder()
                    .dataSource(pool)
                    .dialect(new H2ChatMemoryRepositoryDialect())
                    .build();
            return new Conversations(
                    pool,
                    MessageWindowChatMemory.builder()
                            .chatMemoryRepository(repository)
                            .maxMessages(keep)
                            .build());
        } catch (RuntimeException e) {
            pool.dispose();
            throw e;
        }
    }

    List<Message> history(String principal) {
        return memory.get(conversationId(principal));
    }

    void append(String principal, List<Message> messages) {
        memory.add(conversationId(principal), messages);
    }

    void reset(String principal) {
        memory.clear(conversationId(principal));
    }

    @Override
    public void close() {
        pool.dispose();
    }

    /** The repository's ids are at most 36 characters: a name-based UUID fits any principal. */
    private static String conversationId(String principal) {
        return UUID.nameUUIDFromBytes(("hal9 chat " + principal).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static Path ownerOnlyFolder(Path folder) {
        try {
            if (posix()) {
                Files.createDirectories(
                        folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
            } else {
                Files.createDirectories(folder);
            }
            return folder;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The database password, made on first use; of two processes starting at once, the first to link its file wins. */
    private static String password(Path folder) {
        Path file = folder.resolve("db.password");
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                Path draft = Files.createTempFile(folder, "db.password", ".tmp");
                if (posix()) {
                    Files.setPosixFilePermissions(draft, PosixFilePermissions.fromString("rw-------"));
                }
                Files.writeString(draft, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
                try {
                    Files.createLink(file, draft);
                } catch (FileAlreadyExistsException raced) {
                    // another chat made it first: use theirs
                } finally {
                    Files.delete(draft);
                }
            }
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or make " + file + ": " + e.getMessage(), e);
        }
    }
}
