package dev.hal9.server.store;

import dev.hal9.api.Principal;
import dev.hal9.api.internal.InMemoryHandles;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jdbi.v3.core.generic.GenericType;
import org.jdbi.v3.core.mapper.ColumnMapper;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * API tokens ({@code api_tokens}): bearer secrets that stand for a principal with a set of capabilities. Only a
 * secret's SHA-256 is stored; the secret itself is shown once, when the token is made. Thread-safe.
 */
public final class TokenStore {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** The {@code capabilities} column holds the set joined by commas. */
    private static final GenericType<Set<String>> CAPABILITIES = new GenericType<>() {};

    private static final ColumnMapper<Set<String>> CAPABILITIES_COLUMN =
            (rs, column, ctx) -> splitCapabilities(rs.getString(column));
    private static final RowMapper<TokenInfo> TOKEN_INFO = ConstructorMapper.of(TokenInfo.class);
    private static final RowMapper<Principal> PRINCIPAL = ConstructorMapper.of(Principal.class);

    private final Database database;
    private final KnownPrincipals principals;
    private final LongSupplier clock;

    TokenStore(Database database, KnownPrincipals principals, LongSupplier clock) {
        this.database = database;
        this.principals = principals;
        this.clock = clock;
    }

    /**
     * A token as listed.
     *
     * @param id the token's id ({@code tok_...}), which names it to {@link #revoke}
     * @param principal who it stands for
     * @param name the operator's name for it
     * @param capabilities what it may call ({@code *}: everything)
     * @param createdAt when it was made, epoch milliseconds
     * @param lastUsedAt when it last authenticated a request, or null if never
     * @param revokedAt when it was revoked, or null while it is valid
     */
    public record TokenInfo(
            String id,
            String principal,
            String name,
            Set<String> capabilities,
            long createdAt,
            Long lastUsedAt,
            Long revokedAt) {}

    /**
     * A new token.
     *
     * @param id its id
     * @param secret the bearer secret, shown once and never stored
     */
    public record NewToken(String id, String secret) {}

    /** Makes a token for a principal; at least one capability ({@code *} for all). */
    public NewToken create(String principalId, String name, Set<String> capabilities) {
        if (capabilities.isEmpty()) {
            throw new IllegalArgumentException("a token needs at least one capability (or '*' for all)");
        }
        principals.ensure(principalId);
        String id = InMemoryHandles.newHandle("tok");
        String secret = "hal9_" + randomBase62(40);
        database.jdbi().useHandle(handle -> handle.createUpdate("INSERT INTO api_tokens "
                        + "(id, principal_id, name, secret_sha256, capabilities, created_at) "
                        + "VALUES (:id, :principal, :name, :hash, :capabilities, :at)")
                .bind("id", id)
                .bind("principal", principalId)
                .bind("name", name)
                .bind("hash", sha256(secret))
                .bind("capabilities", String.join(",", capabilities))
                .bind("at", clock.getAsLong())
                .execute());
        return new NewToken(id, secret);
    }

    /** Every token, revoked ones included, oldest first. */
    public List<TokenInfo> list() {
        return database.jdbi().withHandle(handle -> withCapabilities(handle.createQuery(
                        "SELECT id, principal_id AS principal, name, capabilities, created_at, last_used_at, "
                                + "revoked_at FROM api_tokens ORDER BY created_at"))
                .map(TOKEN_INFO)
                .list());
    }

    /** Revokes a token; returns whether it existed and was not revoked yet. */
    public boolean revoke(String id) {
        return database.jdbi().withHandle(handle -> handle.createUpdate(
                                "UPDATE api_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                        .bind("id", id)
                        .bind("at", clock.getAsLong())
                        .execute())
                > 0;
    }

    /**
     * The principal a bearer secret stands for, if the token exists and is not revoked; notes the use. The read and
     * the note are one transaction, so a token revoked meanwhile is not marked used after its revocation.
     */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || !secret.startsWith("hal9_") || secret.length() > 200) {
            return Optional.empty();
        }
        String hash = sha256(secret);
        return database.jdbi().inTransaction(handle -> {
            Optional<Principal> principal = withCapabilities(
                            handle.createQuery("SELECT principal_id AS id, capabilities FROM api_tokens "
                                    + "WHERE secret_sha256 = :hash AND revoked_at IS NULL"))
                    .bind("hash", hash)
                    .map(PRINCIPAL)
                    .findOne();
            if (principal.isPresent()) {
                handle.createUpdate("UPDATE api_tokens SET last_used_at = :at WHERE secret_sha256 = :hash")
                        .bind("at", clock.getAsLong())
                        .bind("hash", hash)
                        .execute();
            }
            return principal;
        });
    }

    private static Query withCapabilities(Query query) {
        return query.registerColumnMapper(CAPABILITIES, CAPABILITIES_COLUMN);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String randomBase62(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[RANDOM.nextInt(BASE62.length)];
        }
        return new String(chars);
    }

    private static Set<String> splitCapabilities(String joined) {
        return Arrays.stream(joined.split(","))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }
}
