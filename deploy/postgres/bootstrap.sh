#!/bin/sh
# Prepares a PostgreSQL server for OrderHub, as `python -m orderhub_devstack bootstrap` does (and
# bootstrap.sql shows): one database, and per service a login role `orderhub_<service>` owning a
# schema named after the service, with its search_path set. Idempotent: rerunning resets the
# passwords and changes nothing else.
#
# Connects with the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD) as a superuser (or a role
# with CREATEDB and CREATEROLE); ORDERHUB_DB_NAME names the database (default orderhub) and
# <SERVICE>_DB_PASSWORD each role's password (all required). Run by compose.yaml's `db-bootstrap`
# (on every `up`) and by the Kubernetes job `orderhub-db-bootstrap` (in the postgres image).
set -eu

DB="${ORDERHUB_DB_NAME:-orderhub}"
SERVICES="ingest rules fulfillment aftersales notify insights"

for service in $SERVICES; do  # every password first: nothing changes when one is missing
    variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    if [ -z "$(printenv "$variable" || true)" ]; then
        echo "bootstrap: $variable is not set" >&2
        exit 2
    fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -d postgres -v db="$DB" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')\gexec
SQL

for service in $SERVICES; do
    variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="$(printenv "$variable")"
    psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -d postgres -v db="$DB" -v role="orderhub_$service" \
        -v schema="$service" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password')\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'role')\gexec
SELECT format('ALTER ROLE %I IN DATABASE %I SET search_path = %I', :'role', :'db', :'schema')\gexec
SQL
    psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -d "$DB" -v role="orderhub_$service" -v schema="$service" <<'SQL'
SET client_min_messages = warning;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'schema', :'role')\gexec
SELECT format('ALTER SCHEMA %I OWNER TO %I', :'schema', :'role')\gexec
SQL
done
echo "bootstrap: database $DB ready for: $SERVICES"
