"""Preview: read the sheet in batches, parse every cell, check duplicates per batch, stage the rows.

Nothing is written to the archive here. Each batch of rows costs a handful of queries (duplicate
lookups with IN lists against the name, phone, e-mail and mobile indexes), not queries per row;
memory stays flat in the row count except for the in-file duplicate check (one short key per row).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User

from ..models import Contact, Customer, ImportJob, ImportRow
from ..services import normalise_name, phone_digits
from . import cells, fastinsert, reader
from .columns import Column

BATCH = 2000
PREVIEW_LIMIT = 500  # errors and duplicates kept on the job for the page; all are in the staged rows
SAMPLE_ROWS = 20


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _raw(value: Any) -> Any:
    """A cell as typed, for the workbook of rows to fix."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


class Owners:
    """负责人 by username or full name; users are few, so all are read once per import."""

    def __init__(self) -> None:
        self.by_name: dict[str, int] = {}
        for pk, username, last, first in User.objects.filter(is_active=True).values_list(
            "pk", "username", "last_name", "first_name"
        ):
            self.by_name[username.lower()] = pk
            self.by_name.setdefault(f"{last}{first}", pk)

    def parse(self, value: Any) -> int:
        text = cells.clean_text(value)
        pk = self.by_name.get(text.lower()) or self.by_name.get(text.replace(" ", ""))
        if pk is None:
            raise ValueError(_("负责人“%(value)s”不是系统中的在职用户。") % {"value": text})
        return pk


def parse_row(
    cells_by_column: Iterable[tuple[Column, Any]], owners: Owners | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One sheet row -> (values for staging, [{field, message}]). Every bad cell is named."""
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for column, cell in cells_by_column:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            value = owners.parse(cell) if column.key == "owner" and owners else column.parser(cell)
        except ValueError as exc:
            errors.append({"field": column.key, "message": str(exc)})
            continue
        if value in ("", None):
            continue
        if column.max_length and isinstance(value, str) and len(value) > column.max_length:
            errors.append(
                {
                    "field": column.key,
                    "message": _("“%(label)s”过长（最多 %(n)s 字）。")
                    % {"label": column.label, "n": column.max_length},
                }
            )
            continue
        if isinstance(value, dict):  # 联系方式 splits into mobile / line / e-mail; an own column wins
            for key, part in value.items():
                values.setdefault(key, part)
        else:
            values[column.key] = _json(value)
    if not values.get("name") and not any(e["field"] == "name" for e in errors):
        errors.append({"field": "name", "message": _("客户名称不能为空。")})
    has_contact_data = any(values.get(k) for k in ("contact_position", "contact_mobile", "contact_email"))
    if has_contact_data and not values.get("contact_name"):
        errors.append({"field": "contact_name", "message": _("填写了联系人信息，但没有联系人姓名。")})
    return values, errors


def _existing_duplicates(rows: list[tuple[int, dict[str, Any]]]) -> dict[int, dict[int, tuple[str, set[str]]]]:
    """{sheet row: {customer id: (name, {reason})}} for a batch: four IN queries on indexed columns."""
    by_key: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for number, values in rows:
        by_key["name"][normalise_name(values["name"])].append(number)
        if len(digits := phone_digits(values.get("phone", ""))) >= 7:
            by_key["phone"][digits].append(number)
        if values.get("email"):
            by_key["email"][values["email"]].append(number)
        if len(digits := phone_digits(values.get("contact_mobile", ""))) >= 7:
            by_key["mobile"][digits].append(number)
    found: dict[int, dict[int, tuple[str, set[str]]]] = defaultdict(dict)

    def add(reason: str, matches: Iterable[tuple[str, int, str]]) -> None:
        for key, pk, name in matches:
            for number in by_key[reason].get(key, ()):
                found[number].setdefault(pk, (name, set()))[1].add(reason)

    customers = Customer.objects.unscoped("an import warns about duplicates whoever owns them")
    for reason, column in (("name", "name_key"), ("phone", "phone_digits"), ("email", "email")):
        if by_key[reason]:
            add(reason, customers.filter(**{f"{column}__in": list(by_key[reason])}).values_list(column, "pk", "name"))
    if by_key["mobile"]:
        contacts = Contact.objects.unscoped("an import warns about duplicates whoever owns them")
        add(
            "mobile",
            contacts.filter(mobile_digits__in=list(by_key["mobile"]), customer__import_pending__isnull=True)
            .values_list("mobile_digits", "customer_id", "customer__name")
            .distinct(),
        )
    return found


class Stager:
    """Collects one import's parsed rows, stages them in batches and keeps the preview's summary."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.seen: dict[str, int] = {}
        self.batch: list[tuple[int, dict[str, Any], list[dict[str, str]], list[Any]]] = []
        self.valid = self.invalid = self.duplicate_rows = self.processed = 0
        self.errors: list[dict[str, Any]] = []
        self.duplicates: list[dict[str, Any]] = []
        self.sample: list[dict[str, Any]] = []
        self.columns_with_data: set[int] = set()

    def add(self, number: int, values: dict[str, Any], errors: list[dict[str, str]], raw: list[Any]) -> None:
        self.batch.append((number, values, errors, raw))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        good = [(number, values) for number, values, errors, _raw in self.batch if not errors]
        existing = _existing_duplicates(good) if good else {}
        staged = []
        for number, values, errors, raw in self.batch:
            self.processed += 1
            if errors:
                self.invalid += 1
                for error in errors:
                    if len(self.errors) < PREVIEW_LIMIT:
                        self.errors.append({"row": number, **error})
                staged.append(ImportRow(job=self.job, row=number, ok=False, values={}, raw=raw, errors=errors))
                continue
            self.valid += 1
            dupes = self._file_duplicate(number, values) + [
                {"row": number, "customer_id": pk, "name": name, "reasons": sorted(reasons)}
                for pk, (name, reasons) in existing.get(number, {}).items()
            ]
            if dupes:
                self.duplicate_rows += 1
                self.duplicates.extend(dupes[: max(PREVIEW_LIMIT - len(self.duplicates), 0)])
            if len(self.sample) < SAMPLE_ROWS:
                self.sample.append({"row": number, **values})
            staged.append(ImportRow(job=self.job, row=number, ok=True, values=values))
        with transaction.atomic():
            fastinsert.insert(ImportRow, staged)  # COPY on PostgreSQL
            ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=self.processed, updated_at=timezone.now())
        self.batch = []

    def _file_duplicate(self, number: int, values: dict[str, Any]) -> list[dict[str, Any]]:
        key = normalise_name(values["name"])
        first = self.seen.setdefault(key, number)
        if first == number:
            return []
        return [{"row": number, "customer_id": None, "name": values["name"], "reasons": ["file"], "other_row": first}]


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, message=message, updated_at=timezone.now()
    )


