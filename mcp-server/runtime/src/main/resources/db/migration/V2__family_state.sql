-- State a tool family keeps per principal across restarts and instances (e.g. a browser profile's cookies).
CREATE TABLE family_state (
    family        VARCHAR(40)  NOT NULL,
    principal_id  VARCHAR(200) NOT NULL,
    state_key     VARCHAR(200) NOT NULL,
    state_value   TEXT         NOT NULL,
    updated_at    BIGINT       NOT NULL,
    PRIMARY KEY (family, principal_id, state_key)
);
