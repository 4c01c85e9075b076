-- The dashboard's per-person settings: each person's colour scheme, and
-- saved views of a project's task list.

-- Follow the device (system), or always light or dark.
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system'
    CONSTRAINT users_theme_check CHECK (theme IN ('system', 'light', 'dark'));

-- A named task-list URL of a project: its filters, sort and page size as
-- a query string. Shared views are the organization's and outlive their
-- author's account (created_by then NULL); a private one shows only to
-- its author.
CREATE TABLE saved_views (
    id         BLOB PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL,
    project_id BLOB NOT NULL,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    shared     BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT saved_views_project_fkey FOREIGN KEY (org_id, project_id)
        REFERENCES projects (org_id, id) ON DELETE CASCADE
);
-- A project's views by name.
CREATE INDEX saved_views_project_idx ON saved_views (org_id, project_id, name);
-- An account's deletion unsets its views' author.
CREATE INDEX saved_views_created_by_idx ON saved_views (created_by);
