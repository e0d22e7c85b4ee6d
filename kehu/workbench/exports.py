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
from kehu.core.inputs import parse_id
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


def case_list_xlsx(
    *, user: Any, kind: str, request: Any, params: dict[str, str], selected: list[int] | None = None
) -> XlsxExport:
    """The case list's rows AND what the user may export; `selected`: only these rows (导出所选)."""
    filters = {key: params.get(key, "") for key in desk.FILTERS[kind]}
    for key in ("receiver", "owner", "customer"):
        if filters.get(key) and parse_id(filters[key]) is None:
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
    detail: dict[str, Any] = {"filters": params, "format": "xlsx", "list": f"servicedesk:{kind}"}
    if selected is not None:
        rows = rows.filter(pk__in=selected)
        detail["selected"] = len(selected)
    export = XlsxExport()
    sheet = export.sheet(str(TITLES[kind]), header=_columns(kind))
    for record in capped(rows, export_row_cap(user)).iterator(chunk_size=2000):
        sheet.append(_row(kind, record))
    log_access(user=user, action="export", request=request, rows=sheet.rows, detail=detail)
    return export


# --- the engagement lists: follow-ups, contact plans, interactions ------------------------------------------

ENGAGEMENT_KINDS = ("followups", "plans", "interactions")
ENGAGEMENT_TITLES = {
    "followups": gettext_lazy("回访"),
    "plans": gettext_lazy("联络计划"),
    "interactions": gettext_lazy("沟通记录"),
}


def _exportable(user: Any, kind: str, queryset: Any) -> Any:
    """What of the list the user may export. Interactions have their own "export" action; follow-ups
    and contact plans have none, so they are exported for the customers the user may export
    (docs/permissions.md: export — only what one may view, and only roles holding export)."""
    from kehu.customers.models import Customer
    from kehu.engagement.models import Interaction

    if kind == "interactions":
        return queryset.filter(pk__in=Interaction.objects.restrict(user, "export").values("pk"))
    return queryset.filter(customer_id__in=Customer.objects.restrict(user, "export").values("pk"))


def _engagement_rows(user: Any, kind: str, params: Any) -> tuple[list[str], Any, Any]:
    from kehu.engagement import selectors as engagement

    queryset: Any
    if kind == "followups":
        _form, queryset = engagement.followups_from_params(user, params)
        header = [_("回访类型"), _("客户"), _("截止日期"), _("回访人"), _("状态"), _("满意度"), _("回访时间")]

        def row(f: Any) -> list[Any]:
            assignee = f.assignee.display_name if f.assignee else ""
            return [
                f.get_type_display(),
                f.customer.name,
                f.due_on,
                assignee,
                f.get_status_display(),
                f.satisfaction,
                f.done_at,
            ]

        return header, queryset, row
    if kind == "plans":
        queryset = engagement.plans_from_params(user, params)[0]
        header = [_("客户"), _("等级"), _("负责人"), _("上次沟通时间"), _("下次电话联络"), _("下次拜访"), _("拜访人员")]

        def plan_row(p: Any) -> list[Any]:
            return [
                p.customer.name,
                p.customer.get_grade_display(),
                p.assignee.display_name if p.assignee else "",
                p.last_contact_on,
                p.next_phone_on,
                p.next_visit_on,
                p.visit_whom,
            ]

        return header, queryset, plan_row
    queryset = engagement.interactions_from_params(user, params)[1]
    header = [_("沟通时间"), _("客户"), _("沟通方式"), _("主题"), _("沟通内容"), _("结果"), _("后续事项"), _("记录人")]

    def interaction_row(i: Any) -> list[Any]:
        actor = i.actor.display_name if i.actor else ""
        return [
            i.occurred_at,
            i.customer.name,
            i.get_channel_display(),
            i.subject,
            i.content,
            i.outcome,
            i.next_steps,
            actor,
        ]

    return header, queryset, interaction_row


def engagement_list_xlsx(
    *, user: Any, kind: str, request: Any, params: Any, selected: list[int] | None = None
) -> XlsxExport:
    """The list's rows (same query-string parser as the page), limited to what the user may export;
    `selected`: only these rows (导出所选)."""
    header, queryset, row = _engagement_rows(user, kind, params)
    rows = _exportable(user, kind, queryset)
    filters = {k: str(v) for k, v in params.items()}
    detail: dict[str, Any] = {"filters": filters, "format": "xlsx", "list": f"engagement:{kind}"}
    if selected is not None:
        rows = rows.filter(pk__in=selected)
        detail["selected"] = len(selected)
    export = XlsxExport()
    sheet = export.sheet(str(ENGAGEMENT_TITLES[kind]), header=header)
    for record in capped(rows, export_row_cap(user)).iterator(chunk_size=2000):
        sheet.append(row(record))
    log_access(user=user, action="export", request=request, rows=sheet.rows, detail=detail)
    return export


# --- 导出所选: the selected rows of a list with row selection, through that list's own export -----------

SELECTED_LISTS = ("customers", "tickets", "demands", "followups", "plans")


def selected_xlsx(*, user: Any, list_name: str, request: Any, params: Any, ids: list[int]) -> XlsxExport:
    """Only the selected rows of the list the user was on (its query string in `params`), through the
    same export as the list's 导出 Excel: the same rows, columns, export rights, cap, escaping and log."""
    if list_name == "customers":
        from kehu.customers.exports import customers_xlsx
        from kehu.customers.forms import filtered_customers

        form, customers = filtered_customers(user, params, action="export")
        return customers_xlsx(
            user=user,
            customers=customers,
            filters=form.describe() if form.is_bound and form.is_valid() else {},
            query=str(params.get("q", "")),
            selected=ids,
        )
    if list_name in ("tickets", "demands"):
        flat = {k: str(v) for k, v in params.items() if k != "after"}
        return case_list_xlsx(user=user, kind=list_name[:-1], request=request, params=flat, selected=ids)
    return engagement_list_xlsx(user=user, kind=list_name, request=request, params=params, selected=ids)
