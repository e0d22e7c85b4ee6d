"""Excel export of a customer list (the user's current filters and search), streamed in write-only mode."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap
from kehu.core.exports import XlsxExport, capped

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


def customers_xlsx(
    *,
    user: Any,
    customers: QuerySet[Customer],
    filters: dict[str, Any],
    query: str = "",
    export: XlsxExport | None = None,
    selected: list[int] | None = None,
) -> XlsxExport:
    """The list as a workbook (capped for staff, see roles.export_row_cap); the export is logged.
    `selected`: only these rows of the list (导出所选, issue 11)."""
    export = export or XlsxExport()
    columns = export_columns()
    sheet = export.sheet(_("客户"), header=[label for _field, label in columns])
    detail: dict[str, Any] = {"filters": filters, "format": "xlsx"}
    if selected is not None:
        customers = customers.filter(pk__in=selected)
        detail["selected"] = len(selected)
    for customer in capped(customers, export_row_cap(user)).iterator(chunk_size=2000):
        sheet.append([_cell(customer, field) for field, _label in columns])
    log_access(user=user, action="export", query=query, rows=sheet.rows, detail=detail)
    return export


def export_file_name() -> str:
    return f"customers-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def customers_background(user: Any, params: dict[str, Any], export: XlsxExport) -> str:
    """The worker's half of a large list export: the same filters, read with the user's rights now."""
    from .forms import filtered_customers

    form, customers = filtered_customers(user, params, action="export")
    filters = form.describe() if form.is_bound and form.is_valid() else {}
    customers_xlsx(user=user, customers=customers, filters=filters, query=params.get("q", ""), export=export)
    return export_file_name()
