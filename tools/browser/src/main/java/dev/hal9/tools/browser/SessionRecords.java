package dev.hal9.tools.browser;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The interactive sessions as the database knows them ({@code browser_sessions}), so that a {@code bs_} handle opened
 * through one hal9 instance can be driven through any other on the same database. The instance that holds a session
 * keeps its live context and writes its state (cookies and storage, tabs' URLs) after the calls that change it;
 * another instance asked to drive it takes it over from that state, and the first learns from the version that its
 * context is stale. Every write names the version it read, so two instances never both think they hold a session.
 * Thread-safe.
 */
final class SessionRecords {

    /** A session's row. */
    record Row(
            String handle, String principal, String profile, String holder, long version, Saved state, long usedAt) {}

    /**
     * What a session needs to be rebuilt elsewhere. Password values are not in it: a URL that held one is kept
     * masked (its tab reopens at the masked URL), and only the fields' names go along.
     */
    record Saved(
            String storageState,
            List<String> urls,
            int active,
            boolean acceptDialogs,
            String promptText,
            List<String> passwordFields) {

        String json() {
            JsonObject json = new JsonObject();
            if (storageState != null) {
                json.addProperty("storageState", storageState);
            }
            json.add("urls", array(urls));
            json.addProperty("active", active);
            json.addProperty("acceptDialogs", acceptDialogs);
            if (promptText != null) {
                json.addProperty("promptText", promptText);
            }
            json.add("passwordFields", array(passwordFields));
            return json.toString();
        }

        static Saved parse(String text) {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            return new Saved(
                    string(json, "storageState"),
                    strings(json.getAsJsonArray("urls")),
                    json.get("active").getAsInt(),
                    json.get("acceptDialogs").getAsBoolean(),
                    string(json, "promptText"),
                    strings(json.getAsJsonArray("passwordFields")));
        }

        private static JsonArray array(List<String> values) {
            JsonArray array = new JsonArray();
            values.forEach(array::add);
            return array;
        }

        private static List<String> strings(JsonArray array) {
            List<String> values = new ArrayList<>();
            if (array != null) {
                array.forEach(value -> values.add(value.getAsString()));
            }
            return List.copyOf(values);
        }

        private static String string(JsonObject json, String key) {
            JsonElement value = json.get(key);
            return value == null || value.isJsonNull() ? null : value.getAsString();
        }
    }

    private static final String COLUMNS = "handle, principal, profile, holder, version, state, used_at";

    private final Jdbi database;

    SessionRecords(Jdbi database) {
        this.database = database;
    }

    /** Records a session just opened by {@code holder}, at version 1. */
    void insert(String handle, String principal, String profile, String holder, Saved state, long now) {
        database.useHandle(h -> h.createUpdate("INSERT INTO browser_sessions (" + COLUMNS + ") "
                        + "VALUES (:handle, :principal, :profile, :holder, 1, :state, :now)")
                .bind("handle", handle)
                .bind("principal", principal)
                .bind("profile", profile)
                .bind("holder", holder)
                .bind("state", state.json())
                .bind("now", now)
                .execute());
    }

    Optional<Row> find(String handle) {
        return database.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM browser_sessions WHERE handle = :h")
                .bind("h", handle)
                .map((rs, ctx) -> row(rs))
                .findOne());
    }

    /** A principal's rows, by handle. */
    List<Row> ofPrincipal(String principal) {
        return database.withHandle(h -> h.createQuery(
                        "SELECT " + COLUMNS + " FROM browser_sessions " + "WHERE principal = :p ORDER BY handle")
                .bind("p", principal)
                .map((rs, ctx) -> row(rs))
                .list());
    }

    private static Row row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Row(
                rs.getString("handle"),
                rs.getString("principal"),
                rs.getString("profile"),
                rs.getString("holder"),
                rs.getLong("version"),
                Saved.parse(rs.getString("state")),
                rs.getLong("used_at"));
    }

    /** The sessions one instance holds, with the version each row is at. */
    java.util.Map<String, Long> heldBy(String holder) {
        java.util.Map<String, Long> held = new java.util.HashMap<>();
        database.useHandle(h -> h.createQuery("SELECT handle, version FROM browser_sessions WHERE holder = :holder")
                .bind("holder", holder)
                .map((rs, ctx) -> java.util.Map.entry(rs.getString("handle"), rs.getLong("version")))
                .forEach(entry -> held.put(entry.getKey(), entry.getValue())));
        return held;
    }

    /** The holder writes a session's state, from the version it last wrote; false if another instance took it. */
    boolean save(String handle, String holder, long version, Saved state, long now) {
        return database.withHandle(h -> h.createUpdate("UPDATE browser_sessions SET state = :state, used_at = :now, "
                                + "version = version + 1 WHERE handle = :handle AND holder = :holder "
                                + "AND version = :version")
                        .bind("state", state.json())
                        .bind("now", now)
                        .bind("handle", handle)
                        .bind("holder", holder)
                        .bind("version", version)
                        .execute())
                == 1;
    }

    /** The holder says the session is still in use, without a change of state; false if it no longer holds it. */
    boolean touch(String handle, String holder, long version, long now) {
        return database.withHandle(h -> h.createUpdate("UPDATE browser_sessions SET used_at = :now "
                                + "WHERE handle = :handle AND holder = :holder AND version = :version")
                        .bind("now", now)
                        .bind("handle", handle)
                        .bind("holder", holder)
                        .bind("version", version)
                        .execute())
                == 1;
    }

    /** Another instance becomes the holder, if the row is still at the version it read; false if it moved on. */
    boolean takeOver(String handle, String holder, long version, long now) {
        return database.withHandle(h -> h.createUpdate("UPDATE browser_sessions SET holder = :holder, "
                                + "version = version + 1, used_at = :now WHERE handle = :handle AND version = :version")
                        .bind("holder", holder)
                        .bind("now", now)
                        .bind("handle", handle)
                        .bind("version", version)
                        .execute())
                == 1;
    }

    /** A session closed by its principal, through whichever instance. */
    void delete(String handle) {
        database.useHandle(h -> h.createUpdate("DELETE FROM browser_sessions WHERE handle = :handle")
                .bind("handle", handle)
                .execute());
    }

    /** A session that went idle on its holder: removed only if that instance still holds it at that version. */
    boolean deleteHeld(String handle, String holder, long version) {
        return database.withHandle(h -> h.createUpdate("DELETE FROM browser_sessions WHERE handle = :handle "
                                + "AND holder = :holder AND version = :version")
                        .bind("handle", handle)
                        .bind("holder", holder)
                        .bind("version", version)
                        .execute())
                == 1;
    }

    /** Removes rows nobody used since {@code before}: sessions of instances that died, or that ended unrecorded. */
    int purge(long before) {
        return database.withHandle(h -> h.createUpdate("DELETE FROM browser_sessions WHERE used_at < :before")
                .bind("before", before)
                .execute());
    }
}
