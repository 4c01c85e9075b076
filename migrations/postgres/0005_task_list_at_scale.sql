-- The task list at any size: counters instead of counts, an index for each
-- order the list offers, and a trigram index for search.
--
-- Mirror of migrations/sqlite/0005_task_list_at_scale.sql; see that file
-- for the reasoning. Here one trigger function keeps the counters, and
-- search uses pg_trgm's GIN index on the same lowercased text (a trusted
-- extension: the database's owner may create it).

ALTER TABLE projects ADD COLUMN open_tasks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN done_tasks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN trashed_tasks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cycles ADD COLUMN total_tasks BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cycles ADD COLUMN done_tasks BIGINT NOT NULL DEFAULT 0;

UPDATE projects SET
    open_tasks = (SELECT COUNT(*) FROM tasks t WHERE t.org_id = projects.org_id AND t.project_id = projects.id
                    AND t.deleted_at IS NULL AND t.completed_at IS NULL),
    done_tasks = (SELECT COUNT(*) FROM tasks t WHERE t.org_id = projects.org_id AND t.project_id = projects.id
                    AND t.deleted_at IS NULL AND t.completed_at IS NOT NULL),
    trashed_tasks = (SELECT COUNT(*) FROM tasks t WHERE t.org_id = projects.org_id AND t.project_id = projects.id
                    AND t.deleted_at IS NOT NULL);
UPDATE cycles SET
    total_tasks = (SELECT COUNT(*) FROM tasks t WHERE t.org_id = cycles.org_id AND t.cycle_id = cycles.id
                     AND t.deleted_at IS NULL),
    done_tasks = (SELECT COUNT(*) FROM tasks t WHERE t.org_id = cycles.org_id AND t.cycle_id = cycles.id
                    AND t.deleted_at IS NULL AND t.completed_at IS NOT NULL);

-- Adds `sign` (1 or -1) times a task row's share to its project's and its
-- cycle's counters.
CREATE FUNCTION tasks_count(task tasks, sign INTEGER) RETURNS void LANGUAGE sql AS $$
    UPDATE projects SET
        open_tasks = open_tasks + sign * (task.deleted_at IS NULL AND task.completed_at IS NULL)::INTEGER,
        done_tasks = done_tasks + sign * (task.deleted_at IS NULL AND task.completed_at IS NOT NULL)::INTEGER,
        trashed_tasks = trashed_tasks + sign * (task.deleted_at IS NOT NULL)::INTEGER
    WHERE org_id = task.org_id AND id = task.project_id;
    UPDATE cycles SET
        total_tasks = total_tasks + sign * (task.deleted_at IS NULL)::INTEGER,
        done_tasks = done_tasks + sign * (task.deleted_at IS NULL AND task.completed_at IS NOT NULL)::INTEGER
    WHERE task.cycle_id IS NOT NULL AND org_id = task.org_id AND id = task.cycle_id;
$$;

CREATE FUNCTION tasks_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.project_id = NEW.project_id AND OLD.cycle_id IS NOT DISTINCT FROM NEW.cycle_id
       AND (OLD.completed_at IS NULL) = (NEW.completed_at IS NULL)
       AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM tasks_count(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM tasks_count(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tasks_counters AFTER INSERT OR DELETE OR UPDATE OF project_id, cycle_id, completed_at, deleted_at
    ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_counters();

DROP INDEX tasks_org_project_idx;
DROP INDEX tasks_org_trash_idx;
-- Replaced: with (org_id, assignee_id, completed_at) the planner took it
-- for the list's assignee filter, equal on as many columns as
-- tasks_open_assignee_idx, and then sorted every assigned task. The
-- dashboard's "my open tasks, soonest due first" reads this one instead,
-- in its order.
DROP INDEX tasks_org_assignee_idx;
CREATE INDEX tasks_org_assignee_due_idx ON tasks (org_id, assignee_id, COALESCE(due_on, '9999-12-31'), id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_updated_idx ON tasks (org_id, project_id, updated_at, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_due_asc_idx ON tasks (org_id, project_id, COALESCE(due_on, '9999-12-31'), id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_due_desc_idx ON tasks (org_id, project_id, COALESCE(due_on, '0001-01-01'), id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_priority_idx ON tasks (org_id, project_id,
    (CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END), id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_title_idx ON tasks (org_id, project_id, title_key, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_assignee_idx ON tasks (org_id, project_id, assignee_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_unassigned_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL AND assignee_id IS NULL;
CREATE INDEX tasks_open_priority_filter_idx ON tasks (org_id, project_id, priority, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_due_on_idx ON tasks (org_id, project_id, due_on)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_done_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NOT NULL;
CREATE INDEX tasks_live_idx ON tasks (org_id, project_id, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_trash_idx ON tasks (org_id, project_id, id) WHERE deleted_at IS NOT NULL;

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX tasks_search_idx ON tasks USING gin (search_text gin_trgm_ops);
