-- Opaque records kept for other packages, such as the certificate manager's
-- sealed key pairs (see RecordTable). namespace separates the users of the
-- table; value is stored as the caller gives it.

CREATE TABLE records (
    namespace TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
);
