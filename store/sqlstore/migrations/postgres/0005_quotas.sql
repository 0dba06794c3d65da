-- Explicit per-project quotas: the PostgreSQL twin of
-- migrations/sqlite/0005_quotas.sql, the same table, columns and indexes.
-- The "C" collation makes text compare by bytes, as in 0001_initial.sql.

CREATE TABLE quotas (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id TEXT   COLLATE "C" NOT NULL,
    resource   TEXT   COLLATE "C" NOT NULL,
    hard_limit BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (project_id, resource)
);
CREATE INDEX quotas_project_id ON quotas (project_id, id);
CREATE INDEX quotas_resource   ON quotas (resource, id);
CREATE INDEX quotas_hard_limit ON quotas (hard_limit, id);
CREATE INDEX quotas_created_at ON quotas (created_at, id);
CREATE INDEX quotas_updated_at ON quotas (updated_at, id);
