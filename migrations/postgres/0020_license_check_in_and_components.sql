-- Two parts of Keygen's client protocol: license check-ins (a policy's
-- `requireCheckIn`, `checkInInterval`, `checkInIntervalCount`; a license's
-- `lastCheckIn`) and machine components (the hardware parts a machine is
-- activated with, which the `components` validation scope matches by the
-- policy's `componentMatchingStrategy`). The names and rules are Keygen's.
--
-- Mirror of migrations/sqlite/0020_license_check_in_and_components.sql,
-- with row-level security on the new table as on the other tenant tables.

-- How often a license must check in: every `check_in_interval_count`
-- days, weeks, months or years (Keygen: 1 to 365). Both are set when
-- `require_check_in` is; a policy that stops requiring check-ins may keep
-- them.
ALTER TABLE policies ADD COLUMN check_in_interval TEXT
    CONSTRAINT policies_check_in_interval_check CHECK (check_in_interval IN ('day', 'week', 'month', 'year'));
ALTER TABLE policies ADD COLUMN check_in_interval_count INTEGER
    CONSTRAINT policies_check_in_interval_count_check CHECK (check_in_interval_count BETWEEN 1 AND 365);
ALTER TABLE policies ADD COLUMN require_check_in BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE policies ADD CONSTRAINT policies_require_check_in_check
    CHECK (NOT require_check_in OR (check_in_interval IS NOT NULL AND check_in_interval_count IS NOT NULL));
-- How many of the components a validation scope names must be the
-- machine's: at least one, two, half (rounded up) or all.
ALTER TABLE policies ADD COLUMN component_matching_strategy TEXT NOT NULL DEFAULT 'MATCH_ANY'
    CONSTRAINT policies_component_matching_strategy_check
        CHECK (component_matching_strategy IN ('MATCH_ANY', 'MATCH_TWO', 'MATCH_MOST', 'MATCH_ALL'));

-- The license's last check-in; NULL: none yet (the next one is then due
-- an interval after the license was issued).
ALTER TABLE licenses ADD COLUMN last_check_in_at TIMESTAMPTZ;

-- A machine's hardware components (a disk, a motherboard), each named by
-- the client and identified by its own fingerprint, unique per machine.
-- Made with the machine (`POST /v1/machines`), gone with it.
CREATE TABLE machine_components (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    machine_id  UUID NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    name        TEXT NOT NULL,
    -- A JSON object.
    metadata    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    -- Also the index of a machine's components.
    CONSTRAINT machine_components_machine_fingerprint_key UNIQUE (machine_id, fingerprint)
);

ALTER TABLE machine_components ENABLE ROW LEVEL SECURITY;
ALTER TABLE machine_components FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON machine_components
    USING ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()))
    WITH CHECK ((SELECT app_tenant()) = '*' OR org_id = (SELECT app_tenant_id()));
