#!/usr/bin/env bash
# Bring a fresh machine to a state where Kehu runs and its tests pass.
# Idempotent: each step checks before it works. Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-runtime}"

# Debian packages: CJK fonts (screenshots, PDFs), WeasyPrint's Pango, gettext for
# translations, chromium for the browser tests, poppler for reading PDFs back.
debs=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext)
[ "$mode" = dev ] && debs+=(chromium poppler-utils)
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python="$(scripts/find-python.sh)"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  echo "==> creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
req=requirements.txt; [ "$mode" = dev ] && req=requirements-dev.txt
stamp=".venv/.installed-$(sha256sum requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$mode"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages from $req"
  .venv/bin/pip install -q -r "$req"
  touch "$stamp"
fi

# Keyed on the lock file's content, not its time: a fresh checkout must not reinstall.
lock_sha="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat node_modules/.kehu-lock 2>/dev/null)" != "$lock_sha" ]; then
  echo "==> installing front-end assets from the npm registry"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > node_modules/.kehu-lock
fi

echo "==> compiling translations"
find locale kehu -name '*.po' -path '*/LC_MESSAGES/*' 2>/dev/null | while read -r po; do
  msgfmt --check-format -o "${po%.po}.mo" "$po"
done
