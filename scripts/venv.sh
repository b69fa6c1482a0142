#!/usr/bin/env bash
# Creates .venv with Python 3.12 and installs a hash-locked requirements file into it.
# Usage: scripts/venv.sh requirements/base.lock|requirements/test.lock
# Re-running is cheap: nothing is installed when the lock file has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
lock="${1:-requirements/base.lock}"
venv=.venv
py="$(scripts/python.sh)"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)'; then
  rm -rf "$venv"
  echo "» creating $venv with $py"
  "$py" -m venv "$venv"
fi
stamp="$venv/.installed-$(basename "$lock")-$(sha256sum "$lock" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "» installing $lock"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock" 2>&1 | { grep -v "is ignored: it is neither" || true; }
  rm -f "$venv"/.installed-"$(basename "$lock")"-*
  touch "$stamp"
fi
