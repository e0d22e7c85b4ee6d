"""Excel export of the service desk's complaint, ticket and demand lists, with the list's own filters.

The rows are the list's (servicedesk.selectors.record_list_for: scope, queue, search, filters) AND
what the user may export (restrict(user, "export")); staff are capped (roles.export_row_cap) and
every export is written to the access log with its filters, like the other exports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap
from kehu.core.exports import XlsxExport, capped
from kehu.servicedesk import selectors as desk

KINDS = ("complaint", "ticket", "demand")
TITLES = {"complaint": gettext_lazy("客户投诉"), "ticket": gettext_lazy("问题跟踪"), "demand": gettext_lazy("客户需求")}


def _columns(kind: str) -> list[str]:
    owner = _("受理人员") if kind == "complaint" else _("负责人")
    return [_("编号"), _("客户名称"), _("状态"), _("责任部门"), owner, _("最近时限"), _("创建时间")]


def _row(kind: str, record: Any) -> list[Any]:
    owner = getattr(record, desk.OWNER[kind])
    department = getattr(record, f"get_{desk.DEPARTMENT[kind]}_display")()
    return [
        record.number,
        record.customer.name,
        record.get_state_display(),
        str(department),
        owner.display_name if owner else "",
        getattr(record, "next_due", None),
        record.created_at,
    ]


def case_list_xlsx(*, user: Any, kind: str, request: Any, params: dict[str, str]) -> XlsxExport:
    filters = {key: params.get(key, "") for key in desk.FILTERS[kind]}
    for key in ("receiver", "owner", "customer"):
        if filters.get(key) and not filters[key].isdigit():
            filters[key] = ""
    sort = params.get("sort", "-id")
    rows = desk.record_list_for(
        user,
        kind,
        queue=params.get("queue", ""),
        q=params.get("q", "")[:100],
        request=request,
        sort=sort if sort in desk.SORTS else "-id",
        **filters,
    ).filter(pk__in=desk.scoped(user, kind, "export").values("pk"))
    export = XlsxExport()
    sheet = export.sheet(str(TITLES[kind]), header=_columns(kind))
    for record in capped(rows, export_row_cap(user)).iterator(chunk_size=2000):
        sheet.append(_row(kind, record))
    log_access(
        user=user,
        action="export",
        request=request,
        rows=sheet.rows,
        detail={"filters": params, "format": "xlsx", "list": f"servicedesk:{kind}"},
    )
    return export
