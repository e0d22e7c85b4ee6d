"""Excel import of customers and contacts, as people really type them.

upload (import_start) -> background parse (parse_import task; progress in ImportJob) -> preview with
per-row errors and duplicate warnings -> import_commit: all rows in ONE transaction, or none.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core.exceptions import DomainError

from .choices import Grade
from .models import ImportJob
from .selectors import possible_duplicates
from .services import customer_create, normalise_name, phone_digits

# Column name as people write it -> field. Compared after normalising (NFKC, no spaces, lower case).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("客户名称", "客户", "名称", "公司名称", "单位名称", "企业名称", "客户全称"),
    "region": ("地区", "区域", "省份", "城市", "所在地区"),
    "address": ("地址", "公司地址", "通讯地址"),
    "phone": ("电话", "公司电话", "联系电话", "座机", "办公电话"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail", "邮件"),
    "contact_name": ("联系人", "联系人姓名", "负责人姓名"),
    "contact_position": ("职务", "职位", "联系人职务"),
    "contact_mobile": ("手机", "手机号", "手机号码", "移动电话", "联系人手机"),
    "cooperation_since": ("合作起始日期", "合作开始日期", "合作日期", "开始合作时间", "合作起始时间"),
    "grade": ("等级", "客户等级", "级别", "分级"),
    "main_products": ("购买产品", "购买的产品", "产品", "主要产品"),
}
COLUMN_LABELS = {
    "name": gettext_lazy("客户名称"),
    "region": gettext_lazy("地区"),
    "address": gettext_lazy("地址"),
    "phone": gettext_lazy("电话"),
    "email": gettext_lazy("邮箱"),
    "contact_name": gettext_lazy("联系人"),
    "contact_position": gettext_lazy("职务"),
    "contact_mobile": gettext_lazy("手机"),
    "cooperation_since": gettext_lazy("合作起始日期"),
    "grade": gettext_lazy("等级"),
    "main_products": gettext_lazy("购买产品"),
}
_HEADER_LOOKUP = {
    "".join(unicodedata.normalize("NFKC", s).lower().split()): field
    for field, names in HEADER_SYNONYMS.items()
    for s in names
}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MAX_ROWS = 50_000
PROGRESS_EVERY = 100


def import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_text(value: Any) -> str:
    """Full-width to half-width, stray and doubled spaces away."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    match = _DATE_TEXT.match(text)
    if not match:
        raise ValueError(
            _("无法识别的日期“%(value)s”，请写成 2024-3-1、2024/03/01 或 2024年3月1日。") % {"value": text}
        )
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValueError(_("日期“%(value)s”不存在。") % {"value": text}) from exc


def parse_grade(value: Any) -> str:
    text = clean_text(value).upper().removesuffix("类").removesuffix("级")
    if text not in Grade.values:
        raise ValueError(_("等级应为 A、B 或 C，而不是“%(value)s”。") % {"value": clean_text(value)})
    return text


def parse_phone(value: Any) -> str:
    text = clean_text(value)
    digits = phone_digits(text)
    if not 7 <= len(digits) <= 15:
        raise ValueError(_("电话号码“%(value)s”位数不对。") % {"value": text})
    return text


def parse_email(value: Any) -> str:
    text = clean_text(value).lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise ValueError(_("邮箱“%(value)s”格式不正确。") % {"value": text}) from exc
    return text


PARSERS = {
    "cooperation_since": lambda v: parse_date(v).isoformat(),
    "grade": parse_grade,
    "phone": parse_phone,
    "contact_mobile": parse_phone,
    "email": parse_email,
}


def parse_row(raw: dict[str, Any]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """One sheet row -> (clean values, [(field, message)])."""
    values: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for field, cell in raw.items():
        if cell is None or clean_text(cell) == "":
            continue
        parser = PARSERS.get(field, clean_text)
        try:
            values[field] = parser(cell)
        except ValueError as exc:
            errors.append((field, str(exc)))
    if not values.get("name"):
        errors.append(("name", _("客户名称不能为空。")))
    elif len(values["name"]) > 200:
        errors.append(("name", _("客户名称过长（最多 200 字）。")))
    return values, errors


@transaction.atomic
def import_start(*, actor: Any, file: UploadedFile) -> ImportJob:
    name = file.name or "import.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise DomainError(
            _("请上传 .xlsx 格式的 Excel 文件。"), field_errors={"file": [_("请上传 .xlsx 格式的 Excel 文件。")]}
        )
    path = import_dir() / f"{uuid.uuid4().hex}.xlsx"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(actor=actor, file_path=str(path), original_name=name[:255])
    transaction.on_commit(lambda: parse_import.enqueue(job.pk))
    return job


