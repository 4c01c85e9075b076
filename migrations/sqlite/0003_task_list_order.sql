-- The default task list (a project's open tasks, newest first) reads its
-- page straight from this index: org_id and project_id pick the tenant's
-- project, completed_at IS NULL its open tasks, and (created_at, id) is the
-- list's order, so the first page needs no sort of the whole project. The
-- open and done counts use the first three columns, as before.
DROP INDEX tasks_org_project_idx;
CREATE INDEX tasks_org_project_idx ON tasks (org_id, project_id, completed_at, created_at, id);
