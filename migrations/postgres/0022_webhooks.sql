-- Webhooks: an organization's endpoints, and the log of every attempt to
-- deliver an event to one.
--
-- Mirror of migrations/sqlite/0022_webhooks.sql, with row-level
-- security as on the other tenant tables.

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
    id                     UUID PRIMARY KEY,
    org_id                 UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url                    TEXT NOT NULL,
    description            TEXT NOT NULL,
    event_types            TEXT NOT NULL,
    enabled                BOOLEAN NOT NULL,
    secret_sealed          TEXT NOT NULL,
    secret_start           TEXT NOT NULL,
    previous_secret_sealed TEXT,
    previous_secret_until  TIMESTAMPTZ,
    failing_since          TIMESTAMPTZ,
    disabled_reason        TEXT,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
-- The settings page's list, oldest first; the fan-out's enabled endpoints.
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id, created_at);

-- One attempt to deliver an event: the message as sent (`payload`, so it
-- can be sent again with the same `event_id`, which receivers use to drop
-- repeats), the answer's status and first 1 KB, or why there was none.
CREATE TABLE webhook_deliveries (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL,
    endpoint_id   UUID NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id      UUID NOT NULL,
    event_type    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    attempt       BIGINT NOT NULL,
    status_code   BIGINT,
    duration_ms   BIGINT NOT NULL,
    response_head TEXT NOT NULL,
    error         TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
-- An endpoint's log, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);

DO $$
DECLARE
    tenant_table TEXT;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['webhook_endpoints', 'webhook_deliveries'] LOOP
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
