"""Excel export of the contact overview (客户联络一览表 / 客户信息维护表, seed 004 table 1)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap
from kehu.core.exports import XlsxExport, capped
from kehu.customers.models import Customer


def overview_columns() -> list[str]:
    return [
        _("客户名称"),
        _("联系人"),
        _("职务"),
        _("合作起始日期"),
        _("产品/项目"),
        _("需求与偏好"),
        _("上次沟通时间"),
        _("下次沟通计划"),
        _("维护优先级"),
        _("等级"),
        _("负责人"),
    ]


def overview_row(customer: Any) -> list[Any]:
    plan = getattr(customer, "contact_plan", None)
    return [
        customer.name,
        customer.main_contact or "",
        customer.main_position or "",
        customer.cooperation_since,
        customer.main_products,
        customer.preferences,
        plan.last_contact_on if plan else None,
        plan.next_due_on if plan else None,
        customer.get_priority_display(),
        customer.get_grade_display(),
        str(customer.owner),
    ]


def overview_xlsx(*, user: Any, rows: QuerySet[Customer], filters: dict[str, Any]) -> XlsxExport:
    export = XlsxExport()
    sheet = export.sheet(_("客户联络一览表"), header=overview_columns())
    for customer in capped(rows, export_row_cap(user)).iterator(chunk_size=2000):
        sheet.append(overview_row(customer))
    log_access(
        user=user,
        action="export",
        rows=sheet.rows,
        detail={"filters": filters, "format": "xlsx", "list": "contact_overview"},
    )
    return export
