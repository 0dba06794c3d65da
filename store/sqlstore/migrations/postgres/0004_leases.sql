-- Expiring leases: the PostgreSQL twin of migrations/sqlite/0004_leases.sql.
-- The "C" collation makes names and holders compare by bytes.

CREATE TABLE leases (
    name       TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    holder     TEXT   COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);
