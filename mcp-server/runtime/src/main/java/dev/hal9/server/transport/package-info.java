/**
 * MCP over stdio and the protocol plumbing both transports share: JSON-RPC framing and error shapes, the
 * routing of the 2025-11-25 and 2026-07-28 eras onto one server, per-request deadlines and the answers for tools
 * that are unknown or disabled.
 */
package dev.hal9.server.transport;
