-- Account security: verified email addresses, two-factor authentication,
-- the sessions a person is signed in with, and the single-use tokens sent
-- by mail (password reset, email verification, "end every session").
--
-- Mirror of migrations/sqlite/0011_account_security.sql. These tables belong to
-- people, not tenants: no row-level security.

-- When the person proved they read mail at `email` (a link from a
-- verification, reset or invitation message); NULL: not yet.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
-- The TOTP secret (RFC 6238), sealed with the server's key-encryption key
-- (the user's id as associated data). Set when enrolment starts; two-factor
-- is on once `totp_enabled_at` is set by a confirming code.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
-- The last time step a code was accepted for: a code is never accepted
-- twice (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- One row per signed-in session (device). The session cookie's record
-- (tower-sessions) names its row; deleting the row ends the session at its
-- next request, wherever it is.
CREATE TABLE user_sessions (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The client address at sign-in, and the User-Agent header as sent
    -- (at most 512 characters).
    ip             TEXT,
    user_agent     TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    last_active_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id, last_active_at);

-- Links sent by mail. Only the SHA-256 of the token is stored; a token is
-- used once (`used_at`) and not after `expires_at`.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CONSTRAINT account_tokens_purpose_check
                   CHECK (purpose IN ('verify_email', 'reset_password', 'end_sessions')),
    -- The address the link was sent to: for an email change, the new one.
    email      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX account_tokens_user_id_idx ON account_tokens (user_id, purpose, created_at);

-- Two-factor recovery codes: SHA-256 of each, used once.
CREATE TABLE recovery_codes (
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    CONSTRAINT recovery_codes_pkey PRIMARY KEY (user_id, code_hash)
);
