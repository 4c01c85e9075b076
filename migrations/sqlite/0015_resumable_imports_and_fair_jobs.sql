-- Imports that survive a crash and always end, and a job queue that is
-- fair between organizations.

-- How many CSV records an import has committed (imported or refused):
-- a new attempt after a crash resumes after them. Written in the same
-- transaction as each batch's tasks, so a batch is either in and counted,
-- or neither.
ALTER TABLE task_imports ADD COLUMN rows_consumed BIGINT NOT NULL DEFAULT 0;
-- Why a failed import failed, in words for people.
ALTER TABLE task_imports ADD COLUMN error TEXT;

-- The rows an import refused, kept as the import goes (in each batch's
-- transaction), so the error report after a resumed import still lists
-- the rows refused before the crash.
CREATE TABLE task_import_refusals (
    org_id    BLOB NOT NULL,
    import_id BLOB NOT NULL REFERENCES task_imports (id) ON DELETE CASCADE,
    -- The record's place in the file (from 0), and its line (from 1).
    record    BIGINT NOT NULL,
    line      BIGINT NOT NULL,
    reason    TEXT NOT NULL,
    -- The record's cells as read, JSON array of strings.
    cells     TEXT NOT NULL,
    PRIMARY KEY (import_id, record)
);

-- Claiming: the platform's own jobs (account mail) first, then the
-- organizations in turn, each from its oldest due job.
CREATE INDEX jobs_queued_platform_idx ON jobs (run_at, id) WHERE status = 'queued' AND org_id IS NULL;
CREATE INDEX jobs_queued_org_idx ON jobs (org_id, run_at, id) WHERE status = 'queued' AND org_id IS NOT NULL;
DROP INDEX jobs_queued_idx;
