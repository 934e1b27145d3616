package dev.hal9.api;

import java.util.List;
import java.util.Optional;

/**
 * Server-minted handles owned by the calling principal. A handle of another principal reads as absent, so
 * one caller cannot probe another's state. Implementations are thread-safe.
 */
public interface Handles {

    /**
     * Mints a new handle such as {@code bs_k3j9x2}.
     *
     * @param prefix the kind's prefix without the underscore, lower case letters only ({@code bs}, {@code cart})
     * @param label a short human description shown in listings
     */
    String mint(String prefix, String label);

    /** The handle, if it exists and belongs to the caller. */
    Optional<HandleInfo> find(String handle);

    /** Resolves a handle or throws a {@link ToolException} that tells the model how to get a new one. */
    default HandleInfo require(String handle, String remedy) {
        return find(handle).orElseThrow(() -> ToolException.notFound("handle", handle, remedy));
    }

    /** Forgets a handle; returns whether it existed for the caller. */
    boolean release(String handle);

    /** The caller's live handles, newest first. */
    List<HandleInfo> list();

    /**
     * One handle as the store knows it.
     *
     * @param handle the handle
     * @param prefix its kind's prefix
     * @param label its description
     * @param createdAt when it was minted, epoch milliseconds
     */
    record HandleInfo(String handle, String prefix, String label, long createdAt) {}
}
