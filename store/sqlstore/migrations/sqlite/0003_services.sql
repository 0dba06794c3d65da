-- The programs sharing the store (Magnum's "service list"), one row per
-- (host, binary_name), each heartbeat counted in report_count. Times are
-- microseconds since the Unix epoch, UTC, as in 0001_initial.sql. The
-- primary key orders the list.

CREATE TABLE services (
    host            TEXT    NOT NULL,
    binary_name     TEXT    NOT NULL,
    report_count    INTEGER NOT NULL,
    disabled        INTEGER NOT NULL,
    disabled_reason TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (host, binary_name)
);
