package dev.hal9.tools.browser;

import dev.hal9.api.ToolException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one browser session must never show: the values that were typed into its password fields, and the names of
 * those fields. A password leaves its field more often than it seems (a GET form puts it into the next page's URL,
 * and from there into titles, links, tabs, history and pages that echo their query), so every result of a browser
 * tool passes through {@link #apply} before it leaves the server: each known value, raw or URL-encoded, and each
 * query parameter named like a password field are masked.
 *
 * <p>Thread-safe: fields are learned on the browser's thread and results are masked there or on callers' threads.
 */
final class Masking {

    /** What a password becomes in text. */
    static final String MASK = "••••";

    /** What it becomes inside a URL: ASCII, so that the URL stays a valid URI for clients that check the format. */
    static final String URL_MASK = "****";

    /** {@code name=value} after {@code ?}, {@code &} or {@code ;}, as in a query string or a form body. */
    private static final Pattern PARAMETER =
            Pattern.compile("(?<=[?&;])([^=&#?;\\s\"'<>()\\[\\]]+)=([^&#;\\s\"'<>()\\[\\]]*)");

    /** A string that is one URI and nothing else, such as a page's URL or a resource's. */
    private static final Pattern URI = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:\\S*");

    private final Set<String> values = ConcurrentHashMap.newKeySet();
    private final Set<String> names = ConcurrentHashMap.newKeySet();

    /** Remembers a value typed into a password field, for the rest of the session. */
    void value(String value) {
        if (value != null && !value.isEmpty()) {
            values.add(value);
        }
    }

    /** Remembers the name of a password field, so that a query parameter of that name is masked. */
    void name(String name) {
        if (name != null && !name.isBlank()) {
            names.add(name);
        }
    }

    /**
     * The password fields' names learned so far: they go with a session that moves to another instance, while the
     * values typed into them never leave this one.
     */
    List<String> names() {
        return List.copyOf(names);
    }

    /** Whether nothing is known yet, so there is nothing to mask. */
    boolean isEmpty() {
        return values.isEmpty() && names.isEmpty();
    }

    /** A text with every known password masked: as {@link #URL_MASK} when the text is a URI, else as {@link #MASK}. */
    String text(String text) {
        if (text == null || text.isEmpty() || isEmpty()) {
            return text;
        }
        String mask = URI.matcher(text).matches() ? URL_MASK : MASK;
        String result = text;
        for (String form : forms()) {
            result = result.replace(form, mask);
        }
        if (!names.isEmpty()) {
            Matcher parameter = PARAMETER.matcher(result);
            StringBuilder out = new StringBuilder();
            while (parameter.find()) {
                String value = parameter.group(2);
                // a value that holds a mask already had its password masked; the rest of it (".txt") is not secret
                boolean secret = names.contains(decode(parameter.group(1)))
                        && !value.isEmpty()
                        && !value.contains(MASK)
                        && !value.contains(URL_MASK);
                parameter.appendReplacement(
                        out, Matcher.quoteReplacement(parameter.group(1) + "=" + (secret ? mask : value)));
            }
            parameter.appendTail(out);
            result = out.toString();
        }
        return result;
    }

    /**
     * A tool's result with every string in it masked: strings themselves, lists, and records (rebuilt through their
     * canonical constructors), so that no field of any result is forgotten. Other values pass unchanged.
     */
    @SuppressWarnings("unchecked")
    <T> T apply(T result) {
        if (isEmpty() || result == null) {
            return result;
        }
        return (T) mask(result);
    }

    /** The same failure with the known passwords masked in its message, which often names the page's URL. */
    ToolException apply(ToolException failure) {
        String message = failure.getMessage();
        String masked = text(message);
        return masked == null || masked.equals(message) ? failure : new ToolException(masked);
    }

    private Object mask(Object value) {
        if (value instanceof String text) {
            return text(text);
        }
        if (value instanceof List<?> list) {
            List<Object> masked = new ArrayList<>(list.size());
            list.forEach(item -> masked.add(mask(item)));
            return masked;
        }
        if (value instanceof Record record) {
            return maskRecord(record);
        }
        return value;
    }

    private Record maskRecord(Record record) {
        RecordComponent[] components = record.getClass().getRecordComponents();
        Object[] arguments = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                arguments[i] = mask(components[i].getAccessor().invoke(record));
            }
            Constructor<?> canonical = record.getClass().getDeclaredConstructor(types);
            return (Record) canonical.newInstance(arguments);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException target ? target.getCause() : e;
            throw new IllegalStateException(
                    "cannot mask passwords in " + record.getClass().getSimpleName(), cause);
        }
    }

    /** Each known value as it may appear: raw, and encoded as a form or a URL encodes it. Longest first. */
    private List<String> forms() {
        Set<String> forms = new LinkedHashSet<>();
        for (String value : values) {
            forms.add(value);
            String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
            forms.add(encoded);
            forms.add(encoded.replace("+", "%20"));
        }
        List<String> sorted = new ArrayList<>(forms);
        // a value that contains another must be masked whole, not around the shorter one's mask
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return sorted;
    }

    private static String decode(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }
}
