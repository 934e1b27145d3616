package dev.hal9.api.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The defaults the tool families document in their jars ({@value #FILE}), for the test kit, which has no runtime to
 * read them: a family then finds the same value for an unset key under test as in a server. The runtime reads the
 * same files itself, with their comments, kinds and checks.
 */
public final class FamilyDefaults {

    /** Where a family documents its settings ({@code families.<family>.<key>}) and their defaults. */
    public static final String FILE = "hal9/family-defaults.yaml";

    private static final Map<String, String> DEFAULTS = load();

    private FamilyDefaults() {}

    /** The default of {@code families.<family>.<key>}, empty when the key has none ({@code ~}) or is unknown. */
    public static Optional<String> of(String family, String key) {
        return Optional.ofNullable(DEFAULTS.get("families." + family + "." + key));
    }

    private static Map<String, String> load() {
        Map<String, String> defaults = new HashMap<>();
        LoadSettings settings =
                LoadSettings.builder().setSchema(new CoreSchema()).build();
        try {
            Enumeration<URL> files = FamilyDefaults.class.getClassLoader().getResources(FILE);
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    flatten("", new Load(settings).loadFromInputStream(in), defaults);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the families' " + FILE, e);
        }
        return Map.copyOf(defaults);
    }

    private static void flatten(String prefix, Object node, Map<String, String> into) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, into));
        } else if (node != null) {
            into.put(prefix, node.toString());
        }
    }
}
