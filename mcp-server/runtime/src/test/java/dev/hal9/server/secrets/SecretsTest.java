package dev.hal9.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shapes {@link Secrets} recognizes, and ordinary text it leaves alone (issue 13, item 4). */
class SecretsTest {

    @Test
    void privateKeysWithAndWithoutThePrefix() {
        String key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        assertThat(Secrets.redact("to=0x" + key + ";")).isEqualTo("to=[redacted];");
        assertThat(Secrets.redact("key " + key)).isEqualTo("key [redacted]");
        // an address, a longer hex string (calldata) and a 63-digit run are not keys
        assertThat(Secrets.redact("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"))
                .isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        assertThat(Secrets.redact("0x" + key + "00")).isEqualTo("0x" + key + "00");
        assertThat(Secrets.redact(key.substring(1))).isEqualTo(key.substring(1));
        // a raw TON address (workchain, colon, 64 hex digits) is what payments show as the recipient
        assertThat(Secrets.redact("moves: 20 TUSDT to 0:" + key)).isEqualTo("moves: 20 TUSDT to 0:" + key);
        assertThat(Secrets.redact("to -1:" + key)).isEqualTo("to -1:" + key);
        assertThat(Secrets.redact("key:" + key)).isEqualTo("key:[redacted]");
    }

    @Test
    void mnemonicsOfTwelveToTwentyFourWords() {
        String twelve = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        assertThat(Secrets.redact("idempotency " + twelve + ", ok")).isEqualTo("idempotency [redacted], ok");
        String twentyFour = twelve + " " + twelve;
        assertThat(Secrets.redact("\"" + twentyFour + "\"")).isEqualTo("\"[redacted]\"");
        assertThat(Secrets.redact(twelve.replace(' ', '\n'))).isEqualTo("[redacted]");
        // eleven list words, and prose with words outside the list, stay
        String eleven = twelve.substring(0, twelve.lastIndexOf(' '));
        assertThat(Secrets.redact(eleven)).isEqualTo(eleven);
        String prose = "please find cheap running shoes in size ten with a wide toe box and free returns";
        assertThat(Secrets.redact(prose)).isEqualTo(prose);
    }

    @Test
    void bearerTokens() {
        String token = "hal9_hmzqRAgqPrdIFVLk6IPbGpI2Pe4WaWLgJEVyevnk";
        assertThat(Secrets.redact("id " + token)).isEqualTo("id [redacted]");
        assertThat(Secrets.redact("Authorization: Bearer abc.def-ghi_jkl"))
                .isEqualTo("Authorization: Bearer [redacted]");
        assertThat(Secrets.containsSecret("order-1234")).isFalse();
        assertThat(Secrets.containsSecret(token)).isTrue();
        assertThat(Secrets.redact(null)).isNull();
    }

    /** An OAuth access token logged without its "Bearer" word (a query, an error message) is still hidden. */
    @Test
    void jwtAccessTokens() {
        String signed =
                "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHA6Ly8xMjcuMC4wLjEvbWNwIn0"
                        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assertThat(Secrets.redact("token=" + signed + "&x=1")).isEqualTo("token=[redacted]&x=1");
        // alg none: the signature part is empty, the token still ends in its dot
        String unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
        assertThat(Secrets.redact("rejected " + unsigned + " because")).isEqualTo("rejected [redacted] because");
        // dotted names that are not base64url JSON stay readable
        assertThat(Secrets.redact("dev.hal9.server.HttpServer")).isEqualTo("dev.hal9.server.HttpServer");
        assertThat(Secrets.containsSecret("eyJ.eyJ.")).isFalse();
    }
}
