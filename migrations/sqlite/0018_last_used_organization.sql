-- The organization each person opened last, for `/` to open again after
-- they sign out and back in (on any browser). Cleared when that
-- organization is deleted for good.
ALTER TABLE users ADD COLUMN last_org_id BLOB
    CONSTRAINT users_last_org_id_fkey REFERENCES organizations (id) ON DELETE SET NULL;
