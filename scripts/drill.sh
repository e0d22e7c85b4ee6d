#!/usr/bin/env bash
# `make drill`: the fault drill (scripts/drill.py) on a throwaway data directory, 127.0.0.1 only.
# SQLite by default; DATABASE_URL=postgres://... runs it on a throwaway PostgreSQL database too.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/drill.py "$@"
