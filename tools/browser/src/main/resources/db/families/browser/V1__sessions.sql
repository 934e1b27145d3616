-- The browser family's interactive sessions (bs_...), one row each, so that every hal9 instance on the database can
-- drive any of them: the instance that holds a session keeps its live context; another instance that is asked to
-- drive it takes it over from the state written here, on the shared browser (families.browser.connect).
-- Runs on H2 2.x and PostgreSQL.
CREATE TABLE browser_sessions (
    handle     VARCHAR(64)  NOT NULL PRIMARY KEY,
    principal  VARCHAR(200) NOT NULL,
    profile    VARCHAR(40),
    -- the process that holds the live context, and how many times the row was written: a holder writes only from
    -- the version it read, so that an instance whose session was taken over knows its context is stale
    holder     VARCHAR(64)  NOT NULL,
    version    BIGINT       NOT NULL,
    -- JSON: cookies and storage (Playwright's storageState), each tab's URL with passwords masked, the active tab,
    -- how dialogs are answered and the names of password fields; never a password's value
    state      TEXT         NOT NULL,
    -- epoch milliseconds of the last call, to within a minute: a row older than the idle limit is a dead session
    used_at    BIGINT       NOT NULL
);
CREATE INDEX browser_sessions_by_principal ON browser_sessions (principal);
