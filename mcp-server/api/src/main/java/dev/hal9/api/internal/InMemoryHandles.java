package dev.hal9.api.internal;

import dev.hal9.api.Handles;
import dev.hal9.api.Principal;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Handles kept in memory, for the test kit and for servers without a store. Thread-safe. The runtime's
 * database-backed store mints handles with {@link #newHandle(String)} too, so both look alike.
 */
public final class InMemoryHandles {

    private static final Pattern PREFIX = Pattern.compile("[a-z]{1,8}");
    private static final char[] ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public InMemoryHandles(LongSupplier clock) {
        this.clock = clock;
    }

    /** A fresh handle: the prefix, an underscore and 12 random characters (60 bits). */
    public static String newHandle(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("handle prefix must be 1 to 8 lower case letters, not '" + prefix + "'");
        }
        StringBuilder handle = new StringBuilder(prefix).append('_');
        for (int i = 0; i < 12; i++) {
            handle.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return handle.toString();
    }

    /** The handles of one principal. */
    public Handles of(Principal principal) {
        String owner = principal.id();
        return new Handles() {
            @Override
            public String mint(String prefix, String label) {
                String handle = newHandle(prefix);
                entries.put(handle, new Entry(owner, new HandleInfo(handle, prefix, label, clock.getAsLong())));
                return handle;
            }

            @Override
            public Optional<HandleInfo> find(String handle) {
                Entry entry = handle == null ? null : entries.get(handle);
                return entry != null && entry.owner.equals(owner) ? Optional.of(entry.info) : Optional.empty();
            }

            @Override
            public boolean release(String handle) {
                return find(handle).isPresent() && entries.remove(handle) != null;
            }

            @Override
            public List<HandleInfo> list() {
                return entries.values().stream()
                        .filter(entry -> entry.owner.equals(owner))
                        .map(entry -> entry.info)
                        .sorted(Comparator.comparingLong(HandleInfo::createdAt).reversed())
                        .toList();
            }
        };
    }

    private record Entry(String owner, Handles.HandleInfo info) {}
}
