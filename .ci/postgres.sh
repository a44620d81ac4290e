#!/usr/bin/env bash
# Sourced by .ci/run: makes a PostgreSQL server reachable for the tests and
# exports STARLING_TEST_POSTGRES. Uses the one the environment names if it
# answers; otherwise installs Debian's postgresql package if it is missing,
# starts its cluster, and creates a role and a database for the tests.
# Fails the run if PostgreSQL still cannot be reached.

pg_ready() { psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1; }

if [ -n "${STARLING_TEST_POSTGRES:-}" ] && pg_ready "$STARLING_TEST_POSTGRES"; then
  echo "using PostgreSQL at STARLING_TEST_POSTGRES"
  return 0
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root su postgres -c "$1"; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql postgresql-client >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
  as_root pg_createcluster "$version" main >/dev/null
fi
# The end-to-end suite on PostgreSQL runs many servers at once, each with
# its own pool: more connections than the default 100.
conf="/etc/postgresql/$version/main/conf.d/starling-ci.conf"
if [ ! -f "$conf" ]; then
  printf 'max_connections = 400\nfsync = on\n' | as_root tee "$conf" >/dev/null
  as_root pg_ctlcluster "$version" main restart 2>/dev/null || true
fi
as_root pg_ctlcluster "$version" main start 2>/dev/null || true

for _ in $(seq 1 30); do
  as_postgres "psql -Atqc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
as_postgres "psql -Atqc \"SELECT 1 FROM pg_roles WHERE rolname = 'starling'\"" | grep -q 1 ||
  as_postgres "psql -qc \"CREATE ROLE starling LOGIN SUPERUSER PASSWORD 'starling'\""
as_postgres "psql -Atqc \"SELECT 1 FROM pg_database WHERE datname = 'starling'\"" | grep -q 1 ||
  as_postgres "createdb -O starling starling"

export STARLING_TEST_POSTGRES="postgres://starling:starling@127.0.0.1:5432/starling"
if ! pg_ready "$STARLING_TEST_POSTGRES"; then
  echo "PostgreSQL is not reachable at $STARLING_TEST_POSTGRES" >&2
  exit 1
fi
echo "PostgreSQL $version ready at $STARLING_TEST_POSTGRES"
