-- Project files, the upload sessions they arrive in, and CSV imports of
-- tasks. File contents live in object storage (a local folder or an S3
-- bucket) under keys made of ids; the database holds what people see.
--
-- Mirror of migrations/sqlite/0013_files_and_imports.sql. Row-level
-- security as on the other tenant tables.

-- Each organization's storage limit in MiB (NULL: unlimited), set from
-- its plan like the other limits.
ALTER TABLE organizations ADD COLUMN storage_limit_mb BIGINT;

-- A batch of files sent together into a project (and maybe one of its
-- cycles). The counters move as each file arrives or is refused.
CREATE TABLE upload_sessions (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL,
    project_id     UUID NOT NULL,
    cycle_id       UUID REFERENCES cycles (id) ON DELETE SET NULL,
    created_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    status         TEXT NOT NULL CONSTRAINT upload_sessions_status_check
                       CHECK (status IN ('in_progress', 'completed', 'failed', 'cancelled')),
    files_total    BIGINT NOT NULL,
    files_uploaded BIGINT NOT NULL,
    files_failed   BIGINT NOT NULL,
    bytes_uploaded BIGINT NOT NULL,
    -- The files refused, JSON: [{"name": ..., "reason": ...}].
    failures       TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    CONSTRAINT upload_sessions_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT upload_sessions_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE
);
-- A project's sessions, newest first.
CREATE INDEX upload_sessions_project_idx ON upload_sessions (org_id, project_id, created_at DESC, id DESC);
-- Sessions whose browser went away (ended by maintenance).
-- A deleted cycle unsets its sessions' cycle.
CREATE INDEX upload_sessions_cycle_idx ON upload_sessions (cycle_id);
CREATE INDEX upload_sessions_open_idx ON upload_sessions (updated_at) WHERE status = 'in_progress';

CREATE TABLE project_files (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL,
    project_id        UUID NOT NULL,
    upload_session_id UUID REFERENCES upload_sessions (id) ON DELETE SET NULL,
    -- The name as the person gave it, made safe to show (never a path).
    name              TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    -- The type the browser declared, and the one read from the bytes.
    declared_type     TEXT,
    content_type      TEXT,
    sha256            TEXT,
    width             BIGINT,
    height            BIGINT,
    has_thumbnail     BOOLEAN NOT NULL,
    -- uploading: bytes arriving (its size is reserved against the limit);
    -- queued, processing: waiting for or in its processing job.
    status            TEXT NOT NULL CONSTRAINT project_files_status_check
                          CHECK (status IN ('uploading', 'queued', 'processing', 'ready', 'failed')),
    failure           TEXT,
    uploaded_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    -- In the trash since; purged 30 days later.
    deleted_at        TIMESTAMPTZ,
    CONSTRAINT project_files_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE
);
-- A project's files, newest first; its trash.
CREATE INDEX project_files_project_idx ON project_files (org_id, project_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX project_files_trash_idx ON project_files (org_id, project_id, deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX project_files_session_idx ON project_files (upload_session_id);
-- An organization's storage in use (summed under its lock on every
-- upload), and a project's files when it is purged.
CREATE INDEX project_files_org_project_idx ON project_files (org_id, project_id);
-- The purge of old trash and of uploads cut off mid-way.
CREATE INDEX project_files_purge_idx ON project_files (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX project_files_uploading_idx ON project_files (created_at) WHERE status = 'uploading';

-- A CSV file of tasks being imported into a project: uploaded, mapped to
-- task fields, then imported by a job.
CREATE TABLE task_imports (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL,
    project_id    UUID NOT NULL,
    created_by    UUID REFERENCES users (id) ON DELETE SET NULL,
    file_name     TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    -- The CSV's header row, JSON array of strings.
    columns       TEXT NOT NULL,
    -- Task field -> column index, JSON; set when the import starts.
    mapping       TEXT,
    status        TEXT NOT NULL CONSTRAINT task_imports_status_check
                      CHECK (status IN ('draft', 'importing', 'succeeded', 'failed', 'cancelled')),
    job_id        UUID REFERENCES jobs (id) ON DELETE SET NULL,
    rows_total    BIGINT,
    rows_imported BIGINT NOT NULL,
    rows_failed   BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    CONSTRAINT task_imports_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE
);
CREATE INDEX task_imports_project_idx ON task_imports (org_id, project_id, created_at DESC);
CREATE INDEX task_imports_created_idx ON task_imports (created_at);
CREATE INDEX task_imports_job_idx ON task_imports (job_id);

-- Objects whose row is gone (purged, or cascaded away with a project or
-- an organization): maintenance deletes them from storage, then the row
-- here. Filled by triggers, so no way of deleting a row forgets its bytes.
CREATE TABLE deleted_objects (
    owner_id UUID PRIMARY KEY,
    org_id   UUID NOT NULL,
    -- 'file' (the file and its thumbnail) or 'import' (the CSV and its
    -- error report).
    kind     TEXT NOT NULL CONSTRAINT deleted_objects_kind_check CHECK (kind IN ('file', 'import'))
);

CREATE FUNCTION remember_deleted_object() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deleted_objects (owner_id, org_id, kind) VALUES (OLD.id, OLD.org_id, TG_ARGV[0])
        ON CONFLICT (owner_id) DO NOTHING;
    RETURN OLD;
END
$$;
CREATE TRIGGER project_files_remember_object AFTER DELETE ON project_files
    FOR EACH ROW EXECUTE FUNCTION remember_deleted_object('file');
CREATE TRIGGER task_imports_remember_object AFTER DELETE ON task_imports
    FOR EACH ROW EXECUTE FUNCTION remember_deleted_object('import');

DO $$
DECLARE
    tenant_table TEXT;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['upload_sessions', 'project_files', 'task_imports', 'deleted_objects'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING ((SELECT app_tenant()) = ''*'' OR org_id = (SELECT app_tenant_id())) '
            'WITH CHECK ((SELECT app_tenant()) = ''*'' OR org_id = (SELECT app_tenant_id()))',
            tenant_table
        );
    END LOOP;
END
$$;
