-- The organization each person opened last, for `/` to open again after
-- they sign out and back in (on any browser). Cleared when that
-- organization is deleted for good.
--
-- Mirror of migrations/sqlite/0018_last_used_organization.sql. The
-- reference's own check and its ON DELETE action are not subject to the
-- organizations' row-level security.
ALTER TABLE users ADD COLUMN last_org_id UUID
    CONSTRAINT users_last_org_id_fkey REFERENCES organizations (id) ON DELETE SET NULL;
