-- The task list at any size: counters instead of counts, an index for each
-- order the list offers, and a trigram index for search.
--
-- Counters. A project keeps how many of its tasks are open, done and in the
-- trash, and a cycle how many it holds and how many of those are done, so
-- an unfiltered list, the project list and the cycle bars never count rows.
-- Triggers keep them in the same transaction as every change to a task,
-- whichever statement makes it (insert, edit, move, trash, purge, a
-- project's cascade), so no code path can forget one.
--
-- Indexes. The list shows one project's tasks of one status in one order;
-- each order of the open list (the default status) has a partial index
-- whose columns are that order, so a page is read straight from the index
-- (and the next page from where the last ended: keyset paging) without
-- sorting the project's tasks. "Created" is id order (UUID v7). The
-- expressions (undated last in either direction, priority by urgency) are
-- written exactly as the list's queries write them, so the planner
-- matches them. Done, all and the trash are listed by creation.
--
-- Search. Tasks' lowercased title and description go into an FTS5 table
-- with the trigram tokenizer, which finds any substring of three or more
-- characters without reading every task.

ALTER TABLE projects ADD COLUMN open_tasks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN done_tasks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN trashed_tasks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cycles ADD COLUMN total_tasks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cycles ADD COLUMN done_tasks INTEGER NOT NULL DEFAULT 0;

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

CREATE TRIGGER tasks_counters_insert AFTER INSERT ON tasks BEGIN
    UPDATE projects SET
        open_tasks = open_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NULL),
        done_tasks = done_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NOT NULL),
        trashed_tasks = trashed_tasks + (NEW.deleted_at IS NOT NULL)
    WHERE org_id = NEW.org_id AND id = NEW.project_id;
    UPDATE cycles SET
        total_tasks = total_tasks + (NEW.deleted_at IS NULL),
        done_tasks = done_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NOT NULL)
    WHERE NEW.cycle_id IS NOT NULL AND org_id = NEW.org_id AND id = NEW.cycle_id;
END;

CREATE TRIGGER tasks_counters_delete AFTER DELETE ON tasks BEGIN
    UPDATE projects SET
        open_tasks = open_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NULL),
        done_tasks = done_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NOT NULL),
        trashed_tasks = trashed_tasks - (OLD.deleted_at IS NOT NULL)
    WHERE org_id = OLD.org_id AND id = OLD.project_id;
    UPDATE cycles SET
        total_tasks = total_tasks - (OLD.deleted_at IS NULL),
        done_tasks = done_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NOT NULL)
    WHERE OLD.cycle_id IS NOT NULL AND org_id = OLD.org_id AND id = OLD.cycle_id;
END;

-- Only when something counted changes: edits of a title or a due date do
-- not touch the project row.
CREATE TRIGGER tasks_counters_update AFTER UPDATE OF project_id, cycle_id, completed_at, deleted_at ON tasks
WHEN OLD.project_id IS NOT NEW.project_id OR OLD.cycle_id IS NOT NEW.cycle_id
  OR (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL) OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE projects SET
        open_tasks = open_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NULL),
        done_tasks = done_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NOT NULL),
        trashed_tasks = trashed_tasks - (OLD.deleted_at IS NOT NULL)
    WHERE org_id = OLD.org_id AND id = OLD.project_id;
    UPDATE projects SET
        open_tasks = open_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NULL),
        done_tasks = done_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NOT NULL),
        trashed_tasks = trashed_tasks + (NEW.deleted_at IS NOT NULL)
    WHERE org_id = NEW.org_id AND id = NEW.project_id;
    UPDATE cycles SET
        total_tasks = total_tasks - (OLD.deleted_at IS NULL),
        done_tasks = done_tasks - (OLD.deleted_at IS NULL AND OLD.completed_at IS NOT NULL)
    WHERE OLD.cycle_id IS NOT NULL AND org_id = OLD.org_id AND id = OLD.cycle_id;
    UPDATE cycles SET
        total_tasks = total_tasks + (NEW.deleted_at IS NULL),
        done_tasks = done_tasks + (NEW.deleted_at IS NULL AND NEW.completed_at IS NOT NULL)
    WHERE NEW.cycle_id IS NOT NULL AND org_id = NEW.org_id AND id = NEW.cycle_id;
END;

-- The list's indexes (see above). All lead with the tenant and project.
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
-- Filters of the open list, in creation order.
CREATE INDEX tasks_open_assignee_idx ON tasks (org_id, project_id, assignee_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_unassigned_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL AND assignee_id IS NULL;
CREATE INDEX tasks_open_priority_filter_idx ON tasks (org_id, project_id, priority, id)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX tasks_open_due_on_idx ON tasks (org_id, project_id, due_on)
    WHERE deleted_at IS NULL AND completed_at IS NULL;
-- The other statuses, in creation order.
CREATE INDEX tasks_done_idx ON tasks (org_id, project_id, id)
    WHERE deleted_at IS NULL AND completed_at IS NOT NULL;
CREATE INDEX tasks_live_idx ON tasks (org_id, project_id, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_trash_idx ON tasks (org_id, project_id, id) WHERE deleted_at IS NOT NULL;

-- Search: an external-content FTS5 table over tasks.search_text, kept in
-- step by triggers. Its rowid is the task row's rowid.
CREATE VIRTUAL TABLE tasks_search USING fts5(search_text, content = 'tasks', content_rowid = 'rowid',
    tokenize = 'trigram');
INSERT INTO tasks_search (rowid, search_text) SELECT rowid, search_text FROM tasks;

CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF search_text ON tasks
WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO tasks_search (tasks_search, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
    INSERT INTO tasks_search (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END;
