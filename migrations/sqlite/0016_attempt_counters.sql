-- Two-factor codes tried per pending sign-in (the random id a session
-- keeps between the password and the code), counted here and not in the
-- session so that parallel requests on one session share one count; see
-- app::server::auth::lockout. Not tenant data.
CREATE TABLE second_factor_attempts (
    pending_id TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    CONSTRAINT second_factor_attempts_pkey PRIMARY KEY (pending_id)
);
-- Forgetting old counts.
CREATE INDEX second_factor_attempts_started_idx ON second_factor_attempts (started_at);
