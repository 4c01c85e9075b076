-- Software acting for an organization: API tokens, the networks each was
-- used from, and the answers of creates made with an Idempotency-Key.

-- A bearer token of an organization. The secret (`atr_` and 43 base64url
-- characters: 256 random bits) is shown once; only its SHA-256 is kept,
-- with its first characters to tell tokens apart. `role` is what the token
-- may do ('admin', 'member' or 'read_only'); it acts for its creator and
-- stops working when their own role falls below it, when they leave, or
-- when their account is deleted (created_by then NULL).
CREATE TABLE api_tokens (
    id                BLOB PRIMARY KEY NOT NULL,
    org_id            BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL CONSTRAINT api_tokens_role_check CHECK (role IN ('admin', 'member', 'read_only')),
    secret_hash       BLOB NOT NULL CONSTRAINT api_tokens_secret_hash_key UNIQUE,
    secret_start      TEXT NOT NULL,
    created_by        BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    expires_at        TEXT,
    revoked_at        TEXT,
    last_used_at      TEXT,
    last_used_network TEXT
);
-- The settings page's list, newest first.
CREATE INDEX api_tokens_org_idx ON api_tokens (org_id, created_at);
-- An account's deletion unsets its tokens' creator.
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by);

-- The networks (an IPv4 address, an IPv6 /64) a token was used from: a
-- use from one not listed is an audit event.
CREATE TABLE api_token_networks (
    token_id      BLOB NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    org_id        BLOB NOT NULL,
    network       TEXT NOT NULL,
    first_used_at TEXT NOT NULL,
    PRIMARY KEY (token_id, network)
);

-- A create sent with an `Idempotency-Key` header: the first answer, given
-- again to a retry of the same request for a day. `status` is NULL while
-- the first request runs, so a concurrent retry is told to wait.
-- `fingerprint` is the SHA-256 of the method, path and body, so the same
-- key with another request is refused.
CREATE TABLE api_idempotency_keys (
    token_id    BLOB NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    org_id      BLOB NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status      INTEGER,
    headers     TEXT,
    body        BLOB,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (token_id, key)
);
-- The hourly maintenance forgets keys older than a day.
CREATE INDEX api_idempotency_keys_created_idx ON api_idempotency_keys (created_at);
