-- The guard prices a payment by everything it moves or approves (effects, JSON), follows broadcast payments whose
-- outcome the network has not shown yet (state RECONCILING), links refunds to the payments they pay back, tells the
-- families when a payment ends (notified_at), and serializes signing per sender across processes (guard_sender).
ALTER TABLE ledger ADD COLUMN effects TEXT;
ALTER TABLE ledger ADD COLUMN determined BOOLEAN DEFAULT TRUE NOT NULL;
ALTER TABLE ledger ADD COLUMN refund_of VARCHAR(40);
ALTER TABLE ledger ADD COLUMN notified_at BIGINT;
ALTER TABLE ledger ADD COLUMN signed_context TEXT;
CREATE UNIQUE INDEX ledger_one_refund ON ledger (refund_of);
CREATE INDEX ledger_by_tx ON ledger (network, tx_hash);
CREATE INDEX ledger_by_sender ON ledger (network, sender, state);
-- rows that ended before listeners existed have nothing to tell
UPDATE ledger SET notified_at = COALESCE(finished_at, created_at)
    WHERE state IN ('CONFIRMED', 'FAILED', 'DECLINED', 'EXPIRED');

CREATE TABLE guard_sender (
    network  VARCHAR(60)  NOT NULL,
    sender   VARCHAR(200) NOT NULL,
    PRIMARY KEY (network, sender)
);
