-- Software licensing: each organization's Ed25519 signing key, its
-- entitlements and policies, the licenses issued under the policies and the
-- machines activated on them. The public license API (/v1) follows
-- Keygen's client protocol; the names and rules are Keygen's.
--
-- Mirror of migrations/sqlite/0010_licensing.sql.

-- The key that signs the organization's API responses and license files.
-- The secret half is sealed with the server's key-encryption key
-- (AES-256-GCM, the organization's id as associated data), never stored
-- in the clear.
CREATE TABLE organization_signing_keys (
    org_id            UUID PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- 32 bytes, lowercase hex: what client apps embed.
    public_key        TEXT NOT NULL,
    -- base64(nonce || ciphertext || tag) of the 32-byte secret key.
    sealed_secret_key TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);

-- Named features a license may grant ("pro-export"); checked by clients
-- with the entitlements validation scope.
CREATE TABLE entitlements (
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT entitlements_org_code_key UNIQUE (org_id, code)
);

-- The rules licenses are issued under.
CREATE TABLE policies (
    id                   UUID PRIMARY KEY,
    org_id               UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    -- The product its licenses are for, as clients name it in the product
    -- validation scope; NULL: any.
    product              TEXT,
    -- NULL: no limit.
    max_machines         INTEGER,
    -- Seconds from issue to expiry; NULL: licenses do not expire.
    duration_seconds     BIGINT,
    floating             BOOLEAN NOT NULL,
    strict               BOOLEAN NOT NULL,
    require_heartbeat    BOOLEAN NOT NULL,
    -- Seconds a machine stays alive after a heartbeat.
    heartbeat_seconds    INTEGER NOT NULL,
    expiration_strategy  TEXT NOT NULL CONSTRAINT policies_expiration_strategy_check
                             CHECK (expiration_strategy IN ('RESTRICT_ACCESS', 'REVOKE_ACCESS', 'MAINTAIN_ACCESS', 'ALLOW_ACCESS')),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX policies_org_idx ON policies (org_id, name);

CREATE TABLE policy_entitlements (
    org_id         UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    policy_id      UUID NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    entitlement_id UUID NOT NULL REFERENCES entitlements (id) ON DELETE CASCADE,
    PRIMARY KEY (policy_id, entitlement_id)
);
CREATE INDEX policy_entitlements_entitlement_idx ON policy_entitlements (entitlement_id);

CREATE TABLE licenses (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    policy_id         UUID NOT NULL REFERENCES policies (id),
    -- Unique across tenants: the public API finds the organization from it.
    key               TEXT NOT NULL CONSTRAINT licenses_key_key UNIQUE,
    name              TEXT,
    owner_email       TEXT,
    expiry            TIMESTAMPTZ,
    -- A JSON object.
    metadata          TEXT NOT NULL,
    suspended         BOOLEAN NOT NULL,
    banned            BOOLEAN NOT NULL,
    last_validated_at TIMESTAMPTZ,
    validations_count BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
-- The dashboard's list: newest first.
CREATE INDEX licenses_org_created_idx ON licenses (org_id, created_at DESC, id DESC);
CREATE INDEX licenses_policy_idx ON licenses (policy_id);

CREATE TABLE machines (
    id                UUID PRIMARY KEY,
    org_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    license_id        UUID NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    fingerprint       TEXT NOT NULL,
    name              TEXT,
    hostname          TEXT,
    platform          TEXT,
    ip                TEXT,
    cores             INTEGER,
    -- A JSON object.
    metadata          TEXT NOT NULL,
    last_heartbeat_at TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CONSTRAINT machines_license_fingerprint_key UNIQUE (license_id, fingerprint)
);
-- The heartbeat culler's scan.
CREATE INDEX machines_heartbeat_idx ON machines (last_heartbeat_at) WHERE last_heartbeat_at IS NOT NULL;

DO $$
DECLARE
    tenant_table TEXT;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'organization_signing_keys', 'entitlements', 'policies', 'policy_entitlements', 'licenses', 'machines'
    ] LOOP
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
