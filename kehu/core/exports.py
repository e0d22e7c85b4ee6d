"""The one Excel writer every export goes through.

Why one writer: a value a user (or a customer, by mail or self-update) typed lands in a
spreadsheet that someone else opens. A text starting with `=`, `+`, `-`, `@`, tab or CR would be
a live formula there (`=HYPERLINK(...)` leaking data, DDE); a control character makes openpyxl
raise and the export answer 500. So every text cell is written as an explicit string (never a
formula) with Excel's quote prefix, shown literally, and characters XML cannot carry are
dropped. Rows are written in openpyxl's write-only mode and the finished file is served from a
temporary file in chunks, so a 100k-row export does not sit in memory twice.

Usage:
    export = XlsxExport()
    sheet = export.sheet(_("客户"), header=[...])
    for row in rows: sheet.append([...])
    return export.response("customers.xlsx")
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs start a formula (or DDE) with these; tab and CR are accepted too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an XML 1.0 document cannot carry (openpyxl raises IllegalCharacterError on them);
# tab, LF and CR are legal and stay inside a text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")
PROGRESS_EVERY = 2000


def clean_text(value: str) -> str:
    """A text without the control characters XML (and so .xlsx) cannot hold."""
    return CONTROL.sub("", value)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def _text(value: Any) -> str | None:
    if isinstance(value, str | Promise):
        return clean_text(str(value))
    return None


class ExportSheet:
    """One sheet of an XlsxExport; `append` escapes every cell."""

    def __init__(self, export: XlsxExport, sheet: Any) -> None:
        self._export = export
        self._sheet = sheet
        self.rows = 0

    def _cell(self, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        text = _text(value)
        if text is not None:
            cell = WriteOnlyCell(self._sheet, value=None)
            # Written as a string, never parsed as a formula; Excel shows it literally and keeps
            # it text when someone edits the cell (the quote prefix).
            cell._value = text
            cell.data_type = "s"
            if is_formula_like(text):
                cell.quotePrefix = True
            return cell
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
        cell = WriteOnlyCell(self._sheet, value=value)
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell

    def append(self, values: Iterable[Any]) -> None:
        self._sheet.append([self._cell(v) for v in values])
        self.rows += 1
        if self._export.on_progress is not None and self.rows % PROGRESS_EVERY == 0:
            self._export.on_progress(self._export.rows)

    def header(self, values: Iterable[Any]) -> None:
        """A header row: escaped like data, not counted in `rows`."""
        self.append(values)
        self.rows -= 1


class XlsxExport:
    """A write-only workbook whose sheets escape every cell; `response()` serves it."""

    def __init__(self, *, on_progress: Callable[[int], None] | None = None) -> None:
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.sheets: list[ExportSheet] = []
        # Called with the rows written so far every PROGRESS_EVERY rows (background exports show it).
        self.on_progress = on_progress

    def sheet(self, title: str, header: Sequence[Any] | None = None) -> ExportSheet:
        safe_title = SHEET_TITLE_BAD.sub("_", clean_text(str(title)))[:31] or f"Sheet{len(self.sheets) + 1}"
        sheet = ExportSheet(self, self.book.create_sheet(safe_title))
        if header is not None:
            sheet.header(header)
        self.sheets.append(sheet)
        return sheet

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    def save(self, target: Any) -> None:
        if not self.sheets:
            self.sheet("Sheet1")
        self.book.save(target)

    def content(self) -> bytes:
        """The finished file as bytes (small exports, tests, mail attachments)."""
        import io

        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    def response(self, filename: str) -> FileResponse:
        """The file as a download, streamed from a temporary file; never cached (personal data)."""
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when the response is sent)
        self.save(spool)
        spool.seek(0)
        return file_response(spool, filename=filename, content_type=XLSX_TYPE)


def file_response(file: Any, *, filename: str, content_type: str | None = None, inline: bool = False) -> FileResponse:
    """A download of personal data: streamed, with a safe file name, and `Cache-Control: no-store`."""
    response = FileResponse(file, as_attachment=not inline, filename=filename)
    if content_type:
        response["Content-Type"] = content_type
    response["Cache-Control"] = "no-store"
    return response


def capped(queryset: QuerySet[Any], cap: int | None) -> QuerySet[Any]:
    """The rows an export may contain (see kehu.access.roles.export_row_cap)."""
    return queryset if cap is None else queryset[:cap]
