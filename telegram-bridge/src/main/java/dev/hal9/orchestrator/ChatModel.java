package dev.hal9.orchestrator;

import java.util.List;
import java.util.Map;

/** A chat model that can call tools: one step of a conversation at a time. Implementations are thread-safe. */
public interface ChatModel {

    /** A tool as the model sees it: its MCP name, description and input JSON Schema. */
    record ToolSpec(String name, String description, Map<String, Object> parameters) {}

    /** A tool call the model asked for; arguments are JSON text. */
    record ToolCall(String id, String name, String arguments) {}

    /**
     * One message of a conversation.
     *
     * @param role system, user, assistant or tool
     * @param content the text (null for an assistant message that only calls tools)
     * @param toolCalls what an assistant message asked for, else empty
     * @param toolCallId for a tool message: the call it answers
     */
    record Message(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
        public Message {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public static Message system(String text) {
            return new Message("system", text, List.of(), null);
        }

        public static Message user(String text) {
            return new Message("user", text, List.of(), null);
        }

        public static Message assistant(String text, List<ToolCall> calls) {
            return new Message("assistant", text, calls, null);
        }

        public static Message tool(String callId, String text) {
            return new Message("tool", text, List.of(), callId);
        }
    }

    /** The model's answer: text, tool calls, or both, and the tokens the step used (0 when unknown). */
    record Reply(String content, List<ToolCall> toolCalls, int tokens) {}

    /** The model could not answer (unreachable, refused, timed out); the message is safe to show a user. */
    final class ModelException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ModelException(String message) {
            super(message);
        }
    }

    Reply next(List<Message> conversation, List<ToolSpec> tools);
}
