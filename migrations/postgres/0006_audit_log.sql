-- The audit log: what was done, by whom, from where, to what. Append-only:
-- a trigger refuses every UPDATE and DELETE (TRUNCATE too), so not even
-- the application can rewrite history.
--
-- Mirror of migrations/sqlite/0006_audit_log.sql.

CREATE TABLE audit_events (
    -- UUID v7: id order is time order, so pages go by id (keyset).
    id          UUID PRIMARY KEY,
    -- NULL for events of a person rather than an organization (sign-in).
    -- No foreign key: the log outlives what it mentions.
    org_id      UUID,
    -- Who did it; NULL when nobody was signed in (a failed sign-in).
    actor_id    UUID,
    -- The actor's email as it was then (or the email tried).
    actor_email TEXT,
    -- A dotted event type: member.role_changed, project.created, ...
    action      TEXT NOT NULL,
    -- What it was done to: a kind (member, project, organization, user)
    -- and its id.
    target_type TEXT,
    target_id   TEXT,
    ip          TEXT,
    user_agent  TEXT,
    -- A JSON object: what changed (from/to role, names, ...).
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);

-- An organization's log, newest first, and filtered by type or actor.
CREATE INDEX audit_events_org_idx ON audit_events (org_id, id);
CREATE INDEX audit_events_org_action_idx ON audit_events (org_id, action, id);
CREATE INDEX audit_events_org_actor_idx ON audit_events (org_id, actor_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
