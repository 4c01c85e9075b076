-- Durable background jobs: the one queue of the application (mail, the
-- periodic purges, and later file processing and imports).
--
-- A job is `queued` until a worker claims it (`running`, with a lease the
-- worker keeps extending); it ends `succeeded`, `failed` (after
-- `max_attempts`, the last error kept) or `cancelled`. A failed attempt is
-- queued again for `run_at` later (backoff). A running job whose lease ran
-- out (its process died) is claimed again.
--
-- Mirror of migrations/sqlite/0012_jobs.sql. Row-level security as on the
-- other tenant tables; the platform's own jobs (org_id NULL) are seen only
-- by every-tenant connections (the workers).

CREATE TABLE jobs (
    id               UUID PRIMARY KEY,
    -- The organization the job works for; NULL: the platform's own
    -- (purges, account mail).
    org_id           UUID REFERENCES organizations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    -- The job's input, JSON.
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CONSTRAINT jobs_status_check
                         CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts         BIGINT NOT NULL,
    max_attempts     BIGINT NOT NULL,
    -- Not before: when it was enqueued, or its next retry.
    run_at           TIMESTAMPTZ NOT NULL,
    -- The worker running it and until when its claim holds.
    locked_by        TEXT,
    lease_until      TIMESTAMPTZ,
    cancel_requested BOOLEAN NOT NULL,
    progress_done    BIGINT NOT NULL,
    progress_total   BIGINT,
    progress_message TEXT,
    last_error       TEXT,
    -- At most one job per key (a periodic job's kind and period).
    unique_key       TEXT CONSTRAINT jobs_unique_key_key UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ
);

-- The workers' claim: the oldest due queued job.
CREATE INDEX jobs_queued_idx ON jobs (run_at, id) WHERE status = 'queued';
-- Claims whose lease ran out.
CREATE INDEX jobs_running_idx ON jobs (lease_until) WHERE status = 'running';
-- An organization's recent jobs, and the platform's (org_id NULL).
CREATE INDEX jobs_org_id_idx ON jobs (org_id, created_at);

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs
    USING ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()))
    WITH CHECK ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()));
