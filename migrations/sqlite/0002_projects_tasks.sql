-- Projects, their cycles and tasks, and the organization's labels.
--
-- Tenancy: every table carries org_id, and every reference between tenant
-- rows is a composite foreign key on (org_id, id), so the database itself
-- refuses a task whose project, or a label link whose label, belongs to
-- another organization. (Nullable references, assignee and cycle, are
-- single-column with ON DELETE SET NULL; the application checks their
-- tenant.)
--
-- Indexes: every list and count of tenant rows filters on org_id equality
-- first, so every index here leads with org_id. One index range then holds
-- exactly one organization's rows; a query can never be served by scanning
-- other tenants, and a later split of tables by tenant keeps each index
-- whole within its shard.
--
-- *_key columns hold a lowercased copy (Rust's Unicode lowercasing) for
-- case-insensitive uniqueness, search and sorting that behave the same on
-- SQLite and PostgreSQL (SQLite's lower() folds ASCII only; PostgreSQL
-- declares these columns COLLATE "C" so both sort bytewise).

CREATE TABLE projects (
    id          BLOB PRIMARY KEY NOT NULL,
    org_id      BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    -- In the trash since; purged 30 days later.
    deleted_at  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CONSTRAINT projects_org_id_id_key UNIQUE (org_id, id)
);

-- A live project's name is unique in its organization; trashed projects
-- do not count. Also serves the project list ordered by name.
CREATE UNIQUE INDEX projects_org_name_key ON projects (org_id, name_key) WHERE deleted_at IS NULL;
-- An organization's trash, and the purge of projects trashed long ago.
CREATE INDEX projects_org_deleted_idx ON projects (org_id, deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE cycles (
    id         BLOB PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL,
    project_id BLOB NOT NULL,
    name       TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT cycles_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT cycles_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE,
    CONSTRAINT cycles_dates_check CHECK (ends_on >= starts_on)
);

-- A project's cycles in date order.
CREATE INDEX cycles_org_project_idx ON cycles (org_id, project_id, starts_on);

CREATE TABLE tasks (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL,
    project_id   BLOB NOT NULL,
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    -- Lowercased title and description: what search matches against.
    search_text  TEXT NOT NULL,
    priority     TEXT NOT NULL DEFAULT 'none' CONSTRAINT tasks_priority_check
                     CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_on       TEXT,
    assignee_id  BLOB REFERENCES users (id) ON DELETE SET NULL,
    cycle_id     BLOB REFERENCES cycles (id) ON DELETE SET NULL,
    -- Set by the server when the task is completed, cleared when reopened.
    completed_at TEXT,
    created_by   BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CONSTRAINT tasks_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE
);

-- A project's task list and its open/done counts (completed_at IS NULL or not).
CREATE INDEX tasks_org_project_idx ON tasks (org_id, project_id, completed_at);
-- "Assigned to me" on the dashboard, and the assignee filter.
CREATE INDEX tasks_org_assignee_idx ON tasks (org_id, assignee_id, completed_at);
-- The overdue count: open tasks by due date.
CREATE INDEX tasks_org_due_idx ON tasks (org_id, due_on) WHERE completed_at IS NULL;
-- Tasks completed per week (the dashboard chart).
CREATE INDEX tasks_org_completed_idx ON tasks (org_id, completed_at) WHERE completed_at IS NOT NULL;
-- A cycle's progress.
CREATE INDEX tasks_org_cycle_idx ON tasks (org_id, cycle_id);

CREATE TABLE labels (
    id         BLOB PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    -- A palette name, not a free colour: styles come from our stylesheet,
    -- so the CSP needs no inline styles.
    color      TEXT NOT NULL CONSTRAINT labels_color_check
                   CHECK (color IN ('gray', 'red', 'orange', 'amber', 'green', 'teal', 'blue', 'indigo', 'purple', 'pink')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT labels_org_id_id_key UNIQUE (org_id, id),
    -- Also serves the label list ordered by name.
    CONSTRAINT labels_org_name_key UNIQUE (org_id, name_key)
);

CREATE TABLE task_labels (
    org_id   BLOB NOT NULL,
    task_id  BLOB NOT NULL,
    label_id BLOB NOT NULL,
    -- The labels of a page of tasks: (org_id, task_id IN (...)).
    CONSTRAINT task_labels_pkey PRIMARY KEY (org_id, task_id, label_id),
    CONSTRAINT task_labels_task_fkey FOREIGN KEY (org_id, task_id)
        REFERENCES tasks (org_id, id) ON DELETE CASCADE,
    CONSTRAINT task_labels_label_fkey FOREIGN KEY (org_id, label_id)
        REFERENCES labels (org_id, id) ON DELETE CASCADE
);

-- The label filter: the tasks carrying a label.
CREATE INDEX task_labels_org_label_idx ON task_labels (org_id, label_id, task_id);
