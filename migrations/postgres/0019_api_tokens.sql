-- Software acting for an organization: API tokens, the networks each was
-- used from, and the answers of creates made with an Idempotency-Key.
--
-- Mirror of migrations/sqlite/0019_api_tokens.sql, with row-level
-- security as on the other tenant tables.

-- A bearer token of an organization. The secret (`atr_` and 43 base64url
-- characters: 256 random bits) is shown once; only its SHA-256 is kept,
-- with its first characters to tell tokens apart. `role` is what the token
-- may do ('admin', 'member' or 'read_only'); it acts for its creator and
-- stops working when their own role falls below it, when they leave, or
-- when their account is deleted (created_by then NULL).
CREATE TABLE api_tokens (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'member', 'read_only')),
    secret_hash       BYTEA NOT NULL CONSTRAINT api_tokens_secret_hash_key UNIQUE,
    secret_start      TEXT NOT NULL,
    created_by        UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ,
    revoked_at        TIMESTAMPTZ,
    last_used_at      TIMESTAMPTZ,
    last_used_network TEXT
);
-- The settings page's list, newest first.
CREATE INDEX api_tokens_org_idx ON api_tokens (org_id, created_at);
-- An account's deletion unsets its tokens' creator.
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by);

-- The networks (an IPv4 address, an IPv6 /64) a token was used from: a
-- use from one not listed is an audit event.
CREATE TABLE api_token_networks (
    token_id      UUID NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    org_id        UUID NOT NULL,
    network       TEXT NOT NULL,
    first_used_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, network)
);

-- A create sent with an `Idempotency-Key` header: the first answer, given
-- again to a retry of the same request for a day. `status` is NULL while
-- the first request runs, so a concurrent retry is told to wait.
-- `fingerprint` is the SHA-256 of the method, path and body, so the same
-- key with another request is refused.
CREATE TABLE api_idempotency_keys (
    token_id    UUID NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    org_id      UUID NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    status      INTEGER,
    headers     TEXT,
    body        BYTEA,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, key)
);
-- The hourly maintenance forgets keys older than a day.
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at);

DO $$
DECLARE
    tenant_table TEXT;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['api_tokens', 'api_token_networks', 'api_idempotency_keys'] LOOP
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
