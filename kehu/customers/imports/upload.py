"""Upload: size limits before anything is stored, the file written fully, the parse queued."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError

from ..models import ImportJob
from . import reader


def import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _refuse(message: str) -> DomainError:
    return DomainError(message, field_errors={"file": [message]})


def require_importer(actor: Any) -> None:
    if not roles.is_importer(actor):
        raise DomainError(_("只有市场营销部的档案专员可以导入客户档案。"))


@transaction.atomic
def import_start(*, actor: Any, file: UploadedFile) -> ImportJob:
    """Store the upload and queue its preview. Refused before storing: a type we cannot read, a
    file over IMPORT_MAX_BYTES, an .xlsx whose sheet declares more than IMPORT_MAX_ROWS rows."""
    require_importer(actor)
    name = (file.name or "import.xlsx").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(name).suffix.lower()
    if suffix not in reader.EXTENSIONS:
        raise _refuse(_("请上传 Excel（.xlsx、.xls）或 WPS/OpenDocument（.ods）表格文件。"))
    max_bytes = reader.limit("IMPORT_MAX_BYTES")
    if not file.size:
        raise _refuse(_("文件是空的。"))
    if file.size > max_bytes:
        raise _refuse(_("文件不能超过 %(mb)s MB。") % {"mb": max_bytes // (1024 * 1024)})
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    written = 0
    try:
        with path.open("wb") as out:
            for chunk in file.chunks():
                written += len(chunk)
                if written > max_bytes:
                    raise _refuse(_("文件不能超过 %(mb)s MB。") % {"mb": max_bytes // (1024 * 1024)})
                out.write(chunk)
        if written != file.size:
            raise _refuse(_("文件没有完整上传，请重试。"))
        try:
            reader.check_rows(str(path), name)
        except reader.TooLarge as exc:
            raise _refuse(str(exc)) from exc
        except (zipfile.BadZipFile, KeyError, SyntaxError):
            pass  # not a readable .xlsx: the preview reports it as such
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job = ImportJob.objects.create(actor=actor, file_path=str(path), original_name=name[:255], file_size=written)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import parse_import

    parse_import.enqueue(job_id)
