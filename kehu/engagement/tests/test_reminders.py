"""Reminders: in the app and by e-mail, never twice; the real worker sends them to a real SMTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from kehu.access.models import Notification
from kehu.engagement.reminders import reminders_sweep

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_sweep_reminds_each_due_item_once_in_app_and_by_mail(users, overdue_plan):
    assert reminders_sweep() == 1
    assert reminders_sweep() == 0  # run again (or by a second worker): nothing new
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sales@kehu.example"] and "已逾期" in message.subject
    assert "杭州远景电子有限公司" in message.body
    assert Notification.objects.filter(user=users["sales"]).count() == 1


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """
import datetime as dt
from kehu.accounts.models import User
from kehu.customers.services import customer_create
from kehu.engagement.services import plan_refresh
from kehu.engagement.models import ContactPlan
user = User.objects.create(username="sales", email="sales@kehu.example", last_name="李", first_name="明")
customer = customer_create(actor=user, owner=user, name="杭州远景电子有限公司", grade="B")
# Last called 10 days ago under a weekly policy: overdue, and any re-planning (the worker also runs
# the plan_refresh that customer_create queued) keeps it overdue.
ten_days_ago = dt.date.today() - dt.timedelta(days=10)
ContactPlan.objects.filter(customer=customer).delete()
plan = plan_refresh(customer_id=customer.pk)
ContactPlan.objects.filter(pk=plan.pk).update(anchor_on=ten_days_ago, last_phone_on=ten_days_ago)
assert plan_refresh(customer_id=customer.pk).next_due_on < dt.date.today()
"""


def test_the_worker_sends_the_reminder_mail_exactly_once(tmp_path):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    drop = {"DATABASE_URL", "KEHU_TASK_BACKEND", "EMAIL_BACKEND"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        KEHU_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True)
    worker = subprocess.Popen(
        [*manage, "run_huey", "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        enqueue = "from kehu.engagement.tasks import reminders_task; reminders_task.enqueue(); reminders_task.enqueue()"
        subprocess.run([*manage, "shell", "-c", enqueue], cwd=ROOT, env=env, check=True)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not inbox.messages:
            time.sleep(0.3)
        time.sleep(2)  # give the second sweep time to (not) send
        assert len(inbox.messages) == 1
        text = inbox.messages[0].decode()
        assert "sales@kehu.example" in text
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        controller.stop()
