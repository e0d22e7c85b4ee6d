#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
# Loopback only unless asked (KEHU_BIND=0.0.0.0): the demo data and password are public knowledge.
BIND="${KEHU_BIND:-127.0.0.1}"
# Everything Kehu writes (database, documents, backups, logs) is personal data: owner-only.
umask 077
mkdir -p data
chmod 700 data
# Local secrets are generated once per checkout and kept out of git. A production
# install sets SECRET_KEY, KEHU_FIELD_KEYS and KEHU_BLIND_INDEX_KEY itself.
if [ ! -f data/local.env ]; then
  .venv/bin/python - <<'PY' > data/local.env
import secrets
from cryptography.fernet import Fernet
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"KEHU_FIELD_KEYS={Fernet.generate_key().decode()}")
print(f"KEHU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}")
PY
  chmod 600 data/local.env
fi
set -a; . data/local.env; set +a
case "$BIND" in
  127.*|localhost|::1) export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]}" ;;
  *) export ALLOWED_HOSTS="${ALLOWED_HOSTS:-*}" ;;
esac
# The mail intake's port: a port that is taken must not silently lose the intake.
port_free() { .venv/bin/python -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))" "$1" "$2" 2>/dev/null; }
INTAKE_HOST="${KEHU_INTAKE_SMTP_HOST:-127.0.0.1}"
INTAKE_PORT="${KEHU_INTAKE_SMTP_PORT:-2525}"
if ! port_free "$INTAKE_HOST" "$INTAKE_PORT"; then
  if [ -n "${KEHU_INTAKE_SMTP_PORT:-}" ]; then
    echo "!! mail intake port $INTAKE_HOST:$INTAKE_PORT (KEHU_INTAKE_SMTP_PORT) is in use: stop the other program or choose another port." >&2
    exit 1
  fi
  INTAKE_PORT="$(.venv/bin/python -c "import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])" "$INTAKE_HOST")"
  echo "!! mail intake port 2525 is in use; the intake listens on $INTAKE_HOST:$INTAKE_PORT instead." >&2
fi
export KEHU_INTAKE_SMTP_HOST="$INTAKE_HOST" KEHU_INTAKE_SMTP_PORT="$INTAKE_PORT"
export DJANGO_SETTINGS_MODULE=config.settings
# Without a mail server (EMAIL_HOST), reminders and replies are written to data/mail/ to be read there.
if [ -z "${EMAIL_HOST:-}" ] && [ -z "${EMAIL_BACKEND:-}" ]; then
  export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
  mail_note="outgoing mail: data/mail/ (set EMAIL_HOST to send it)"
else
  mail_note="outgoing mail: ${EMAIL_HOST:-localhost}:${EMAIL_PORT:-25}"
fi

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py seed_demo --customers "${DEMO_CUSTOMERS:-300}"

.venv/bin/python manage.py run_worker >data/worker.log 2>&1 &
worker=$!
# E-mail intake (SMTP): mail to it becomes a complaint or a problem ticket (KEHU_INTAKE_SMTP_HOST/PORT).
.venv/bin/python manage.py run_mail_intake >data/mail-intake.log 2>&1 &
intake=$!
trap 'kill $worker $intake 2>/dev/null || true' EXIT INT TERM
sleep 2
if ! kill -0 "$intake" 2>/dev/null; then
  echo "!! the mail intake did not start (see data/mail-intake.log):" >&2
  tail -n 5 data/mail-intake.log >&2 || true
  exit 1
fi

cat <<TXT

  Kehu 客户关系维护系统 is running:  http://${BIND/0.0.0.0/127.0.0.1}:${PORT}/  (bound to ${BIND}; KEHU_BIND to change)
  Demo logins (password kehu-demo):
    admin     管理员 (administrator)
    mkt_mgr   市场营销经理 (marketing manager: opens and keeps A-grade archives)
    mkt       市场营销部档案专员 (marketing staff: keeps the B/C archive)
    sales     销售 (sales staff)
    cs        客服 (customer service staff)
    cs_lead   客服主管 (customer service supervisor)
    tech      技术支持 (technical support staff)
  API docs: http://127.0.0.1:${PORT}/api/docs/    worker log: data/worker.log
  Mail intake (SMTP): ${KEHU_INTAKE_SMTP_HOST}:${KEHU_INTAKE_SMTP_PORT}    log: data/mail-intake.log
  ${mail_note}
  Stop with Ctrl+C.

TXT
.venv/bin/gunicorn config.wsgi --bind "${BIND}:${PORT}" --worker-class gthread --workers 2 --threads 4 \
  --access-logfile - --log-level warning
