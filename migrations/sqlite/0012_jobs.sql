-- Durable background jobs: the one queue of the application (mail, the
-- periodic purges, and later file processing and imports).
--
-- A job is `queued` until a worker claims it (`running`, with a lease the
-- worker keeps extending); it ends `succeeded`, `failed` (after
-- `max_attempts`, the last error kept) or `cancelled`. A failed attempt is
-- queued again for `run_at` later (backoff). A running job whose lease ran
-- out (its process died) is claimed again.
--
-- Mirror: migrations/postgres/0012_jobs.sql.

CREATE TABLE jobs (
    id               BLOB PRIMARY KEY NOT NULL,
    -- The organization the job works for; NULL: the platform's own
    -- (purges, account mail).
    org_id           BLOB REFERENCES organizations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    -- The job's input, JSON.
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CONSTRAINT jobs_status_check
                         CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts         BIGINT NOT NULL,
    max_attempts     BIGINT NOT NULL,
    -- Not before: when it was enqueued, or its next retry.
    run_at           TEXT NOT NULL,
    -- The worker running it and until when its claim holds.
    locked_by        TEXT,
    lease_until      TEXT,
    cancel_requested BOOLEAN NOT NULL,
    progress_done    BIGINT NOT NULL,
    progress_total   BIGINT,
    progress_message TEXT,
    last_error       TEXT,
    -- At most one job per key (a periodic job's kind and period).
    unique_key       TEXT CONSTRAINT jobs_unique_key_key UNIQUE,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT
);

-- The workers' claim: the oldest due queued job.
CREATE INDEX jobs_queued_idx ON jobs (run_at, id) WHERE status = 'queued';
-- Claims whose lease ran out.
CREATE INDEX jobs_running_idx ON jobs (lease_until) WHERE status = 'running';
-- An organization's recent jobs, and the platform's (org_id NULL).
CREATE INDEX jobs_org_id_idx ON jobs (org_id, created_at);
