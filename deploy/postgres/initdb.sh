#!/bin/sh
# Run once by the postgres image, when its volume is empty: the role and
# database Atrium uses. Not the superuser the image makes: superusers skip
# row-level security, and Atrium's tenant isolation relies on it (see
# docs/operations.md). Owning the database lets Atrium migrate it, create
# pg_trgm (a trusted extension) and the session store's schema.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$ATRIUM_DB_PASSWORD" <<'SQL'
CREATE ROLE atrium LOGIN PASSWORD :'password';
CREATE DATABASE atrium OWNER atrium;
SQL
