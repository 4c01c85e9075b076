-- A tenant's lists cost the same whatever the other tenants hold.
--
-- Mirror of migrations/postgres/0024_plans_independent_of_other_tenants.sql.
-- There the tasks' and events' primary keys also gain `org_id`; here they
-- need not: the application gathers no statistics on SQLite, so its
-- planner goes by the statements' shape, and a key that matches none of a
-- list's equalities (`id`, or the rowid) loses to an index that matches
-- two (`org_id`, `project_id`).
--
-- Index order. `tasks_open_idx`, `tasks_done_idx` and `tasks_live_idx`
-- have the same columns, and the live index (every task not in the trash)
-- also covers the open and the done lists. When the estimates tie, as they
-- always do here, the planner takes the index made last: made before the
-- live index, the open list read it and skipped every done task on the way
-- (64 ms instead of 0.2 ms with 200,000 done tasks). Made again here,
-- after it, the open and the done lists keep their own indexes.
-- `app/tests/plans.rs` holds every list to its index.
DROP INDEX tasks_open_idx;
CREATE INDEX tasks_open_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
DROP INDEX tasks_done_idx;
CREATE INDEX tasks_done_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NOT NULL;
