-- The event outbox: one row per change that matters, written in the same
-- transaction as the change, so a change never commits without its event
-- nor an event without its change. The audit log, webhooks and live pages
-- read from here: one record, three consumers.
--
-- Mirror of migrations/postgres/0021_events.sql.

CREATE TABLE events (
    -- The outbox's order: streams resume after the last seq they saw.
    -- AUTOINCREMENT never reuses a number.
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The event's public id (UUID v7), later the `webhook-id`.
    id            BLOB NOT NULL CONSTRAINT events_id_key UNIQUE,
    -- No foreign key, as for the audit log: events outlive what they
    -- mention.
    org_id        BLOB NOT NULL,
    -- A dotted type: task.created, member.role-changed, license.renewed
    -- (licensing events use Keygen's webhook event names).
    type          TEXT NOT NULL,
    -- What changed: a kind (task, project, license, ...) and its id.
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    -- Who changed it; NULL for the system's own changes.
    actor_id      BLOB,
    -- A JSON object: the resource or a summary of the change, never a
    -- secret.
    data          TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL
);

-- An organization's events in order (streams, deliveries).
CREATE INDEX events_org_seq_idx ON events (org_id, seq);

-- Append-only, like the audit log.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
