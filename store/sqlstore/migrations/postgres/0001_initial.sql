-- Templates, clusters and node groups: the PostgreSQL twin of
-- migrations/sqlite/0001_initial.sql, the same tables, columns and indexes.
--
-- Each table keeps the whole record as JSON in body; the other columns are
-- copies of the fields the store filters and sorts on, written from the same
-- record in the same statement. id is the creation order (an identity
-- column; values are never reused). Times are microseconds since the Unix
-- epoch, UTC; a record never updated has updated_at = -9223372036854775808
-- so that it sorts first. Text columns use the "C" collation so that text
-- compares by bytes, as SQLite and the memory store compare it, whatever
-- the database's locale. Flags are BOOLEAN where SQLite has 0/1 integers.

CREATE TABLE cluster_templates (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid       TEXT    COLLATE "C" NOT NULL UNIQUE,
    project_id TEXT    COLLATE "C" NOT NULL,
    name       TEXT    COLLATE "C" NOT NULL,
    coe        TEXT    COLLATE "C" NOT NULL,
    public     BOOLEAN NOT NULL,
    hidden     BOOLEAN NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    revision   BIGINT  NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX cluster_templates_project_id ON cluster_templates (project_id, id);
CREATE INDEX cluster_templates_public     ON cluster_templates (public, hidden);
CREATE INDEX cluster_templates_name       ON cluster_templates (name, id);
CREATE INDEX cluster_templates_coe        ON cluster_templates (coe, id);
CREATE INDEX cluster_templates_created_at ON cluster_templates (created_at, id);
CREATE INDEX cluster_templates_updated_at ON cluster_templates (updated_at, id);

CREATE TABLE clusters (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                TEXT    COLLATE "C" NOT NULL UNIQUE,
    project_id          TEXT    COLLATE "C" NOT NULL,
    name                TEXT    COLLATE "C" NOT NULL,
    cluster_template_id TEXT    COLLATE "C" NOT NULL REFERENCES cluster_templates (uuid) ON DELETE RESTRICT,
    status              TEXT    COLLATE "C" NOT NULL,
    node_count          BIGINT  NOT NULL,
    master_count        BIGINT  NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    revision            BIGINT  NOT NULL,
    body                TEXT    NOT NULL
);
CREATE INDEX clusters_project_id          ON clusters (project_id, id);
CREATE INDEX clusters_cluster_template_id ON clusters (cluster_template_id);
CREATE INDEX clusters_name                ON clusters (name, id);
CREATE INDEX clusters_status              ON clusters (status, id);
CREATE INDEX clusters_node_count          ON clusters (node_count, id);
CREATE INDEX clusters_master_count        ON clusters (master_count, id);
CREATE INDEX clusters_created_at          ON clusters (created_at, id);
CREATE INDEX clusters_updated_at          ON clusters (updated_at, id);

CREATE TABLE node_groups (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid       TEXT    COLLATE "C" NOT NULL UNIQUE,
    cluster_id TEXT    COLLATE "C" NOT NULL REFERENCES clusters (uuid) ON DELETE CASCADE,
    project_id TEXT    COLLATE "C" NOT NULL,
    name       TEXT    COLLATE "C" NOT NULL,
    role       TEXT    COLLATE "C" NOT NULL,
    is_default BOOLEAN NOT NULL,
    status     TEXT    COLLATE "C" NOT NULL,
    node_count BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    revision   BIGINT  NOT NULL,
    body       TEXT    NOT NULL,
    UNIQUE (cluster_id, name)
);
CREATE INDEX node_groups_project_id ON node_groups (project_id, id);
CREATE INDEX node_groups_role       ON node_groups (role, id);
CREATE INDEX node_groups_status     ON node_groups (status, id);
CREATE INDEX node_groups_name       ON node_groups (name, id);
CREATE INDEX node_groups_node_count ON node_groups (node_count, id);
CREATE INDEX node_groups_created_at ON node_groups (created_at, id);
CREATE INDEX node_groups_updated_at ON node_groups (updated_at, id);
