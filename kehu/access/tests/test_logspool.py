"""Access-log rows spooled during a long SQLite write arrive once, with the time of the read."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from django.utils import timezone

from kehu.access import logspool
from kehu.access.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spool(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.KEHU = {**settings.KEHU, "ACCESS_LOG_SPOOL": str(tmp_path / "spool.sqlite3")}


def _row(user, customer_id: int, at: dt.datetime) -> dict[str, object]:
    return {
        "user_id": user.pk,
        "ip": "127.0.0.1",
        "action": "view",
        "customer_id": customer_id,
        "customer_name": "某公司",
        "object_type": "",
        "object_id": "",
        "query": "",
        "rows": None,
        "detail": {},
        "grant_id": None,
        "at": at,
    }


def test_a_flush_interrupted_after_its_insert_inserts_nothing_twice(users):
    read_at = timezone.now() - dt.timedelta(minutes=3)
    logspool.append(_row(users["sales"], 1, read_at))
    logspool.append(_row(users["sales"], 2, read_at))
    assert logspool.pending() == 2
    # The worker died after committing the insert and before deleting the spooled rows.
    with sqlite3.connect(logspool.spool_path()) as db:
        entries = [json.loads(text) for (text,) in db.execute("SELECT row FROM spool ORDER BY id")]
    assert logspool._insert_missing(entries) == 2
    assert logspool.flush() == 0
    assert logspool.pending() == 0
    logged = AccessLog.objects.order_by("customer_id")
    assert [row.customer_id for row in logged] == [1, 2]
    assert all(abs(row.at - read_at) < dt.timedelta(seconds=1) for row in logged)  # the read's time


def test_log_access_spools_when_the_database_is_locked(users, monkeypatch):
    from django.db import OperationalError

    from kehu.access import audit
    from kehu.core import sqlite_wait

    def locked(_fields: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(audit, "_insert", locked)
    monkeypatch.setattr(audit, "not_waiting", lambda: _yes())
    row = audit.log_access(user=users["sales"], action="search", query="张伟", rows=3)
    assert row.pk is None and logspool.pending() == 1
    monkeypatch.undo()
    assert logspool.flush() == 1
    assert AccessLog.objects.get().query == "张伟"
    assert sqlite_wait.SHORT_WAIT_MS <= 1000


def _yes():  # type: ignore[no-untyped-def]
    from contextlib import contextmanager

    @contextmanager
    def short():  # type: ignore[no-untyped-def]
        yield True

    return short()
