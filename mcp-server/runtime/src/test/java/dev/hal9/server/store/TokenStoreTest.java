package dev.hal9.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hal9.api.Principal;
import dev.hal9.server.store.TokenStore.NewToken;
import dev.hal9.server.store.TokenStore.TokenInfo;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** API tokens in the real store (H2): made, listed by column name, authenticated, revoked. */
class TokenStoreTest {

    @Test
    void aTokenAuthenticatesItsPrincipalUntilItIsRevoked() throws Exception {
        AtomicLong clock = new AtomicLong(1_000);
        try (Store store = Store.open(Database.h2Url(Files.createTempDirectory("hal9-tokens")), "sa", "", clock::get)) {
            TokenStore tokens = store.tokens();
            NewToken made = tokens.create("alice", "laptop", Set.of("browser", "chain"));
            assertThat(made.secret()).startsWith("hal9_").hasSize(45);

            assertThat(tokens.list()).singleElement().satisfies(token -> {
                assertThat(token.id()).isEqualTo(made.id());
                assertThat(token.principal()).isEqualTo("alice");
                assertThat(token.name()).isEqualTo("laptop");
                assertThat(token.capabilities()).containsExactlyInAnyOrder("browser", "chain");
                assertThat(token.createdAt()).isEqualTo(1_000);
                assertThat(token.lastUsedAt()).isNull();
                assertThat(token.revokedAt()).isNull();
            });

            clock.set(2_000);
            assertThat(tokens.authenticate(made.secret())).contains(new Principal("alice", Set.of("browser", "chain")));
            assertThat(tokens.list())
                    .singleElement()
                    .extracting(TokenInfo::lastUsedAt)
                    .isEqualTo(2_000L);
            assertThat(tokens.authenticate(made.secret() + "x")).isEmpty();
            assertThat(tokens.authenticate("not-a-token")).isEmpty();
            assertThat(tokens.authenticate(null)).isEmpty();

            clock.set(3_000);
            assertThat(tokens.revoke(made.id())).isTrue();
            assertThat(tokens.revoke(made.id())).as("already revoked").isFalse();
            assertThat(tokens.authenticate(made.secret())).isEmpty();
            assertThat(tokens.list()).singleElement().satisfies(token -> {
                assertThat(token.revokedAt()).isEqualTo(3_000L);
                assertThat(token.lastUsedAt()).isEqualTo(2_000L);
            });
        }
    }

    @Test
    void aTokenNeedsACapability() throws Exception {
        try (Store store = Store.open(
                Database.h2Url(Files.createTempDirectory("hal9-tokens")), "sa", "", System::currentTimeMillis)) {
            assertThatThrownBy(() -> store.tokens().create("alice", "empty", Set.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least one capability");
            assertThat(store.tokens().list()).isEmpty();
        }
    }
}
