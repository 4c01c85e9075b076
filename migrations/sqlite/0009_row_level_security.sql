-- Row-level security on the tenant tables exists on PostgreSQL only (see
-- migrations/postgres/0009_row_level_security.sql); SQLite, embedded in
-- one process, has none. This file keeps the two folders in step.
SELECT 1;
