-- Defence in depth: row-level security on every tenant table, so a
-- statement that forgot its `org_id` condition still sees and changes
-- nothing of another organization.
--
-- The application names the tenant of every connection it takes from the
-- pool (app::server::db::scope): `app.org_id` is an organization's id for
-- work inside one organization, '*' for the few cross-tenant lookups that
-- say so (the signed-in person's organizations, invitation links, the
-- platform admin, maintenance), and unset or '' otherwise, which sees no
-- tenant rows at all.
--
-- FORCE applies the policies to the tables' owner too, so they hold when
-- the application connects as the role that ran the migrations. Only
-- superusers and roles with BYPASSRLS skip them: run Atrium as a role
-- without either. A later migration that reads or writes tenant rows
-- starts with `SELECT set_config('app.org_id', '*', true);`.
--
-- The tenant is read once per statement (the scalar subqueries become
-- init plans), and `org_id = <tenant>` can use the tables' indexes, which
-- all lead with org_id.
--
-- SQLite has no row-level security; its 0009 migration is empty.

CREATE FUNCTION app_tenant() RETURNS TEXT LANGUAGE sql STABLE AS
$$ SELECT COALESCE(current_setting('app.org_id', true), '') $$;

CREATE FUNCTION app_tenant_id() RETURNS UUID LANGUAGE sql STABLE AS
$$ SELECT CASE WHEN app_tenant() ~ '^[0-9a-f-]{36}$' THEN app_tenant()::uuid END $$;

DO $$
DECLARE
    tenant_table TEXT;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'memberships', 'projects', 'cycles', 'tasks', 'labels', 'task_labels', 'invitations',
        'organization_slug_redirects', 'audit_events'
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

-- The organizations themselves, keyed on their id.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations
    USING ((SELECT app_tenant()) = '*' OR id = (SELECT app_tenant_id()))
    WITH CHECK ((SELECT app_tenant()) = '*' OR id = (SELECT app_tenant_id()));
