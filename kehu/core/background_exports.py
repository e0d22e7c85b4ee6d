"""Exports of any size: built by the worker, with progress, downloaded by the one who asked.

A list export that would take longer than a request should (more rows than
KEHU_EXPORT_INLINE_ROWS) becomes an ExportJob: the page shows a progress bar while the worker
writes the workbook in openpyxl's write-only mode (memory flat in the row count) to a file of its
own under DATA_DIR/exports, then offers the download. Only the requester sees the job; the file is
deleted when the job expires (KEHU_EXPORT_KEEP_HOURS, default 24).

The apps own what is exported: each registers a builder under a kind (`register`), a function
(user, params, export) -> file name that reads with the user's rights at run time (restrict()) and
logs the export, exactly as its inline export does. core knows no app.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .exceptions import DomainError
from .exports import XlsxExport
from .models import ExportJob

logger = logging.getLogger(__name__)

Builder = Callable[[Any, dict[str, Any], XlsxExport], str]
_BUILDERS: dict[str, Builder] = {}
STALE_AFTER = dt.timedelta(minutes=10)  # progress comes every 2,000 rows: 10 silent minutes is a dead worker


def register(kind: str, builder: Builder) -> None:
    _BUILDERS[kind] = builder


def inline_limit() -> int:
    """Up to this many rows an export is built in the request; above it, by the worker."""
    return int(getattr(settings, "KEHU_EXPORT_INLINE_ROWS", 5000))


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "KEHU_EXPORT_KEEP_HOURS", 24)))


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def start(
    user: Any, kind: str, params: dict[str, Any], *, rows_expected: int | None = None, description: str = ""
) -> ExportJob:
    """Queue an export of `kind` with the list's filters; the worker starts after the commit."""
    if kind not in _BUILDERS:
        raise DomainError(_("没有这种导出。"))
    from .tasks import run_export_task

    job = ExportJob.objects.create(
        token=secrets.token_hex(16),
        user=user,
        kind=kind,
        params=params,
        description=description[:200],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows_expected=rows_expected,
    )
    transaction.on_commit(lambda: run_export_task.enqueue(job.pk))
    return job


def run(job_id: int) -> ExportJob:
    """Build the workbook of a queued job. Safe to call twice: a finished job is left alone."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, rows_done=0, heartbeat_at=timezone.now()
    )
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job
    target = export_dir() / f"{job.token}.xlsx"
    partial = target.with_suffix(".part")

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=rows, heartbeat_at=timezone.now())

    try:
        if not job.user.is_active:
            raise DomainError(_("账号已停用，导出未生成。"))
        with translation.override(job.language):
            export = XlsxExport(on_progress=progress)
            file_name = _BUILDERS[job.kind](job.user, job.params, export)
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                export.save(out)
                out.flush()
                os.fsync(out.fileno())
        partial.replace(target)  # the download never sees half a file
    except Exception as exc:
        partial.unlink(missing_ok=True)
        message = exc.message if isinstance(exc, DomainError) else _("生成导出文件时出错，请重试或缩小筛选范围。")
        if not isinstance(exc, DomainError):
            logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=message[:300], finished_at=timezone.now()
        )
    else:
        now = timezone.now()
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            rows_done=export.rows,
            file_name=file_name,
            file_path=str(target),
            finished_at=now,
            expires_at=now + keep_for(),
        )
    job.refresh_from_db()
    return job


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the files of expired exports and requeue the jobs whose worker died."""
    from .tasks import run_export_task

    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lt=now):
        Path(job.file_path).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.EXPIRED, file_path="")
        expired += 1
    requeued = 0
    stale = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    for job_id in stale.values_list("pk", flat=True):
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.QUEUED)
        run_export_task.enqueue(job_id)
        requeued += 1
    # Old rows of finished jobs: the access log keeps what was exported; the job rows are not needed.
    ExportJob.objects.filter(
        status__in=(ExportJob.Status.EXPIRED, ExportJob.Status.FAILED), created_at__lt=now - dt.timedelta(days=30)
    ).delete()
    return {"expired": expired, "requeued": requeued}


def job_for(user: Any, token: str) -> ExportJob:
    """The user's own job; anyone else's is the same 404 as a job that does not exist."""
    from django.http import Http404

    job = ExportJob.objects.filter(token=token, user=user).first()
    if job is None:
        raise Http404
    return job
