# motcua — the two commands of the README are `make run` and `make test`.
.DEFAULT_GOAL := help
PORT ?= 8000
export PORT

.PHONY: help run test lint format bench lock messages clean openapi

help:
	@echo "make run    — install, migrate, load demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   — every check and test (SQLite, PostgreSQL 15, Chromium)"
	@echo "make bench  — benchmarks on PostgreSQL (results go to BENCHMARKS.md by hand)"
	@echo "make lint / format / lock / messages / clean"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/venv.sh requirements/test.lock
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

format:
	@scripts/venv.sh requirements/test.lock
	.venv/bin/ruff check --fix src tests bench
	.venv/bin/ruff format src tests bench

bench:
	@scripts/bench.sh

# Re-lock the dependencies with hashes after editing pyproject.toml.
lock:
	@scripts/lock.sh

messages:
	@scripts/venv.sh requirements/test.lock
	cd src/motcua && ../../.venv/bin/python ../../manage.py makemessages -l en --no-obsolete && ../../.venv/bin/python ../../manage.py compilemessages -l en

clean:
	rm -rf .venv var

# Regenerate the committed API schema (tests fail when it drifts from the code).
openapi:
	@scripts/venv.sh requirements/test.lock
	MOTCUA_PROFILE=test .venv/bin/python manage.py export_openapi_schema --api motcua.api.routes.api --indent 2 --sorted > docs/api/openapi.json.tmp
	mv docs/api/openapi.json.tmp docs/api/openapi.json
