"""Reading the uploaded workbook: limits first, then python-calamine (a Rust reader, ~10x openpyxl),
which also opens the legacy .xls and the .ods files that WPS and older Excel users send.

The row limit of an .xlsx is checked from the sheet's own XML (its <dimension>, or a streamed count
of its rows) before the sheet is loaded, so an oversized file is refused without reading it whole.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from . import columns as cols

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
DEFAULTS = {
    "IMPORT_MAX_ROWS": 1_000_000,
    "IMPORT_MAX_BYTES": 100 * 1024 * 1024,
    "IMPORT_RETENTION_HOURS": 72,
}
HEADER_SCAN_ROWS = 10
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTR = re.compile(rb"(\w+)=\"([^\"]*)\"")


def limit(name: str) -> int:
    return int(getattr(settings, "KEHU", {}).get(name, DEFAULTS[name]))


class TooLarge(ValueError):
    pass


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    """The XML part of the workbook's first sheet (workbook.xml order, resolved through its rels).
    Read with patterns, not an XML parser: these parts are small and come from the uploader."""
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    sheet = _SHEET.search(workbook)
    if sheet:
        for rel in _REL.finditer(rels):
            attrs = dict(_ATTR.findall(rel[0]))
            if attrs.get(b"Id") == sheet[1]:
                target = attrs.get(b"Target", b"").decode()
                return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return "xl/worksheets/sheet1.xml"


def xlsx_row_count(path: str, *, stop_after: int) -> int:
    """Rows of the first sheet of an .xlsx, from its <dimension> or by streaming its XML (never parsed
    whole); counting stops past `stop_after`."""
    with zipfile.ZipFile(path) as archive:
        member = _first_sheet_member(archive)
        info = archive.getinfo(member)
        if info.file_size > limit("IMPORT_MAX_BYTES") * 40:  # a zip bomb, not a spreadsheet
            raise TooLarge(_("文件解压后过大。"))
        with archive.open(member) as stream:
            head = stream.read(4096)
            if match := _DIMENSION.search(head):
                return int(match[1])
            count, tail = len(_ROW_TAG.findall(head)), head[-16:]
            while count <= stop_after and (chunk := stream.read(1 << 20)):
                count += len(_ROW_TAG.findall(tail + chunk)) - len(_ROW_TAG.findall(tail))
                tail = chunk[-16:]
            return count


def check_rows(path: str, name: str) -> int | None:
    """Refuse a workbook with more rows than IMPORT_MAX_ROWS (+ header rows); return its row count
    when known up front (.xlsx)."""
    if not name.lower().endswith((".xlsx", ".xlsm")):
        return None
    max_rows = limit("IMPORT_MAX_ROWS")
    rows = xlsx_row_count(path, stop_after=max_rows + HEADER_SCAN_ROWS)
    if rows > max_rows + HEADER_SCAN_ROWS:
        raise TooLarge(_("一次最多导入 %(n)s 行。") % {"n": f"{max_rows:,}"})
    return rows


@dataclass
class Layout:
    """Where the header is and what each column means."""

    header_row: int  # 0-based index of the (last) header row
    mapped: dict[int, cols.Column]
    headers: dict[int, str]
    ignored: list[dict[str, Any]] = field(default_factory=list)


def _filled(row: list[str]) -> list[str]:
    """A group header row with merged cells: carry each label to the right over the empty cells."""
    out, last = [], ""
    for cell in row:
        last = cell or last
        out.append(last)
    return out


def detect_layout(head: list[list[Any]]) -> Layout | None:
    """The header row is the one (of the first rows) naming the most known columns, 客户名称 among them;
    a merged group header above it is combined with it."""
    texts = [[cols.cells.clean_text(c) for c in row] for row in head]
    best: Layout | None = None
    for index, row in enumerate(texts):
        above = texts[index - 1] if index else []
        group = _filled(above)
        mapped: dict[int, cols.Column] = {}
        headers: dict[int, str] = {}
        ignored: list[dict[str, Any]] = []
        taken: dict[str, int] = {}
        for col in range(max(len(row), len(above))):
            own = row[col] if col < len(row) else ""
            over = above[col] if col < len(above) else ""
            candidates = [own, group[col] + own if col < len(group) and own else "", "" if own else over]
            header = next((c for c in candidates if c and cols.resolve(c)), own or over)
            column = cols.resolve(header) if header else None
            if column is None:
                if header:
                    ignored.append({"index": col, "header": header, "reason": "unknown"})
                continue
            if column.key in taken:
                ignored.append({"index": col, "header": header, "reason": "duplicate", "other": taken[column.key]})
                continue
            taken[column.key] = col
            mapped[col], headers[col] = column, header
        if "name" in taken and (best is None or len(mapped) > len(best.mapped)):
            best = Layout(index, mapped, headers, ignored)
    return best


class Sheet:
    """The first sheet of a workbook, row by row (values as python-calamine gives them)."""

    def __init__(self, path: str) -> None:
        from python_calamine import CalamineWorkbook

        self.workbook = CalamineWorkbook.from_path(path)
        self.sheet = self.workbook.get_sheet_by_index(0)

    @property
    def height(self) -> int:
        return int(self.sheet.height)

    def rows(self) -> Iterator[list[Any]]:
        return iter(self.sheet.iter_rows())

    def close(self) -> None:
        self.workbook.close()
