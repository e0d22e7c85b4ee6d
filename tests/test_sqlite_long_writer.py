"""Reads never wait on a long SQLite writer (issue 9 item 6): an import holding the write lock for
80 s made customer pages fail with "database is locked", because each read writes an access-log
row (and refreshes the session). Runs against a real database file, as `make run` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import json, sqlite3, threading, time
from django.conf import settings
from django.test import Client
from kehu.access.logspool import flush, pending
from kehu.access.models import AccessLog
from kehu.accounts.choices import Department, Level
from kehu.accounts.models import User
from kehu.customers.services import customer_create

user = User.objects.create(username="sales", department=Department.SALES, level=Level.STAFF)
customer = customer_create(actor=user, name="长事务读取有限公司")
client = Client()
client.force_login(user)
url = f"/customers/{customer.pk}/"
assert client.get(url).status_code == 200  # warm up (templates, jieba)
before = AccessLog.objects.filter(customer_id=customer.pk).count()

held = threading.Event()
def long_writer():
    db = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO core_sequence (key, value) VALUES ('import-batch', 1)")
    held.set()
    time.sleep(HOLD)
    db.execute("COMMIT")
    db.close()

writer = threading.Thread(target=long_writer)
writer.start()
held.wait()
started = time.monotonic()
response = client.get(url)
elapsed = time.monotonic() - started
spooled = pending()
writer.join()
flushed = flush()
after = AccessLog.objects.filter(customer_id=customer.pk, action="view").count()
if response.status_code != 200:
    print(response.content.decode()[:3000])
print("RESULT " + json.dumps({"status": response.status_code, "elapsed": elapsed, "spooled": spooled,
                             "flushed": flushed, "rows": after - before}))
"""


def test_a_customer_page_answers_while_a_long_writer_holds_the_lock_and_its_log_row_arrives(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KEHU_TASK_BACKEND"}}
    env.update(
        KEHU_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="testserver",
        KEHU_SCOPE_GUARD="warn",  # the detail page's older reads are the integrator's migration
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    hold = 6
    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT.replace("HOLD", str(hold))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, run.stdout[-2000:] + run.stderr[-4000:]
    result = json.loads(lines[-1][len("RESULT ") :])
    assert result["status"] == 200, run.stdout[-3000:] + run.stderr[-3000:]
    assert result["elapsed"] < hold / 2  # did not wait for the writer
    assert result["spooled"] == 1 and result["flushed"] == 1
    assert result["rows"] == 1  # the read is logged, once