def _read_sheet(path: str) -> tuple[dict[int, str], list[tuple[int, tuple[Any, ...]]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        columns = {
            index: _HEADER_LOOKUP[key]
            for index, cell in enumerate(header)
            if (key := "".join(clean_text(cell).lower().split())) in _HEADER_LOOKUP
        }
        body = [(number, row) for number, row in enumerate(rows, start=2) if any(c not in (None, "") for c in row)]
    finally:
        workbook.close()
    return columns, body


@task
def parse_import(job_id: int) -> None:
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.PARSING)
    try:
        columns, body = _read_sheet(job.file_path)
    except Exception as exc:  # a corrupt or non-Excel file is the user's problem to fix, not a crash
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=_("无法读取该文件：%(error)s") % {"error": exc.__class__.__name__}
        )
        return
    if "name" not in columns.values():
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=_("找不到“客户名称”列。请检查表头。")
        )
        return
    if len(body) > MAX_ROWS:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, message=_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}
        )
        return
    ImportJob.objects.filter(pk=job_id).update(total_rows=len(body))
    importer = job.actor
    good: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for done, (number, row) in enumerate(body, start=1):
        raw = {field: row[index] if index < len(row) else None for index, field in columns.items()}
        values, row_errors = parse_row(raw)
        for field, message in row_errors:
            errors.append({"row": number, "field": field, "message": message})
        if not row_errors:
            key = normalise_name(values["name"])
            if key in seen:
                duplicates.append(
                    {
                        "row": number,
                        "customer_id": None,
                        "name": values["name"],
                        "reason": "file",
                        "other_row": seen[key],
                    }
                )
            seen.setdefault(key, number)
            check = possible_duplicates(
                importer,
                name=values["name"],
                phone=values.get("phone", ""),
                email=values.get("email", ""),
                mobiles=[values.get("contact_mobile", "")],
            )
            if check.hidden:
                duplicates.append(
                    {"row": number, "customer_id": None, "name": "", "reason": _("可能与您无权查看的档案重复")}
                )
            for dup in check.visible:
                duplicates.append(
                    {
                        "row": number,
                        "customer_id": dup.customer.pk,
                        "name": dup.customer.name,
                        "reason": "; ".join(dup.reasons),
                    }
                )
            good.append({"row": number, **values})
        if done % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job_id).update(processed_rows=done)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.PREVIEW, processed_rows=len(body), rows=good, errors=errors, duplicates=duplicates
    )


def column_label(field: str) -> str:
    return str(COLUMN_LABELS.get(field, field))


@transaction.atomic
def import_commit(*, actor: Any, job: ImportJob) -> ImportJob:
    """Create every valid row's customer (and contact) in one transaction: any failure writes nothing.

    Rows with errors were shown in the preview and are skipped.
    """
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEW:
        raise DomainError(_("该导入任务当前不能提交。"))
    if job.actor_id != actor.pk:
        raise DomainError(_("只能提交自己上传的导入任务。"))
    for row in job.rows:
        since = row.get("cooperation_since")
        customer_create(
            actor=actor,
            name=row["name"],
            region=row.get("region", ""),
            address=row.get("address", ""),
            phone=row.get("phone", ""),
            email=row.get("email", ""),
            grade=row.get("grade", Grade.C),
            main_products=row.get("main_products", ""),
            cooperation_since=dt.date.fromisoformat(since) if since else None,
            source="customer_form",
            first_contact={
                "name": row["contact_name"],
                "position": row.get("contact_position", ""),
                "mobile": row.get("contact_mobile", ""),
                "is_main_contact": True,
            }
            if row.get("contact_name")
            else None,
        )
    job.status = ImportJob.Status.DONE
    job.created_count = len(job.rows)
    job.save(update_fields=["status", "created_count", "updated_at"])
    transaction.on_commit(lambda: Path(job.file_path).unlink(missing_ok=True))
    return job
