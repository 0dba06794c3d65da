-- Opaque records kept for other packages, such as the certificate manager's
-- sealed key pairs (see RecordTable): the PostgreSQL twin of
-- migrations/sqlite/0002_records.sql. namespace separates the users of the
-- table; value is stored as the caller gives it.

CREATE TABLE records (
    namespace TEXT  COLLATE "C" NOT NULL,
    key       TEXT  COLLATE "C" NOT NULL,
    value     BYTEA NOT NULL,
    PRIMARY KEY (namespace, key)
);
