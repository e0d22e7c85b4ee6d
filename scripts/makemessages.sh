#!/usr/bin/env bash
# Refresh the English catalogues: one per Kehu app (kehu/<app>/locale) plus the
# project's shared templates (locale/). Chinese is the source language, so zh-Hans
# needs no catalogue. Usage: scripts/makemessages.sh [app ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PYTHONPATH="$root" DJANGO_SETTINGS_MODULE=config.settings KEHU_DEBUG=1
apps=("$@")
[ ${#apps[@]} -eq 0 ] && apps=($(ls -d "$root"/kehu/*/apps.py | xargs -n1 dirname | xargs -n1 basename))
for app in "${apps[@]}"; do
  mkdir -p "$root/kehu/$app/locale"
  (cd "$root/kehu/$app" && "$root/.venv/bin/django-admin" makemessages -l en --no-obsolete -v0 --ignore='tests/*')
done
mkdir -p "$root/locale"
(cd "$root/kehu/templates" && "$root/.venv/bin/django-admin" makemessages -l en --no-obsolete -v0)
# makemessages writes next to the templates; the shared catalogue lives in LOCALE_PATHS.
if [ -d "$root/kehu/templates/locale" ]; then
  mkdir -p "$root/locale/en/LC_MESSAGES"
  mv "$root/kehu/templates/locale/en/LC_MESSAGES/django.po" "$root/locale/en/LC_MESSAGES/django.po"
  rm -rf "$root/kehu/templates/locale"
fi
