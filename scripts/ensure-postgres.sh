#!/usr/bin/env bash
# Make sure a PostgreSQL server runs on 127.0.0.1:5432 with a `marrowtrack` role that may
# create databases (Django's test runner creates its own test database).
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
psql_as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAc "$1"; }
if [ "$(psql_as_postgres "SELECT 1 FROM pg_roles WHERE rolname='marrowtrack'")" != "1" ]; then
  psql_as_postgres "CREATE ROLE marrowtrack LOGIN PASSWORD 'marrowtrack' CREATEDB"
fi
if [ "$(psql_as_postgres "SELECT 1 FROM pg_database WHERE datname='marrowtrack'")" != "1" ]; then
  psql_as_postgres "CREATE DATABASE marrowtrack OWNER marrowtrack"
fi
