-- Invitations to join an organization by email, with a role. The link's
-- token is random and only its SHA-256 is stored, so the table cannot be
-- used to join. An invitation is pending until accepted or revoked, and
-- good for 7 days (expires_at); a resend makes a new token and renews it.
--
-- Mirror of migrations/sqlite/0007_invitations.sql.

CREATE TABLE invitations (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Trimmed and lowercased, like users.email.
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CONSTRAINT invitations_role_check
                    CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    -- Hex SHA-256 of the token in the link.
    token_hash  TEXT NOT NULL CONSTRAINT invitations_token_hash_key UNIQUE,
    invited_by  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);

-- One pending invitation per email and organization; inviting again
-- renews it.
CREATE UNIQUE INDEX invitations_pending_key ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
