"""CSV import of call detail records (话单) from a PBX or call centre that cannot push them.

Columns (header row, any order): number, direction, rang_at, answered_at, ended_at, agent,
recording_url, id. Times are ISO 8601 (a time without zone is local time). All or nothing: any
bad row and nothing is stored, every error named by line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError

from .services import call_record

REQUIRED = ("number", "rang_at")
ALIASES = {"caller": "number", "caller_number": "number", "external_id": "id", "recording": "recording_url"}
MAX_ROWS = 20_000


def _time(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def calls_import_csv(*, actor: Any, text: str) -> int:
    from django.core.exceptions import PermissionDenied

    if not (roles.is_service_desk(actor) or roles.is_admin(actor)):
        raise PermissionDenied(_("只有客服部可以导入话单。"))
    reader = csv.DictReader(io.StringIO((text or "").lstrip("\ufeff")))
    fields = [ALIASES.get((f or "").strip().lower(), (f or "").strip().lower()) for f in reader.fieldnames or []]
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise DomainError(_("缺少列：%(columns)s") % {"columns": ", ".join(missing)})
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise DomainError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
        row = {ALIASES.get(k.strip().lower(), k.strip().lower()): (v or "").strip() for k, v in raw.items() if k}
        try:
            rows.append(
                {
                    "number": row.get("number", ""),
                    "direction": row.get("direction") or "inbound",
                    "rang_at": _time(row.get("rang_at", "")),
                    "answered_at": _time(row.get("answered_at", "")),
                    "ended_at": _time(row.get("ended_at", "")),
                    "agent": row.get("agent", ""),
                    "recording_url": row.get("recording_url", ""),
                    "external_id": row.get("id", ""),
                    "line": number,
                }
            )
        except ValueError:
            errors.append(_("第 %(n)s 行：时间格式应为 YYYY-MM-DD HH:MM[:SS]。") % {"n": number})
    if not errors:
        try:
            with transaction.atomic():
                for row in rows:
                    line = row.pop("line")
                    if row["rang_at"] is None:
                        errors.append(_("第 %(n)s 行：缺少振铃时间。") % {"n": line})
                        continue
                    try:
                        with transaction.atomic():
                            call_record(actor=actor, **row)
                    except DomainError as exc:
                        detail = "; ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message
                        errors.append(_("第 %(n)s 行：%(error)s") % {"n": line, "error": detail})
                if errors:
                    raise DomainError("rollback")
        except DomainError:
            pass
    if errors:
        raise DomainError(_("导入失败，未做任何修改。"), field_errors={"file": errors})
    return len(rows)
