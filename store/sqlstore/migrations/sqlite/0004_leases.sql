-- Expiring leases: one row per lease name, held by holder until expires_at
-- (microseconds since the Unix epoch, UTC, as in 0001_initial.sql). A row
-- whose expires_at is at or before now is free for anyone to take over;
-- releasing a lease deletes its row.

CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
