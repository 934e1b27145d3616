package dev.hal9.api;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Checks of setting values that families share, each failing with a message that names the key, the value and what
 * to put there, so that a family refuses a bad setting when it starts rather than at its first call.
 */
public final class SettingValues {

    private SettingValues() {}

    /**
     * An http or https address with a host, trimmed.
     *
     * @param key the whole key, as an operator writes it ({@code families.chain.evm.devnet.rpc-url})
     * @throws IllegalArgumentException if it is anything else
     */
    public static String httpUrl(String key, String value) {
        String url = value.trim();
        try {
            URI uri = new URI(url);
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // said below
        }
        throw new IllegalArgumentException(key + " must be an http:// or https:// address, not '" + value + "'");
    }
}
