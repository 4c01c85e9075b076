-- The event outbox: one row per change that matters, written in the same
-- transaction as the change, so a change never commits without its event
-- nor an event without its change. The audit log, webhooks and live pages
-- read from here: one record, three consumers.
--
-- Mirror of migrations/sqlite/0021_events.sql, with row-level security as
-- on the other tenant tables and a notification on commit.

CREATE TABLE events (
    -- The outbox's order: streams resume after the last seq they saw.
    -- Taken when the row is inserted, so two transactions may commit out
    -- of seq order; a reader that must not skip one waits for gaps.
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The event's public id (UUID v7), later the `webhook-id`.
    id            UUID NOT NULL CONSTRAINT events_id_key UNIQUE,
    -- No foreign key, as for the audit log: events outlive what they
    -- mention.
    org_id        UUID NOT NULL,
    -- A dotted type: task.created, member.role-changed, license.renewed
    -- (licensing events use Keygen's webhook event names).
    type          TEXT NOT NULL,
    -- What changed: a kind (task, project, license, ...) and its id.
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    -- Who changed it; NULL for the system's own changes.
    actor_id      UUID,
    -- A JSON object: the resource or a summary of the change, never a
    -- secret.
    data          TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL
);

-- An organization's events in order (streams, deliveries).
CREATE INDEX events_org_seq_idx ON events (org_id, seq);

-- Append-only, like the audit log.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Tells listeners (`LISTEN atrium_events`) of each event as
-- `<org_id>:<seq>`. PostgreSQL delivers a notification when its
-- transaction commits, and never when it rolls back.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('atrium_events', NEW.org_id::text || ':' || NEW.seq::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_notify();

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events
    USING ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()))
    WITH CHECK ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()));
