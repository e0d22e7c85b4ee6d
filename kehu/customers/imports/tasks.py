"""The import's background work: preview, commit, and the sweep that resumes and cleans up."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from ..models import ImportJob
from . import commit, preview, reader

STALE_AFTER = dt.timedelta(minutes=10)  # a batch takes well under a second: 10 idle minutes is a dead worker


@task
def parse_import(job_id: int) -> None:
    preview.run_preview(job_id)


@task
def commit_import(job_id: int) -> None:
    commit.run_commit(job_id)


def imports_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Resume commits and previews whose worker died; delete the files and staged rows of previews,
    failures and cancellations older than IMPORT_RETENTION_HOURS. Safe to run twice."""
    now = now or timezone.now()
    stale = now - STALE_AFTER
    resumed = 0
    for job_id in ImportJob.objects.filter(status=ImportJob.Status.COMMITTING, updated_at__lt=stale).values_list(
        "pk", flat=True
    ):
        ImportJob.objects.filter(pk=job_id).update(updated_at=now)  # one resume per staleness period
        commit_import.enqueue(job_id)
        resumed += 1
    for job_id in ImportJob.objects.filter(
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.PARSING), updated_at__lt=stale
    ).values_list("pk", flat=True):
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.UPLOADED, updated_at=now)
        parse_import.enqueue(job_id)
        resumed += 1
    expired = 0
    old = now - dt.timedelta(hours=reader.limit("IMPORT_RETENTION_HOURS"))
    leftovers = ImportJob.objects.filter(
        status__in=(ImportJob.Status.PREVIEW, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED),
        updated_at__lt=old,
    ).exclude(file_path="")
    for job_id in leftovers.values_list("pk", flat=True):
        commit.discard_files(job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PREVIEW).update(status=ImportJob.Status.EXPIRED)
        ImportJob.objects.filter(pk=job_id).update(file_path="")
        expired += 1
    return {"resumed": resumed, "expired": expired}
