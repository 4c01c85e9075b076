-- Tasks get a trash, every reference between tenant rows becomes a
-- composite foreign key on (org_id, id), members sort by a Rust-made name
-- key, and failed sign-ins are counted per email and client network.
--
-- Mirror of migrations/sqlite/0004_task_trash_and_tenant_keys.sql (which
-- rebuilds the table; here the constraints change in place).

ALTER TABLE tasks ADD COLUMN deleted_at TIMESTAMPTZ;

-- Only references the new keys accept survive (the application never
-- wrote others; this only guards against hand-edited data).
UPDATE tasks t SET assignee_id = NULL WHERE assignee_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = t.org_id AND m.user_id = t.assignee_id);
UPDATE tasks t SET cycle_id = NULL WHERE cycle_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM cycles c WHERE c.org_id = t.org_id AND c.id = t.cycle_id);

-- A member of the task's organization: the reference is to the membership.
-- Removing a member unassigns their tasks first, and deleting a cycle
-- clears it first, in the application (as on SQLite, where a composite
-- SET NULL would also null org_id).
ALTER TABLE tasks DROP CONSTRAINT tasks_assignee_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT tasks_cycle_id_fkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fkey FOREIGN KEY (org_id, assignee_id)
    REFERENCES memberships (org_id, user_id);
ALTER TABLE tasks ADD CONSTRAINT tasks_cycle_fkey FOREIGN KEY (org_id, cycle_id)
    REFERENCES cycles (org_id, id);

-- A project's trash.
CREATE INDEX tasks_org_trash_idx ON tasks (org_id, project_id, deleted_at) WHERE deleted_at IS NOT NULL;
-- The purge of tasks trashed long ago, across organizations (maintenance).
CREATE INDEX tasks_trash_purge_idx ON tasks (deleted_at) WHERE deleted_at IS NOT NULL;
-- The purge of projects trashed long ago, across organizations.
CREATE INDEX projects_trash_purge_idx ON projects (deleted_at) WHERE deleted_at IS NOT NULL;

-- Members and organizations are listed by name, compared through a lowercased copy made in
-- Rust like every other name key; the application rewrites it with every
-- rename.
ALTER TABLE users ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE users SET name_key = lower(display_name);
-- Organizations too (the switcher lists them by name).
ALTER TABLE organizations ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE organizations SET name_key = lower(name);

-- Failed sign-ins per email and client network (an IPv4 address or an
-- IPv6 /64, as text); see app::server::auth::lockout.
CREATE TABLE sign_in_failures (
    email           TEXT NOT NULL,
    address         TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT sign_in_failures_pkey PRIMARY KEY (email, address)
);
-- Forgetting old counts.
CREATE INDEX sign_in_failures_last_idx ON sign_in_failures (last_failure_at);
