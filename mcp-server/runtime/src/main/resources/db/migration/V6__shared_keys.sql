-- Keys every instance on the database must agree on, each made by the first instance that needs it: the 2026-07-28
-- revision's input-required state is sealed with one, so that the retry may reach any instance. Whoever can read
-- this table can seal such state; keep the database as private as the rest of what it holds.
CREATE TABLE shared_keys (
    name        VARCHAR(60)  NOT NULL PRIMARY KEY,
    key_value   VARCHAR(200) NOT NULL,
    created_at  BIGINT       NOT NULL
);
