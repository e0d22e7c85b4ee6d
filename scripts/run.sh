#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
mkdir -p data
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
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-*}"
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

cat <<TXT

  Kehu 客户关系维护系统 is running:  http://127.0.0.1:${PORT}/
  Demo logins (password kehu-demo):
    admin     管理员 (administrator)
    mkt_mgr   市场营销经理 (marketing manager)
    sales     销售 (sales staff)
    cs        客服 (customer service staff)
    cs_lead   客服主管 (customer service supervisor)
    tech      技术支持 (technical support staff)
  API docs: http://127.0.0.1:${PORT}/api/docs/    worker log: data/worker.log
  Mail intake (SMTP): ${KEHU_INTAKE_SMTP_HOST:-127.0.0.1}:${KEHU_INTAKE_SMTP_PORT:-2525}    log: data/mail-intake.log
  ${mail_note}
  Stop with Ctrl+C.

TXT
.venv/bin/gunicorn config.wsgi --bind "0.0.0.0:${PORT}" --worker-class gthread --workers 2 --threads 4 \
  --access-logfile - --log-level warning
