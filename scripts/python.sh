#!/usr/bin/env bash
# Prints the path of a Python 3.12 interpreter, or fails with a clear message.
# Order: $PYTHON, python3.12 on PATH, pyenv's 3.12 install (the pyenv shim only answers
# python3.12 with PYENV_VERSION set, so we go to the versions folder directly).
set -euo pipefail
is_312() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.12 >/dev/null 2>&1 && candidates+=("$(command -v python3.12)")
pyenv_root="${PYENV_ROOT:-}"
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then pyenv_root="$(pyenv root)"; fi
[ -z "$pyenv_root" ] && pyenv_root="$HOME/.pyenv"
for p in $(ls -d "$pyenv_root"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V -r); do candidates+=("$p"); done
candidates+=(/usr/bin/python3.12 /usr/local/bin/python3.12)
for c in "${candidates[@]}"; do
  if is_312 "$c"; then echo "$c"; exit 0; fi
done
echo "motcua needs Python 3.12 (Django 6 refuses older versions) and none was found." >&2
echo "Install it (e.g. 'pyenv install 3.12') or point PYTHON=/path/to/python3.12." >&2
exit 1
