-- Tasks get a trash, every reference between tenant rows becomes a
-- composite foreign key on (org_id, id), members sort by a Rust-made name
-- key, and failed sign-ins are counted per email and client network.
--
-- SQLite cannot change a table's foreign keys in place, so `tasks` is
-- rebuilt. Dropping a table with foreign keys on deletes its rows first and
-- cascades to its children, so `task_labels` is set aside before and made
-- again after (sqlx runs this file in one transaction, where
-- `PRAGMA foreign_keys` cannot be switched off).

CREATE TABLE task_labels_saved AS SELECT org_id, task_id, label_id FROM task_labels;
DROP TABLE task_labels;

CREATE TABLE tasks_rebuilt (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL,
    project_id   BLOB NOT NULL,
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    search_text  TEXT NOT NULL,
    priority     TEXT NOT NULL DEFAULT 'none' CONSTRAINT tasks_priority_check
                     CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_on       TEXT,
    -- A member of the task's organization: the reference is to the
    -- membership, so another tenant's user cannot be assigned. Removing a
    -- member unassigns their tasks first (the application does it in the
    -- same transaction; a composite SET NULL would also null org_id).
    assignee_id  BLOB,
    -- One of the organization's cycles (the application also checks it is
    -- the task's project's). Deleting a cycle clears it first, likewise.
    cycle_id     BLOB,
    completed_at TEXT,
    created_by   BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- In the trash since; restorable, purged 30 days later.
    deleted_at   TEXT,
    CONSTRAINT tasks_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE,
    CONSTRAINT tasks_assignee_fkey FOREIGN KEY (org_id, assignee_id)
        REFERENCES memberships (org_id, user_id),
    CONSTRAINT tasks_cycle_fkey FOREIGN KEY (org_id, cycle_id)
        REFERENCES cycles (org_id, id)
);

INSERT INTO tasks_rebuilt (id, org_id, project_id, title, title_key, description, search_text, priority, due_on,
                           assignee_id, cycle_id, completed_at, created_by, created_at, updated_at)
SELECT t.id, t.org_id, t.project_id, t.title, t.title_key, t.description, t.search_text, t.priority, t.due_on,
       -- Only references the new keys accept survive (the application never
       -- wrote others; this only guards against hand-edited data).
       CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = t.org_id AND m.user_id = t.assignee_id)
            THEN t.assignee_id END,
       CASE WHEN EXISTS (SELECT 1 FROM cycles c WHERE c.org_id = t.org_id AND c.id = t.cycle_id)
            THEN t.cycle_id END,
       t.completed_at, t.created_by, t.created_at, t.updated_at
FROM tasks t;

DROP TABLE tasks;
ALTER TABLE tasks_rebuilt RENAME TO tasks;

CREATE INDEX tasks_org_project_idx ON tasks (org_id, project_id, completed_at, created_at, id);
CREATE INDEX tasks_org_assignee_idx ON tasks (org_id, assignee_id, completed_at);
CREATE INDEX tasks_org_due_idx ON tasks (org_id, due_on) WHERE completed_at IS NULL;
CREATE INDEX tasks_org_completed_idx ON tasks (org_id, completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX tasks_org_cycle_idx ON tasks (org_id, cycle_id);
-- A project's trash.
CREATE INDEX tasks_org_trash_idx ON tasks (org_id, project_id, deleted_at) WHERE deleted_at IS NOT NULL;
-- The purge of tasks trashed long ago, across organizations (maintenance).
CREATE INDEX tasks_trash_purge_idx ON tasks (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE task_labels (
    org_id   BLOB NOT NULL,
    task_id  BLOB NOT NULL,
    label_id BLOB NOT NULL,
    CONSTRAINT task_labels_pkey PRIMARY KEY (org_id, task_id, label_id),
    CONSTRAINT task_labels_task_fkey FOREIGN KEY (org_id, task_id)
        REFERENCES tasks (org_id, id) ON DELETE CASCADE,
    CONSTRAINT task_labels_label_fkey FOREIGN KEY (org_id, label_id)
        REFERENCES labels (org_id, id) ON DELETE CASCADE
);
CREATE INDEX task_labels_org_label_idx ON task_labels (org_id, label_id, task_id);
INSERT INTO task_labels (org_id, task_id, label_id) SELECT org_id, task_id, label_id FROM task_labels_saved;
DROP TABLE task_labels_saved;

-- The purge of projects trashed long ago, across organizations.
CREATE INDEX projects_trash_purge_idx ON projects (deleted_at) WHERE deleted_at IS NOT NULL;

-- Members and organizations are listed by name, compared through a lowercased copy made in
-- Rust like every other name key. Existing rows start from SQL's lower()
-- (ASCII only here); the application rewrites the key with every rename.
ALTER TABLE users ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE users SET name_key = lower(display_name);
-- Organizations too (the switcher lists them by name).
ALTER TABLE organizations ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE organizations SET name_key = lower(name);

-- Failed sign-ins per email and client network (an IPv4 address or an
-- IPv6 /64, as text); see app::server::auth::lockout. Not tenant data: an
-- email may have no account at all.
CREATE TABLE sign_in_failures (
    email           TEXT NOT NULL,
    address         TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    CONSTRAINT sign_in_failures_pkey PRIMARY KEY (email, address)
);
-- Forgetting old counts.
CREATE INDEX sign_in_failures_last_idx ON sign_in_failures (last_failure_at);
