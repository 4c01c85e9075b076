-- A tenant's lists cost the same whatever the other tenants hold.
--
-- Mirror of migrations/sqlite/0024_plans_independent_of_other_tenants.sql,
-- which needs only the index order (SQLite never chose the primary key).
--
-- The primary key. Keyed by `id` alone, the tasks' primary key offered the
-- planner a second way to read the default task list (newest first): walk
-- the key backwards from the newest task and drop every row of another
-- organization or project on the way. When another organization's tasks
-- are newer and about as many, the two plans cost within 1 % of each
-- other (each row's labels subquery adds the same to both) and the key,
-- cheaper to start, won: the list read the other tenant's 10,000 tasks to
-- find its 50. Keyed by `(org_id, id)` the key only ever reaches the
-- tenant's own rows. Nothing refers to a task by `id` alone (`task_labels`
-- refers to `(org_id, id)`, and every statement on tasks names the
-- organization), and the old `UNIQUE (org_id, id)` becomes the key.
ALTER TABLE task_labels DROP CONSTRAINT task_labels_task_fkey;
ALTER TABLE tasks DROP CONSTRAINT tasks_org_id_id_key;
ALTER TABLE tasks DROP CONSTRAINT tasks_pkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_pkey PRIMARY KEY (org_id, id);
ALTER TABLE task_labels ADD CONSTRAINT task_labels_task_fkey FOREIGN KEY (org_id, task_id)
    REFERENCES tasks (org_id, id) ON DELETE CASCADE;

-- The same for the event outbox: a stream reads one organization's events
-- after a `seq`, and a key on `seq` alone could be walked across every
-- organization's newer events. `(org_id, seq)` is that stream's order, so
-- it replaces `events_org_seq_idx`.
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (org_id, seq);
DROP INDEX events_org_seq_idx;

-- Index order. `tasks_open_idx`, `tasks_done_idx` and `tasks_live_idx`
-- have the same columns, and the live index (every task not in the trash)
-- also covers the open and the done lists. When the estimates tie (no
-- done tasks yet, or statistics not yet gathered) both planners take the
-- index made last; made before the live index, the open list would read
-- the done tasks too. Made again here, after it, the open and the done
-- lists keep their own indexes. `app/tests/plans.rs` holds every list to
-- its index.
DROP INDEX tasks_open_idx;
CREATE INDEX tasks_open_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
DROP INDEX tasks_done_idx;
CREATE INDEX tasks_done_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NOT NULL;
