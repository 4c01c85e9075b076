-- Invitations to join an organization by email, with a role. The link's
-- token is random and only its SHA-256 is stored, so the table cannot be
-- used to join. An invitation is pending until accepted or revoked, and
-- good for 7 days (expires_at); a resend makes a new token and renews it.
--
-- Mirror of migrations/postgres/0007_invitations.sql.

CREATE TABLE invitations (
    id          BLOB PRIMARY KEY NOT NULL,
    org_id      BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Trimmed and lowercased, like users.email.
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CONSTRAINT invitations_role_check
                    CHECK (role IN ('owner', 'admin', 'member', 'guest')),
    -- Hex SHA-256 of the token in the link.
    token_hash  TEXT NOT NULL CONSTRAINT invitations_token_hash_key UNIQUE,
    invited_by  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    revoked_at  TEXT
);

-- One pending invitation per email and organization; inviting again
-- renews it.
CREATE UNIQUE INDEX invitations_pending_key ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
