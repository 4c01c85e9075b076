-- Projects, their cycles and tasks, and the organization's labels.
--
-- Mirror of migrations/sqlite/0002_projects_tasks.sql: same tables,
-- columns, constraint and index names; see that file for the reasoning
-- behind the composite keys and the org_id-first indexes. The *_key columns
-- are COLLATE "C" so they sort bytewise, as SQLite does.

CREATE TABLE projects (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    archived_at TIMESTAMPTZ,
    -- In the trash since; purged 30 days later.
    deleted_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT projects_org_id_id_key UNIQUE (org_id, id)
);

-- A live project's name is unique in its organization; trashed projects
-- do not count. Also serves the project list ordered by name.
CREATE UNIQUE INDEX projects_org_name_key ON projects (org_id, name_key) WHERE deleted_at IS NULL;
-- An organization's trash, and the purge of projects trashed long ago.
CREATE INDEX projects_org_deleted_idx ON projects (org_id, deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE cycles (
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL,
    project_id UUID NOT NULL,
    name       TEXT NOT NULL,
    starts_on  DATE NOT NULL,
    ends_on    DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT cycles_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT cycles_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE,
    CONSTRAINT cycles_dates_check CHECK (ends_on >= starts_on)
);

-- A project's cycles in date order.
CREATE INDEX cycles_org_project_idx ON cycles (org_id, project_id, starts_on);

CREATE TABLE tasks (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL,
    project_id   UUID NOT NULL,
    title        TEXT NOT NULL,
    title_key    TEXT COLLATE "C" NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    -- Lowercased title and description: what search matches against.
    search_text  TEXT NOT NULL,
    priority     TEXT NOT NULL DEFAULT 'none' CONSTRAINT tasks_priority_check
                     CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_on       DATE,
    assignee_id  UUID REFERENCES users (id) ON DELETE SET NULL,
    cycle_id     UUID REFERENCES cycles (id) ON DELETE SET NULL,
    -- Set by the server when the task is completed, cleared when reopened.
    completed_at TIMESTAMPTZ,
    created_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
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
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT COLLATE "C" NOT NULL,
    -- A palette name, not a free colour: styles come from our stylesheet,
    -- so the CSP needs no inline styles.
    color      TEXT NOT NULL CONSTRAINT labels_color_check
                   CHECK (color IN ('gray', 'red', 'orange', 'amber', 'green', 'teal', 'blue', 'indigo', 'purple', 'pink')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT labels_org_id_id_key UNIQUE (org_id, id),
    -- Also serves the label list ordered by name.
    CONSTRAINT labels_org_name_key UNIQUE (org_id, name_key)
);

CREATE TABLE task_labels (
    org_id   UUID NOT NULL,
    task_id  UUID NOT NULL,
    label_id UUID NOT NULL,
    -- The labels of a page of tasks: (org_id, task_id IN (...)).
    CONSTRAINT task_labels_pkey PRIMARY KEY (org_id, task_id, label_id),
    CONSTRAINT task_labels_task_fkey FOREIGN KEY (org_id, task_id)
        REFERENCES tasks (org_id, id) ON DELETE CASCADE,
    CONSTRAINT task_labels_label_fkey FOREIGN KEY (org_id, label_id)
        REFERENCES labels (org_id, id) ON DELETE CASCADE
);

-- The label filter: the tasks carrying a label.
CREATE INDEX task_labels_org_label_idx ON task_labels (org_id, label_id, task_id);
