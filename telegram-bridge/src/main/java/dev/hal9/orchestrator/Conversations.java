package dev.hal9.orchestrator;

import dev.hal9.api.FamilyState;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Each principal's conversation, kept in the server's store so that a restart loses nothing. */
public final class Conversations {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FamilyState state;
    private final int keep;

    /** @param keep how many recent messages to keep per principal */
    public Conversations(FamilyState state, int keep) {
        this.state = state;
        this.keep = keep;
    }

    public List<ChatModel.Message> load(String principal) {
        return state.get(principal, "conversation")
                .map(json -> JSON.readValue(json, new TypeReference<List<ChatModel.Message>>() {}))
                .map(list -> (List<ChatModel.Message>) new ArrayList<>(list))
                .orElseGet(ArrayList::new);
    }

    public void save(String principal, List<ChatModel.Message> messages) {
        List<ChatModel.Message> kept = messages;
        if (kept.size() > keep) {
            int from = kept.size() - keep;
            // never start with a tool answer whose call was cut off
            while (from < kept.size() && !kept.get(from).role().equals("user")) {
                from++;
            }
            kept = kept.subList(from, kept.size());
        }
        state.put(principal, "conversation", JSON.writeValueAsString(kept));
    }

    public void reset(String principal) {
        state.delete(principal, "conversation");
    }
}
