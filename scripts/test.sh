#!/usr/bin/env bash
# Runs every check and test (DESIGN: test matrix), installing what the tests need:
#   lint (ruff) → migrations in sync → non-browser tests on SQLite → the same on a throwaway
#   PostgreSQL 15 → browser tests (Debian Chromium) on SQLite.
# Extra arguments go to every pytest run (e.g. scripts/test.sh -k calendar).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements/test.lock
scripts/apt.sh chromium fonts-dejavu-core
py=.venv/bin/python
export MOTCUA_PROFILE=test DJANGO_ALLOW_ASYNC_UNSAFE=true PYTHONDONTWRITEBYTECODE=1
reports="$(mktemp -d /tmp/motcua-test.XXXXXX)"
pg_env=""
cleanup() {
  if [ -n "$pg_env" ]; then eval "$pg_env"; scripts/postgres.sh stop; fi
  rm -rf "$reports"
}
trap cleanup EXIT

echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench

echo "== migrations in sync with models"
$py manage.py makemigrations --check --dry-run

echo "== non-browser tests on SQLite"
$py -m pytest -m "not browser" -p no:cacheprovider --junitxml="$reports/sqlite.xml" "$@"

echo "== non-browser tests on PostgreSQL 15"
pg_env="$(scripts/postgres.sh start)"
(eval "$pg_env"; $py -m pytest -m "not browser" -p no:cacheprovider --junitxml="$reports/postgresql.xml" "$@")

echo "== browser tests (Chromium) on SQLite"
$py -m pytest -m browser -p no:cacheprovider --junitxml="$reports/browser.xml" "$@"

$py scripts/test_summary.py "$reports"/*.xml
