#!/usr/bin/env bash
# `make bench`: speed targets live here, not in unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/bench.py "$@"
.venv/bin/python scripts/bench_assistant.py
