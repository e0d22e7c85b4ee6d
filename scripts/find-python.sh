#!/usr/bin/env bash
# Print a Python >= 3.12 interpreter that really runs: PATH first, then pyenv's
# versions (newest first). A pyenv shim can be on PATH yet refuse to run when that
# version is not selected, so every candidate is executed before it is chosen.
set -euo pipefail
ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
for name in python3.13 python3.12 python3; do
  path="$(command -v "$name" 2>/dev/null || true)"
  if [ -n "$path" ] && ok "$path"; then echo "$path"; exit 0; fi
done
for py in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3 \
                  "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3 2>/dev/null | sort -rV); do
  if ok "$py"; then echo "$py"; exit 0; fi
done
echo "Kehu needs Python 3.12 or newer; none found (install python3.12 or python3.13, e.g. with pyenv)." >&2
exit 1
