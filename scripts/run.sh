#!/usr/bin/env bash
# make run: environment → migrations → demo data → gunicorn on 127.0.0.1:$PORT (SQLite).
# A second run reuses the environment and database and starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements/base.lock
export MOTCUA_PROFILE="${MOTCUA_PROFILE:-development}"
PORT="${PORT:-8000}"
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
exec .venv/bin/gunicorn --chdir src motcua.wsgi:application \
  --bind "127.0.0.1:${PORT}" --workers "${WEB_CONCURRENCY:-2}" --threads 4 \
  --error-logfile - --graceful-timeout 5  # requests are logged as JSON by the app
