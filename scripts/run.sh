#!/usr/bin/env bash
# make run: environment → migrations → demo data → gunicorn on 127.0.0.1:$PORT (SQLite).
# A second run reuses the environment and database and starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements/base.lock
export MOTCUA_PROFILE="${MOTCUA_PROFILE:-development}"
export PORT="${PORT:-8000}"
# gunicorn runs from src/: a relative data directory must not change meaning on the way.
if [ -n "${MOTCUA_DATA_DIR:-}" ]; then export MOTCUA_DATA_DIR="$(realpath -m "$MOTCUA_DATA_DIR")"; fi
# The demo's VNPAY merchant, paid on the sandbox gateway of this same server (README).
export VNPAY_TMN_CODE="${VNPAY_TMN_CODE:-MOTCUA01}"
export VNPAY_HASH_SECRET="${VNPAY_HASH_SECRET:-MOTCUADEMOSANDBOXHASHSECRET2026X}"
# The sandbox post moves each demo order on every half minute: delivered within minutes.
export MOTCUA_POST_SANDBOX_STEP_SECONDS="${MOTCUA_POST_SANDBOX_STEP_SECONDS:-30}"
py=.venv/bin/python
$py manage.py migrate --no-input -v0
$py manage.py createcachetable
$py manage.py seed_demo
cat <<MSG

  motcua — Cổng dịch vụ công và Hệ thống một cửa điện tử (demo, SQLite)
  Portal:  http://127.0.0.1:${PORT}/          English: http://127.0.0.1:${PORT}/en/
  API:     http://127.0.0.1:${PORT}/api/v1/docs
  Demo sign-ins:
$($py manage.py demo_sign_ins "$PORT")

MSG
# One outbox worker beside the web server (DESIGN: a single worker on SQLite).
$py manage.py run_outbox_worker &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT
# Requests are logged as JSON by the app, so gunicorn keeps only its error log.
.venv/bin/gunicorn --chdir src motcua.wsgi:application \
  --bind "127.0.0.1:${PORT}" --workers "${WEB_CONCURRENCY:-2}" --threads 4 \
  --error-logfile - --graceful-timeout 5
