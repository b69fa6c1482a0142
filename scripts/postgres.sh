#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster on 127.0.0.1 for tests and benchmarks.
#   scripts/postgres.sh start   → prints "export DATABASE_URL=...; export MOTCUA_PGDATA=..."
#   scripts/postgres.sh stop    (reads MOTCUA_PGDATA)
# initdb and pg_ctl refuse to run as root, so they run as the postgres user on a data
# directory this script creates and hands over (DESIGN: Stack).
set -euo pipefail
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL 15 server binaries not found in $pg_bin; installing postgresql-15" >&2
  scripts/apt.sh postgresql-15 postgresql-contrib >&2
fi
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    data="$(mktemp -d /tmp/motcua-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_postgres "$pg_bin/initdb" -D "$data/db" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/motcua; export MOTCUA_PGDATA=$data"
    ;;
  stop)
    data="${MOTCUA_PGDATA:?MOTCUA_PGDATA is not set}"
    as_postgres "$pg_bin/pg_ctl" -D "$data/db" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
