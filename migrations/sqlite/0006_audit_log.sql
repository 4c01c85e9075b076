-- The audit log: what was done, by whom, from where, to what. Append-only:
-- triggers refuse every UPDATE and DELETE, so not even the application can
-- rewrite history.
--
-- Mirror of migrations/postgres/0006_audit_log.sql.

CREATE TABLE audit_events (
    -- UUID v7: id order is time order, so pages go by id (keyset).
    id          BLOB PRIMARY KEY NOT NULL,
    -- NULL for events of a person rather than an organization (sign-in).
    -- No foreign key: the log outlives what it mentions.
    org_id      BLOB,
    -- Who did it; NULL when nobody was signed in (a failed sign-in).
    actor_id    BLOB,
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
    created_at  TEXT NOT NULL
);

-- An organization's log, newest first, and filtered by type or actor.
CREATE INDEX audit_events_org_idx ON audit_events (org_id, id);
CREATE INDEX audit_events_org_action_idx ON audit_events (org_id, action, id);
CREATE INDEX audit_events_org_actor_idx ON audit_events (org_id, actor_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
