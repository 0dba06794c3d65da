-- Templates, clusters and node groups.
--
-- Each table keeps the whole record as JSON in body; the other columns are
-- copies of the fields the store filters and sorts on, written from the same
-- record in the same statement. id is the creation order (AUTOINCREMENT never
-- reuses a value). Times are microseconds since the Unix epoch, UTC; a record
-- never updated has updated_at = -9223372036854775808 so that it sorts first.
-- Text compares by bytes (SQLite's BINARY collation).

CREATE TABLE cluster_templates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    coe        TEXT    NOT NULL,
    public     INTEGER NOT NULL,
    hidden     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX cluster_templates_project_id ON cluster_templates (project_id, id);
CREATE INDEX cluster_templates_public     ON cluster_templates (public, hidden);
CREATE INDEX cluster_templates_name       ON cluster_templates (name, id);
CREATE INDEX cluster_templates_coe        ON cluster_templates (coe, id);
CREATE INDEX cluster_templates_created_at ON cluster_templates (created_at, id);
CREATE INDEX cluster_templates_updated_at ON cluster_templates (updated_at, id);

CREATE TABLE clusters (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                TEXT    NOT NULL UNIQUE,
    project_id          TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    cluster_template_id TEXT    NOT NULL REFERENCES cluster_templates (uuid) ON DELETE RESTRICT,
    status              TEXT    NOT NULL,
    node_count          INTEGER NOT NULL,
    master_count        INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    revision            INTEGER NOT NULL,
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
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid       TEXT    NOT NULL UNIQUE,
    cluster_id TEXT    NOT NULL REFERENCES clusters (uuid) ON DELETE CASCADE,
    project_id TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    is_default INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    node_count INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
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
