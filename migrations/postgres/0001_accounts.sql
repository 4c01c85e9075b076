-- Accounts and tenancy: people, organizations (tenants) and who belongs where.
--
-- Mirror of migrations/sqlite/0001_accounts.sql: same tables, columns and
-- constraint names; see that file for the conventions.

CREATE TABLE users (
    id                UUID PRIMARY KEY,
    -- Trimmed and lowercased by the application (model::Email), so a plain
    -- unique constraint makes email unique case-insensitively.
    email             TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    display_name      TEXT NOT NULL,
    -- argon2id PHC string: $argon2id$v=19$m=19456,t=2,p=1$...
    password_hash     TEXT NOT NULL,
    -- Operator of the instance; only ever set from the command line.
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    -- URL segment of /o/{slug}; derived from the name at creation.
    slug       TEXT NOT NULL CONSTRAINT organizations_slug_key UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    org_id     UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CONSTRAINT memberships_role_check
                   CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    created_at TIMESTAMPTZ NOT NULL,
    -- org_id first: "members of this organization" is the tenant-scoped
    -- query, served by the primary key itself.
    CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id)
);

-- "Organizations of this user" (the switcher, sign-in) is the one lookup
-- that starts from the user rather than the tenant.
CREATE INDEX memberships_user_id_idx ON memberships (user_id);
