package dev.hal9.api;

/**
 * What a tool does to the world, from the model's and the guard's point of view. The runtime maps each kind
 * to MCP tool annotations in exactly one place.
 */
public enum ToolKind {
    /** Reads only; calling it again gives the same answer for the same state. */
    READ_ONLY,
    /** Changes state that the caller owns (opens a session, clicks a button) but moves no value. */
    ACTION,
    /** Spends, signs, deploys, orders or deletes: never without the guard. */
    DESTRUCTIVE
}
