#!/usr/bin/env bash
# make bench: the benchmarks of bench/ on a throwaway PostgreSQL 15 (results → BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements/test.lock
pg_env="$(scripts/postgres.sh start)"
eval "$pg_env"
trap 'scripts/postgres.sh stop' EXIT
psql "${DATABASE_URL%/motcua}/postgres" -qc "CREATE DATABASE motcua" >/dev/null
export MOTCUA_PROFILE=test LOG_LEVEL=WARNING
echo "== catalog search"
.venv/bin/python bench/catalog_search.py
echo "== online submissions"
.venv/bin/python bench/submissions.py
