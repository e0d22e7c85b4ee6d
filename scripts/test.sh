#!/usr/bin/env bash
# `make test`: quality gates, then the whole suite on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export SECRET_KEY=test-secret-key-not-for-production
export KEHU_FIELD_KEYS="$(.venv/bin/python -c 'import base64; print(base64.urlsafe_b64encode(b"k" * 32).decode())')"
export KEHU_BLIND_INDEX_KEY=test-blind-index-key
export KEHU_TASK_BACKEND=django.tasks.backends.immediate.ImmediateBackend
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export DJANGO_ALLOW_ASYNC_UNSAFE=true   # Playwright's sync API runs an event loop in the test thread
export KEHU_DATA_DIR="${KEHU_DATA_DIR:-$(mktemp -d)/data}"
export DJANGO_SETTINGS_MODULE=config.settings
PG_URL="${KEHU_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PYTEST_ARGS=("$@")

echo "==> ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check . >/dev/null
echo "==> mypy"; .venv/bin/mypy
echo "==> migrations are complete"; .venv/bin/python manage.py makemigrations --check --dry-run -v0

echo "==> tests on SQLite"
.venv/bin/pytest -q -n 2 "${PYTEST_ARGS[@]}"

if .venv/bin/python -c "import psycopg,sys; psycopg.connect('$PG_URL', connect_timeout=3).close()" 2>/dev/null; then
  echo "==> tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" .venv/bin/pytest -q -n 2 "${PYTEST_ARGS[@]}"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at $PG_URL is not reachable; with CI=true that is a failure." >&2
  exit 1
else
  echo "!! PostgreSQL at $PG_URL is not reachable: the PostgreSQL run did NOT happen." >&2
fi

# schemathesis over the whole API as admin and staff against a live server (make fuzz runs a bigger budget)
echo "==> fuzz (small budget: 1 example per operation, at most 45 s per role)"
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-1}" FUZZ_MAX_TIME="${FUZZ_MAX_TIME:-45}" scripts/fuzz.sh
