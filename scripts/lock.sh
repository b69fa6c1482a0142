#!/usr/bin/env bash
# Re-locks requirements/*.lock with hashes from pyproject.toml, using uv in a throwaway venv.
set -euo pipefail
cd "$(dirname "$0")/.."
tool="$(mktemp -d)"
trap 'rm -rf "$tool"' EXIT
"$(scripts/python.sh)" -m venv "$tool"
"$tool/bin/pip" install --quiet uv
"$tool/bin/uv" pip compile pyproject.toml --python-version 3.12 --generate-hashes -q -o requirements/base.lock
"$tool/bin/uv" pip compile pyproject.toml --extra test --python-version 3.12 --generate-hashes -q -o requirements/test.lock
