"""Excel export of a customer list (the user's current filters and search), streamed in write-only mode."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.access.audit import log_access

from .models import Customer


def export_columns() -> list[tuple[str, str]]:
    return [
        ("archive_no", _("档案编号")),
        ("name", _("客户名称")),
        ("grade", _("等级")),
        ("priority", _("维护优先级")),
        ("region", _("地区")),
        ("industry_standing", _("行业地位")),
        ("owner", _("负责人")),
        ("phone", _("电话")),
        ("email", _("电子邮箱")),
        ("address", _("地址")),
        ("cooperation_since", _("合作起始日期")),
        ("created_at", _("建档日期")),
    ]


def _cell(customer: Customer, field: str) -> Any:
    if field == "owner":
        return str(customer.owner)
    if field in ("grade", "priority", "industry_standing"):
        return getattr(customer, f"get_{field}_display")()
    if field == "created_at":
        return customer.created_at.astimezone(dt.UTC).date()
    return getattr(customer, field)


def customers_xlsx(*, user: Any, customers: QuerySet[Customer], filters: dict[str, Any], query: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("客户"))
    columns = export_columns()
    sheet.append([label for _field, label in columns])
    cap = roles.export_row_cap(user)
    queryset = customers if cap is None else customers[:cap]
    rows = 0
    for customer in queryset.iterator(chunk_size=2000):
        cells = []
        for field, _label in columns:
            value = _cell(customer, field)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    log_access(user=user, action="export", query=query, rows=rows, detail={"filters": filters, "format": "xlsx"})
    return buffer.getvalue()
