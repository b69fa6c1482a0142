#!/usr/bin/env bash
# make bench: the benchmarks of bench/ on a throwaway PostgreSQL 15 (results → BENCHMARKS.md);
# bench/office.py keeps its own loaded database (OFFICE_DOSSIERS, default 100,000; 1 M in
# BENCHMARKS.md: OFFICE_DOSSIERS=1000000 OFFICE_BASE=10000 make bench).
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
echo "== outbox: e-mail and SMS delivered per second, sandboxes on loopback"
.venv/bin/python bench/outbox.py
echo "== the office at scale (its own PostgreSQL under var/bench/, loaded once and kept)"
scripts/apt.sh wrk
.venv/bin/python bench/office.py --reuse --dossiers "${OFFICE_DOSSIERS:-100000}" --base "${OFFICE_BASE:-2000}"
