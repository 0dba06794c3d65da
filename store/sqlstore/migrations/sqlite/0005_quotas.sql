-- Explicit per-project quotas (Magnum's quota rows): one row per
-- (project_id, resource), resource "Cluster" or "Node". id is the creation
-- order and the API's identifier (AUTOINCREMENT never reuses a value).
-- Times are microseconds since the Unix epoch, UTC, as in 0001_initial.sql;
-- a row never updated has updated_at = -9223372036854775808. The unique
-- constraint makes a second row of a project and resource a conflict; the
-- other indexes serve the list's sort keys, ties broken by id.

CREATE TABLE quotas (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT    NOT NULL,
    resource   TEXT    NOT NULL,
    hard_limit INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project_id, resource)
);
CREATE INDEX quotas_project_id ON quotas (project_id, id);
CREATE INDEX quotas_resource   ON quotas (resource, id);
CREATE INDEX quotas_hard_limit ON quotas (hard_limit, id);
CREATE INDEX quotas_created_at ON quotas (created_at, id);
CREATE INDEX quotas_updated_at ON quotas (updated_at, id);
