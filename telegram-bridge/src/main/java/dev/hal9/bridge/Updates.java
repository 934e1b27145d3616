package dev.hal9.bridge;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.telegram.telegrambots.longpolling.interfaces.BackOff;
import org.telegram.telegrambots.meta.api.methods.updates.GetUpdates;
import org.telegram.telegrambots.meta.api.objects.Update;
import org.telegram.telegrambots.meta.exceptions.TelegramApiRequestException;

/**
 * Reading updates into telegrambots' typed {@link Update}, one at a time: an update that does not bind (a field of
 * the wrong type, say) becomes an Update with only its id, which the bot skips, instead of failing the whole batch.
 * telegrambots alone reads a getUpdates answer in one piece, so a single malformed update would fail every poll and
 * stop the bot for good. Stateless; thread-safe.
 */
final class Updates {

    private static final Logger LOG = LoggerFactory.getLogger(Updates.class);

    /** Jackson 2, as telegrambots' types are annotated for it. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Updates() {}

    /** getUpdates after the last update received, waiting up to {@code pollSeconds}, read leniently. */
    static GetUpdates after(int lastReceived, int pollSeconds, List<String> allowedUpdates) {
        Lenient request = new Lenient();
        request.setOffset(lastReceived + 1);
        request.setTimeout(pollSeconds);
        request.setAllowedUpdates(allowedUpdates);
        return request;
    }

    /** One update (a webhook's body); null when it is not a JSON object. */
    static Update read(byte[] body) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return null;
        }
        return tree != null && tree.isObject() ? read(tree) : null;
    }

    /** An update, or one with only its id when the rest does not read as a Bot API update. */
    static Update read(JsonNode update) {
        try {
            return JSON.treeToValue(update, Update.class);
        } catch (java.io.IOException | IllegalArgumentException e) {
            Update bare = new Update();
            JsonNode id = update.path("update_id");
            if (id.canConvertToInt()) {
                bare.setUpdateId(id.asInt());
            }
            // the type of problem only: Jackson's message quotes the offending value, which a user wrote
            LOG.warn(
                    "update {} skipped: it does not read as a Bot API update ({})",
                    bare.getUpdateId(),
                    e.getClass().getSimpleName());
            return bare;
        }
    }

    /** getUpdates whose answer is read update by update. */
    private static final class Lenient extends GetUpdates {
        private static final long serialVersionUID = 1L;

        @Override
        public ArrayList<Update> deserializeResponse(String answer) throws TelegramApiRequestException {
            JsonNode response;
            try {
                response = JSON.readTree(answer);
            } catch (java.io.IOException e) {
                throw new TelegramApiRequestException("Unable to deserialize response", e);
            }
            if (response == null
                    || !response.path("ok").asBoolean(false)
                    || !response.path("result").isArray()) {
                // Telegram's refusal, read the way telegrambots reads it (code, description, parameters)
                return super.deserializeResponse(answer);
            }
            ArrayList<Update> updates = new ArrayList<>();
            for (JsonNode update : response.path("result")) {
                Update read = read(update);
                if (read.getUpdateId() != null) {
                    updates.add(read);
                }
            }
            return updates;
        }
    }

    /** Waits after a failed poll: 1 s, doubling up to 30 s; back to 1 s after a poll that worked. */
    static final class Backoff implements BackOff {
        private long next = 1000;

        @Override
        public void reset() {
            next = 1000;
        }

        @Override
        public long nextBackOffMillis() {
            long wait = next;
            next = Math.min(next * 2, 30_000);
            return wait;
        }
    }
}