def run_preview(job_id: int) -> None:
    """The parse task's body: file -> staged rows and the preview summary on the job."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PARSING):
        return  # ran already (tasks may run twice)
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.PARSING)
    ImportRow.objects.filter(job_id=job_id).delete()  # a re-run after a crash starts over
    try:
        known_rows = reader.check_rows(job.file_path, job.original_name)
        sheet = reader.Sheet(job.file_path)
    except reader.TooLarge as exc:
        _fail(job_id, str(exc))
        return
    except Exception as exc:  # a corrupt or non-spreadsheet file is the user's to fix, not a crash
        _fail(job_id, _("无法读取该文件：%(error)s") % {"error": exc.__class__.__name__})
        return
    try:
        _stage(job, sheet, known_rows)
    finally:
        sheet.close()


def _stage(job: ImportJob, sheet: reader.Sheet, known_rows: int | None) -> None:
    max_rows = reader.limit("IMPORT_MAX_ROWS")
    if sheet.height > max_rows + reader.HEADER_SCAN_ROWS:
        _fail(job.pk, _("一次最多导入 %(n)s 行。") % {"n": f"{max_rows:,}"})
        return
    rows = sheet.rows()
    head = list(itertools.islice(rows, reader.HEADER_SCAN_ROWS))
    layout = reader.detect_layout(head)
    if layout is None:
        _fail(job.pk, _("找不到“客户名称”列。请检查表头。"))
        return
    ImportJob.objects.filter(pk=job.pk).update(total_rows=max((known_rows or sheet.height) - layout.header_row - 1, 0))
    owners = Owners() if any(c.key == "owner" for c in layout.mapped.values()) else None
    stager = Stager(job)
    mapped = sorted(layout.mapped.items())
    body = itertools.chain(head[layout.header_row + 1 :], rows)
    first_data_row = layout.header_row + 2  # 1-based sheet row numbers, as Excel shows them
    for number, row in enumerate(body, start=first_data_row):
        if not any(c is not None and c != "" for c in row):
            continue
        if stager.processed + len(stager.batch) >= max_rows:
            _fail(job.pk, _("一次最多导入 %(n)s 行。") % {"n": f"{max_rows:,}"})
            return
        width = len(row)
        values, errors = parse_row(((column, row[i] if i < width else None) for i, column in mapped), owners)
        for index in range(width):
            if index not in layout.mapped and row[index] not in (None, ""):
                stager.columns_with_data.add(index)
        stager.add(number, values, errors, [_raw(c) for c in row] if errors else [])
    stager.flush()
    headers = [{"index": i, "header": layout.headers[i], "field": c.key} for i, c in mapped]
    ignored = [i for i in layout.ignored if i["index"] in stager.columns_with_data or i["header"]]
    named = {i["index"] for i in ignored}
    ignored += [
        {"index": i, "header": "", "reason": "unnamed"} for i in sorted(stager.columns_with_data) if i not in named
    ]
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.PREVIEW,
        total_rows=stager.processed,
        processed_rows=stager.processed,
        valid_rows=stager.valid,
        error_rows=stager.invalid,
        duplicate_rows=stager.duplicate_rows,
        columns=headers,
        ignored_columns=ignored,
        sample=stager.sample,
        errors=stager.errors,
        duplicates=stager.duplicates,
        updated_at=timezone.now(),
    )


def error_rows(job: ImportJob) -> Iterable[ImportRow]:
    """The staged rows with errors, in sheet order (the workbook of rows to fix)."""
    return ImportRow.objects.filter(job=job, ok=False).order_by("row").iterator(chunk_size=BATCH)
