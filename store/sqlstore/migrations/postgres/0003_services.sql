-- The programs sharing the store (Magnum's "service list"): the PostgreSQL
-- twin of migrations/sqlite/0003_services.sql. The "C" collation makes the
-- primary key, which orders the list, compare by bytes.

CREATE TABLE services (
    host            TEXT    COLLATE "C" NOT NULL,
    binary_name     TEXT    COLLATE "C" NOT NULL,
    report_count    BIGINT  NOT NULL,
    disabled        BOOLEAN NOT NULL,
    disabled_reason TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    PRIMARY KEY (host, binary_name)
);
