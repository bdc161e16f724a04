#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the SQL backend's
# tests (tests/sql_agreement.rs, tests/sql_differential.rs, tests/segments_engine.rs) and prints the
# line to export. CI (.ci/run) runs the same script.
#
#   eval "$(scripts/test-postgres.sh)"     # starts it, exports the URL
#   scripts/test-postgres.sh stop          # stops it and removes its files
#
# Data lives in $NURTURE_PG_DIR (default /tmp/nurture-pg), port
# $NURTURE_PG_PORT (default 54329), database and role `nurture`, trust
# authentication on 127.0.0.1 only. Run as root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

DIR=${NURTURE_PG_DIR:-/tmp/nurture-pg}
PORT=${NURTURE_PG_PORT:-54329}
URL="postgresql://nurture@127.0.0.1:$PORT/nurture"

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  echo "no PostgreSQL server found (initdb); on Debian: apt-get install postgresql" >&2
  exit 2
}
BIN=$(bindir)

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-start}" = stop ]; then
  if [ -f "$DIR/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2
  fi
  rm -rf "$DIR"
  exit 0
fi

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 2; }
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c timezone=UTC" \
    start >&2 || { cat "$DIR/server.log" >&2; exit 2; }
  psql -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE nurture LOGIN SUPERUSER" -c "CREATE DATABASE nurture OWNER nurture" >&2
fi
echo "export NURTURE_TEST_POSTGRES=$URL"
