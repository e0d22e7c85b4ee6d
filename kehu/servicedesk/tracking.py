"""The SOP's tracking tables as it draws them: 表2 问题跟踪解决表 and 表3 客户需求跟踪表.

Every column of the paper table, the list filters (each backed by an index of the model) and the
Excel export. The export escapes formula-leading cells and writes the access-log row; when the
shared writer (kehu/core/exports.py, from the hardening work) lands, `_xlsx` should call it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap

from .choices import TicketState
from .models import Ticket

Column = tuple[str, Any, Callable[[Any], Any]]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _ticket_status(t: Ticket) -> str:
    """The SOP's two states: 处理中 / 已关闭 (the detail page shows the finer steps)."""
    closed = t.state in (TicketState.CLOSED, TicketState.REVIEWED)
    return str(_("已关闭") if closed else _("处理中"))


# 表2: 问题编号 客户名称 问题描述 紧急程度 反馈时间 责任部门 负责人 分析结果 解决方案 计划完成时间 实际完成时间 状态
TICKET_COLUMNS: list[Column] = [
    ("number", gettext_lazy("问题编号"), lambda t: t.number),
    ("customer", gettext_lazy("客户名称"), lambda t: t.customer.name),
    ("description", gettext_lazy("问题描述"), lambda t: t.description),
    ("urgency", gettext_lazy("紧急程度"), lambda t: t.get_urgency_display()),
    ("reported_at", gettext_lazy("反馈时间"), lambda t: _local(t.reported_at)),
    ("department", gettext_lazy("责任部门"), lambda t: t.get_department_display()),
    ("owner", gettext_lazy("负责人"), lambda t: str(t.owner) if t.owner else ""),
    ("analysis_result", gettext_lazy("分析结果"), lambda t: t.analysis_result),
    ("solution", gettext_lazy("解决方案"), lambda t: t.solution),
    ("planned_completion", gettext_lazy("计划完成时间"), lambda t: _local(t.planned_completion)),
    ("actual_completion", gettext_lazy("实际完成时间"), lambda t: _local(t.actual_completion)),
    ("status", gettext_lazy("状态（处理中/已关闭）"), _ticket_status),
]

# 表3: 需求编号 客户名称 需求描述 提出时间 需求类型 责任部门 进度 计划完成时间 客户反馈 (+ 负责人, 最近进度反馈)
DEMAND_COLUMNS: list[Column] = [
    ("number", gettext_lazy("需求编号"), lambda d: d.number),
    ("customer", gettext_lazy("客户名称"), lambda d: d.customer.name),
    ("description", gettext_lazy("需求描述"), lambda d: d.description),
    ("raised_at", gettext_lazy("提出时间"), lambda d: d.raised_at),
    ("type", gettext_lazy("需求类型（功能/服务/其他）"), lambda d: d.get_type_display()),
    ("department", gettext_lazy("责任部门"), lambda d: d.get_department_display()),
    ("owner", gettext_lazy("负责人"), lambda d: str(d.owner) if d.owner else ""),
    ("state", gettext_lazy("进度（调研中/开发中/已完成）"), lambda d: d.get_state_display()),
    ("planned_completion", gettext_lazy("计划完成时间"), lambda d: d.planned_completion),
    ("last_progress_at", gettext_lazy("最近进度反馈"), lambda d: _local(d.last_progress_at)),
    ("customer_feedback", gettext_lazy("客户反馈"), lambda d: d.customer_feedback),
]

COLUMNS = {"ticket": TICKET_COLUMNS, "demand": DEMAND_COLUMNS}
TITLES = {"ticket": gettext_lazy("问题跟踪解决表"), "demand": gettext_lazy("客户需求跟踪表")}
DATE_FIELD = {"ticket": "reported_at", "demand": "raised_at"}


def tracking_rows(queryset: QuerySet[Any], kind: str, *, since: dt.date | None, until: dt.date | None) -> Any:
    """The list's rows narrowed to a reporting period (反馈时间 / 提出时间), with what the columns read."""
    field = DATE_FIELD[kind]
    if kind == "ticket":
        if since:
            queryset = queryset.filter(reported_at__gte=timezone.make_aware(dt.datetime.combine(since, dt.time.min)))
        if until:
            end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
            queryset = queryset.filter(reported_at__lt=end)
    else:
        if since:
            queryset = queryset.filter(**{f"{field}__gte": since})
        if until:
            queryset = queryset.filter(**{f"{field}__lte": until})
    return queryset.select_related("customer", "owner")


def cells(record: Any, kind: str) -> list[Any]:
    return [read(record) for _name, _label, read in COLUMNS[kind]]


def shown(value: Any) -> str:
    """A cell as the page shows it (dates the zh-CN way)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @) is kept as text; control characters go."""
    if not isinstance(value, str):
        return value
    value = "".join(ch for ch in value if ch in "\t\n" or ord(ch) >= 32)
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def tracking_xlsx(*, user: Any, queryset: QuerySet[Any], kind: str, filters: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(TITLES[kind])[:31])
    sheet.append([str(label) for _name, label, _read in COLUMNS[kind]])
    cap = export_row_cap(user)
    rows = 0
    for record in (queryset if cap is None else queryset[:cap]).iterator(chunk_size=2000):
        row = []
        for value in cells(record, kind):
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    log_access(user=user, action="export", rows=rows, detail={"report": f"{kind}_tracking", "filters": filters})
    return buffer.getvalue()
