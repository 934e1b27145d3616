-- Which instance runs the guard's background rounds (expiring, sending what was approved elsewhere, following
-- broadcast payments, telling the families): one at a time, under a lease it renews every round. An instance that
-- stops renewing (killed) loses the lease when it expires, and one of the others takes the rounds over. The times are
-- milliseconds of the instances' clocks.
CREATE TABLE guard_lease (
    name        VARCHAR(40)  NOT NULL PRIMARY KEY,
    holder      VARCHAR(100) NOT NULL,
    expires_at  BIGINT       NOT NULL
);
INSERT INTO guard_lease (name, holder, expires_at) VALUES ('worker', '', 0);
