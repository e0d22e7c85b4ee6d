"""A customer list larger than a request should build is exported by the worker, with progress, for
the requester alone, read with their rights, and deleted when it expires (issue 13: exports of any size)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.core import background_exports, exports
from kehu.core.exports import XlsxExport
from kehu.core.models import ExportJob
from kehu.customers import services


@pytest.fixture
def shanghai(make_customer, users):  # type: ignore[no-untyped-def]
    made = []
    for i in range(9):
        customer = make_customer(f"上海第{i}贸易有限公司", region="上海", grade="ABC"[i % 3], owner="mkt")
        services.contact_create(actor=users["admin"], customer=customer, name=f"联系人{i}", mobile=f"1390013{i:04d}")
        made.append(customer)
    make_customer("北京第1贸易有限公司", region="北京", grade="C", owner="mkt")
    return made


def _start(client, django_capture_on_commit_callbacks, params):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("customers:export"), params)
    assert response.status_code == 302, "a large export is handed to the worker"
    return ExportJob.objects.get(token=response["Location"].rstrip("/").rsplit("/", 1)[-1]), response["Location"]


def test_large_export_runs_in_the_background_and_downloads_for_its_owner(
    client, users, shanghai, settings, django_capture_on_commit_callbacks
):
    settings.KEHU_EXPORT_INLINE_ROWS = 3
    client.force_login(users["mkt_mgr"])
    job, location = _start(client, django_capture_on_commit_callbacks, {"region": "上海"})
    assert job.status == ExportJob.Status.DONE and job.rows_done == 9 and job.user == users["mkt_mgr"]
    page = client.get(location).content.decode()
    assert 'data-testid="export-done"' in page and "共 9 行" in page
    download = client.get(reverse("exports:download", args=[job.token]))
    assert download["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(download.getvalue())).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("档案编号", "客户名称")
    assert sorted(r[1] for r in rows[1:]) == sorted(c.name for c in shanghai)
    logged = AccessLog.objects.filter(user=users["mkt_mgr"], action="export").get()
    assert logged.rows == 9 and logged.detail["filters"] == {"region": "上海"}
    assert "客户列表 · 地区：上海" in client.get(reverse("exports:list")).content.decode()


def test_the_worker_reads_with_the_requesters_rights(
    client, users, shanghai, settings, django_capture_on_commit_callbacks
):
    settings.KEHU_EXPORT_INLINE_ROWS = 3
    client.force_login(users["mkt"])  # marketing staff: no A-grade archives (六.3)
    job, _location = _start(client, django_capture_on_commit_callbacks, {"region": "上海"})
    rows = list(load_workbook(job.file_path).active.iter_rows(values_only=True))[1:]
    assert sorted(r[1] for r in rows) == sorted(c.name for c in shanghai if c.grade != "A")
    assert all(r[2] != "A" for r in rows)


def test_nobody_else_sees_or_downloads_an_export(client, users, shanghai, settings, django_capture_on_commit_callbacks):
    settings.KEHU_EXPORT_INLINE_ROWS = 3
    client.force_login(users["mkt_mgr"])
    job, location = _start(client, django_capture_on_commit_callbacks, {})
    for other in ("mkt", "admin", "sales"):
        client.force_login(users[other])
        assert client.get(location).status_code == 404
        assert client.get(reverse("exports:download", args=[job.token])).status_code == 404
        assert job.token not in client.get(reverse("exports:list")).content.decode()
    client.logout()
    assert client.get(reverse("exports:download", args=[job.token])).status_code == 302  # to the login page


def test_an_expired_export_is_deleted(client, users, shanghai, settings, django_capture_on_commit_callbacks):
    settings.KEHU_EXPORT_INLINE_ROWS = 3
    client.force_login(users["mkt_mgr"])
    job, location = _start(client, django_capture_on_commit_callbacks, {})
    assert Path(job.file_path).is_file()
    assert background_exports.sweep(now=timezone.now() + dt.timedelta(hours=23))["expired"] == 0
    assert background_exports.sweep(now=timezone.now() + dt.timedelta(hours=25))["expired"] == 1
    assert not Path(job.file_path).exists()
    assert 'data-testid="export-expired"' in client.get(location).content.decode()
    assert client.get(reverse("exports:download", args=[job.token])).status_code == 404


def test_a_failed_export_says_so_and_leaves_no_file(client, users, shanghai, settings, monkeypatch):
    def broken(user, params, export):  # type: ignore[no-untyped-def]
        export.sheet("x").append(["half"])
        raise RuntimeError("disk went away")

    monkeypatch.setitem(background_exports._BUILDERS, "broken", broken)
    job = background_exports.start(users["mkt_mgr"], "broken", {})
    job = background_exports.run(job.pk)
    assert job.status == ExportJob.Status.FAILED and "请重试" in job.error
    assert not list(background_exports.export_dir().glob(f"{job.token}*"))
    client.force_login(users["mkt_mgr"])
    assert 'data-testid="export-failed"' in client.get(reverse("exports:job", args=[job.token])).content.decode()


def test_a_job_whose_worker_died_is_queued_again(users, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr("kehu.core.tasks.run_export_task", type("Task", (), {"enqueue": staticmethod(queued.append)}))
    job = background_exports.start(users["mkt_mgr"], "customers", {})
    ExportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now() - dt.timedelta(minutes=11))
    assert background_exports.sweep()["requeued"] == 1 and queued == [job.pk]
    assert ExportJob.objects.get(pk=job.pk).status == "queued"


def test_small_lists_still_download_at_once(client, users, shanghai):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse("customers:export"), {"region": "上海"})
    assert response.status_code == 200 and response["Content-Type"] == exports.XLSX_TYPE
    assert not ExportJob.objects.exists()


def test_progress_is_reported_while_rows_are_written(monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    sheet = XlsxExport(on_progress=seen.append).sheet("s", header=["a"])
    for i in range(5):
        sheet.append([i])
    assert seen == [2, 4]


def test_unknown_export_kind_is_refused(users):
    from kehu.core.exceptions import DomainError

    with pytest.raises(DomainError):
        background_exports.start(users["mkt_mgr"], "nope", {})
    assert not ExportJob.objects.exists()
