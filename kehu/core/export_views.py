"""Pages of the background exports: the requester's own jobs, one job's progress, its download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .background_exports import job_for
from .exports import XLSX_TYPE, file_response
from .models import ExportJob

RECENT = 20


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # login_required: a signed-in User
    jobs = ExportJob.objects.filter(user=user).order_by("-created_at")[:RECENT]
    return render(request, "core/exports/list.html", {"jobs": jobs})


@login_required
def export_job(request: HttpRequest, token: str) -> HttpResponse:
    job = job_for(request.user, token)
    if getattr(request, "htmx", False):
        return render(request, "core/exports/partials/progress.html", {"job": job})
    return render(request, "core/exports/job.html", {"job": job})


@login_required
def export_download(request: HttpRequest, token: str) -> FileResponse:
    job = job_for(request.user, token)
    path = Path(job.file_path) if job.file_path else None
    if job.status != ExportJob.Status.DONE or path is None or not path.is_file():
        raise Http404
    return file_response(path.open("rb"), filename=job.file_name, content_type=XLSX_TYPE)
