-- The guard's ledger: one row per value-moving intent, and what each principal has reserved of each asset
-- per UTC day. Amounts are in the asset's smallest unit. Times are epoch milliseconds.
CREATE TABLE ledger (
    id               VARCHAR(40)    PRIMARY KEY,
    principal_id     VARCHAR(200)   NOT NULL,
    idempotency_key  VARCHAR(200)   NOT NULL,
    kind             VARCHAR(60)    NOT NULL,
    network          VARCHAR(60)    NOT NULL,
    asset            VARCHAR(40)    NOT NULL,
    decimals         INT            NOT NULL,
    amount           NUMERIC(78, 0) NOT NULL,
    sender           VARCHAR(200)   NOT NULL,
    recipient        VARCHAR(200)   NOT NULL,
    summary          VARCHAR(1000)  NOT NULL,
    preview          TEXT           NOT NULL,
    payload          TEXT           NOT NULL,
    state            VARCHAR(16)    NOT NULL,
    spend_day        VARCHAR(10)    NOT NULL,
    created_at       BIGINT         NOT NULL,
    expires_at       BIGINT         NOT NULL,
    approved_by      VARCHAR(200),
    approved_via     VARCHAR(20),
    approved_at      BIGINT,
    signed_tx        TEXT,
    tx_hash          VARCHAR(200),
    sequence_no      BIGINT,
    sent_at          BIGINT,
    finished_at      BIGINT,
    error            VARCHAR(2000),
    CONSTRAINT ledger_idempotency UNIQUE (principal_id, idempotency_key)
);
CREATE INDEX ledger_by_state ON ledger (state, created_at);
CREATE INDEX ledger_by_principal ON ledger (principal_id, created_at);

CREATE TABLE guard_spend (
    principal_id  VARCHAR(200)   NOT NULL,
    asset_key     VARCHAR(120)   NOT NULL,
    spend_day     VARCHAR(10)    NOT NULL,
    reserved      NUMERIC(78, 0) NOT NULL,
    PRIMARY KEY (principal_id, asset_key, spend_day)
);
