#!/usr/bin/env bash
# `make bench`: speed targets live here, not in unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/bench.py "$@"
# The import benchmark (BENCH_IMPORT_ROWS, default 100000) on SQLite, and on PostgreSQL when
# BENCH_DATABASE_URL is set.
.venv/bin/python scripts/bench_import.py --database-url ""
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  .venv/bin/python scripts/bench_import.py --database-url "$BENCH_DATABASE_URL"
fi
.venv/bin/python scripts/bench_feedback.py
.venv/bin/python scripts/bench_assistant.py
