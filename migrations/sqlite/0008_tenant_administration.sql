-- Tenant administration: each organization's plan and limits, its status
-- (active or suspended by a platform admin), soft deletion, and the slugs
-- it had before (old links redirect to the current one).
--
-- Mirror of migrations/postgres/0008_tenant_administration.sql.

-- free, pro or enterprise. The limits are copied from the plan when it is
-- set and may then be changed one by one; NULL means unlimited. The
-- application writes all four for every new organization (the configured
-- default plan); organizations made before plans existed keep working
-- without limits, as enterprise.
ALTER TABLE organizations ADD COLUMN plan TEXT NOT NULL DEFAULT 'enterprise'
    CONSTRAINT organizations_plan_check CHECK (plan IN ('free', 'pro', 'enterprise'));
ALTER TABLE organizations ADD COLUMN member_limit INTEGER;
ALTER TABLE organizations ADD COLUMN project_limit INTEGER;
ALTER TABLE organizations ADD COLUMN license_limit INTEGER;
-- Set while a platform admin has suspended the organization.
ALTER TABLE organizations ADD COLUMN suspended_at TEXT;
-- Set when an Owner deleted it; a platform admin may restore it for 30
-- days, then it is purged with everything in it.
ALTER TABLE organizations ADD COLUMN deleted_at TEXT;

-- The platform admin's list: newest first.
CREATE INDEX organizations_created_idx ON organizations (created_at DESC, id DESC);
-- The purge of organizations deleted over 30 days ago.
CREATE INDEX organizations_deleted_idx ON organizations (deleted_at) WHERE deleted_at IS NOT NULL;

-- Slugs an organization had before; /o/{old}/... redirects to its
-- current slug. A slug taken again by a live organization wins over its
-- redirect (the lookup only happens when no organization has the slug).
CREATE TABLE organization_slug_redirects (
    slug       TEXT PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX organization_slug_redirects_org_idx ON organization_slug_redirects (org_id);
