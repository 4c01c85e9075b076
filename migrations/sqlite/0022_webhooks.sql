-- Webhooks: an organization's endpoints, and the log of every attempt to
-- deliver an event to one.

-- An endpoint: where events go, which ones (`event_types`: '*' for all,
-- else the chosen types, comma-separated with a comma at each end so one
-- is found with LIKE '%,type,%'), and the secret its deliveries are
-- signed with (Standard Webhooks: `whsec_` and base64 of 32 random
-- bytes), sealed with the key-encryption key and bound to the endpoint's
-- id. After a rotation the previous secret also signs until
-- `previous_secret_until` (24 hours). `failing_since` is the first failed
-- delivery after the last success; an endpoint failing for days is
-- disabled (`disabled_reason` says why).
CREATE TABLE webhook_endpoints (
    id                     BLOB PRIMARY KEY NOT NULL,
    org_id                 BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url                    TEXT NOT NULL,
    description            TEXT NOT NULL,
    event_types            TEXT NOT NULL,
    enabled                INTEGER NOT NULL,
    secret_sealed          TEXT NOT NULL,
    secret_start           TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until  TEXT,
    failing_since          TEXT,
    disabled_reason        TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
-- The settings page's list, oldest first; the fan-out's enabled endpoints.
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, created_at);

-- One attempt to deliver an event: the message as sent (`payload`, so it
-- can be sent again with the same `event_id`, which receivers use to drop
-- repeats), the answer's status and first 1 KB, or why there was none.
CREATE TABLE webhook_deliveries (
    id            BLOB PRIMARY KEY NOT NULL,
    org_id        BLOB NOT NULL,
    endpoint_id   BLOB NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id      BLOB NOT NULL,
    event_type    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status_code   INTEGER,
    duration_ms   INTEGER NOT NULL,
    response_head TEXT NOT NULL,
    error         TEXT,
    created_at    TEXT NOT NULL
);
-- An endpoint's log, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
