"""The rows to fix, as a workbook: the sheet's own columns with the cells as typed, plus what is wrong."""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ..models import ImportJob
from . import columns, preview

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """No live formulas and no control characters in a workbook we hand out."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def rows_to_fix_xlsx(job: ImportJob) -> bytes:
    headers: dict[int, str] = {c["index"]: c["header"] for c in job.columns}
    headers.update({c["index"]: c["header"] for c in job.ignored_columns})
    width = max(headers, default=-1) + 1
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("待修改的行"))
    sheet.append([safe_cell(headers.get(i, "")) for i in range(width)] + [_("原行号"), _("错误说明")])
    for staged in preview.error_rows(job):
        cells = list(staged.raw[:width]) + [None] * max(width - len(staged.raw), 0)
        problems = "；".join(f"{columns.label(e['field'])}：{e['message']}" for e in staged.errors)
        sheet.append([safe_cell(c) for c in cells] + [staged.row, safe_cell(problems)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
