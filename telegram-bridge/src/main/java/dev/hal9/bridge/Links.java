package dev.hal9.bridge;

import dev.hal9.api.FamilyState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which Telegram chat belongs to which principal, kept in the server's store (family {@code telegram}). The
 * operator makes a one-time code for a principal ('hal9 telegram link'); the user sends {@code /start CODE} to the
 * bot, which links the chat. Codes are stored hashed and expire.
 */
public final class Links {

    /** The bridge's own key space in the family state (not a principal anyone can hold). */
    static final String BRIDGE = "_telegram-bridge";

    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FamilyState state;
    private final Supplier<Instant> clock;

    public Links(FamilyState state) {
        this(state, Instant::now);
    }

    Links(FamilyState state, Supplier<Instant> clock) {
        this.state = state;
        this.clock = clock;
    }

    /** A fresh one-time code for a principal, valid for {@code ttl}. */
    public String newCode(String principal, Duration ttl) {
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        state.put(
                BRIDGE,
                "code/" + hash(code.toString()),
                principal + "\n" + clock.get().plus(ttl));
        return code.toString();
    }

    /** Redeems a code for a chat: links it and returns the principal; empty when the code is unknown or expired. */
    public Optional<String> redeem(String code, long chatId) {
        String key = "code/" + hash(code.strip().toUpperCase(java.util.Locale.ROOT));
        Optional<String> stored = state.get(BRIDGE, key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        state.delete(BRIDGE, key);
        String[] parts = stored.get().split("\n", 2);
        if (clock.get().isAfter(Instant.parse(parts[1]))) {
            return Optional.empty();
        }
        String principal = parts[0];
        link(principal, chatId);
        return Optional.of(principal);
    }

    /** Links a chat to a principal, replacing the principal's earlier chat. */
    public void link(String principal, long chatId) {
        chatOf(principal).ifPresent(previous -> state.delete(BRIDGE, "chat/" + previous));
        state.put(principal, "chat", String.valueOf(chatId));
        state.put(BRIDGE, "chat/" + chatId, principal);
    }

    /** The chat linked to a principal. */
    public Optional<Long> chatOf(String principal) {
        return state.get(principal, "chat").map(Long::valueOf);
    }

    /** The principal a chat is linked to. */
    public Optional<String> principalOf(long chatId) {
        return state.get(BRIDGE, "chat/" + chatId);
    }

    private static String hash(String code) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
