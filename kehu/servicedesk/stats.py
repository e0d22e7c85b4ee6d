"""客户投诉统计表: complaints by month, quarter or year, aggregated in the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap
from kehu.accounts.choices import Department
from kehu.core.exports import XlsxExport, capped

from .choices import ComplaintCategory, HandlingType
from .models import Complaint

TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
AMOUNTS = ("compensation_amount", "return_amount", "discount_amount", "other_amount", "loss_amount")


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def complaints_in(user: Any, *, start: dt.date, end: dt.date, action: str = "view") -> QuerySet[Complaint]:
    """Complaints received from `start` up to (not including) `end`, local dates."""
    return Complaint.objects.restrict(user, action).filter(received_at__gte=_aware(start), received_at__lt=_aware(end))


def _sums() -> dict[str, Any]:
    return {
        "count": Count("id"),
        "ours": Count("id", filter=Q(responsible=True)),
        "not_ours": Count("id", filter=Q(responsible=False)),
        "quantity": Sum("quantity"),
        **{name: Sum(name) for name in AMOUNTS},
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    for name in (*AMOUNTS, "quantity"):
        if name in row:
            row[name] = row[name] or (Decimal("0") if name != "quantity" else 0)
    return row


def _safe(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula stays text (exports escape formula cells)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def period_label(value: Any, period: str) -> str:
    day = value.date() if isinstance(value, dt.datetime) else value
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def complaint_stats(user: Any, *, period: str = "month", start: dt.date, end: dt.date) -> dict[str, Any]:
    if period not in TRUNC:
        raise ValueError(period)
    base = complaints_in(user, start=start, end=end)
    tz = timezone.get_current_timezone()
    rows = [
        _clean(dict(row)) | {"label": period_label(row["period"], period)}
        for row in base.annotate(period=TRUNC[period]("received_at", tzinfo=tz))
        .values("period")
        .annotate(**_sums())
        .order_by("period")
    ]
    total = _clean(dict(base.aggregate(**_sums())))

    def by(field: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        result = []
        for row in base.values(field).annotate(**_sums()).order_by("-count", field):
            row = _clean(dict(row))
            key = row[field]
            row["key"] = key
            row["label"] = labels.get(key, key) if key not in (None, "") else _("（未填）")
            result.append(row)
        return result

    responsibility = {True: _("我方责任"), False: _("非我方责任")}
    return {
        "period": period,
        "rows": rows,
        "total": total,
        "by_category": by("category", {k: str(v) for k, v in ComplaintCategory.choices}),
        "by_responsibility": by("responsible", responsibility),  # type: ignore[arg-type]
        "by_department": by("responsible_department", {k: str(v) for k, v in Department.choices}),
        "by_product": by("product", {}),
        "by_handling": by("handling_type", {k: str(v) for k, v in HandlingType.choices}),
    }


def stats_xlsx(*, user: Any, period: str, start: dt.date, end: dt.date) -> XlsxExport:
    stats = complaint_stats(user, period=period, start=start, end=end)
    export = XlsxExport()
    header = [_("期间"), _("投诉数"), _("我方责任"), _("非我方责任"), _("数量")]
    header += [_("赔偿"), _("退货"), _("折价"), _("其他"), _("损失金额")]
    sheet = export.sheet(_("汇总"))
    sheet.header([_("客户投诉统计表"), f"{start:%Y-%m-%d} — {end:%Y-%m-%d}"])
    sheet.header(header)
    for row in [*stats["rows"], {**stats["total"], "label": _("合计")}]:
        sheet.append(
            [row["label"], row["count"], row["ours"], row["not_ours"], row["quantity"]]
            + [float(row[name]) for name in AMOUNTS]
        )
    for key, title in (
        ("by_category", _("按投诉内容")),
        ("by_responsibility", _("按责任")),
        ("by_department", _("按部门")),
        ("by_product", _("按产品")),
        ("by_handling", _("按处理方式")),
    ):
        part = export.sheet(title, header=[title, _("投诉数"), _("数量"), _("损失金额")])
        for row in stats[key]:
            part.append([str(row["label"]), row["count"], row["quantity"], float(row["loss_amount"])])
    # 客户投诉（月、季、年）分析统计表: every column of the paper table, one line per complaint.
    detail = export.sheet(_("明细"), header=[label for _key, label in table_headers()])
    queryset = complaints_in(user, start=start, end=end, action="export").select_related("customer").order_by("id")
    for c in capped(queryset, export_row_cap(user)).iterator(chunk_size=2000):
        line = complaint_table_row(c, period)
        detail.append([line[key] if key not in AMOUNTS else float(line[key]) for key, _label in TABLE_COLUMNS])
    log_access(user=user, action="export", rows=detail.rows, detail={"report": "complaint_stats", "period": period})
    return export


# --- 客户投诉（月、季、年）分析统计表: one line per complaint, every column of the paper table ---------

TABLE_LIMIT = 500


def _responsibility(c: Complaint) -> str:
    return {True: str(_("我方")), False: str(_("非我方"))}.get(c.responsible, "")  # type: ignore[arg-type]


def complaint_table_row(c: Complaint, period: str) -> dict[str, Any]:
    """客户投诉内容 责任 处理方式(赔偿 退货 折价 其他) 损失金额 投诉姓名 品名 数量 单位 日期 编号."""
    return {
        "period": period_label(timezone.localtime(c.received_at), period),
        "date": timezone.localtime(c.received_at).date().isoformat(),
        "number": c.number,
        "customer": c.customer.name,
        "complainant": c.contact_name,
        "content": c.reason,
        "category": str(c.get_category_display()),
        "responsibility": _responsibility(c),
        "handling": str(c.get_handling_type_display()) if c.handling_type else "",
        "product": c.product,
        "quantity": c.quantity,
        "unit": c.unit,
        **{name: str(getattr(c, name)) for name in AMOUNTS},
    }


def complaint_table(
    user: Any, *, period: str, start: dt.date, end: dt.date, after: int = 0, limit: int = TABLE_LIMIT
) -> dict[str, Any]:
    """The lines of the 统计表 in date order, in keyset pages of `limit` (`next_after` for the next one)."""
    if period not in TRUNC:
        raise ValueError(period)
    queryset = complaints_in(user, start=start, end=end).select_related("customer").order_by("id")
    if after:
        queryset = queryset.filter(id__gt=after)
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "rows": [complaint_table_row(c, period) for c in rows],
        "next_after": rows[-1].pk if more and rows else None,
    }


TABLE_COLUMNS = [
    ("period", "期间"),
    ("date", "日期"),
    ("number", "编号"),
    ("customer", "客户"),
    ("complainant", "投诉姓名"),
    ("content", "客户投诉内容"),
    ("category", "投诉分类"),
    ("responsibility", "责任"),
    ("handling", "处理方式"),
    ("product", "品名"),
    ("quantity", "数量"),
    ("unit", "单位"),
    ("compensation_amount", "赔偿"),
    ("return_amount", "退货"),
    ("discount_amount", "折价"),
    ("other_amount", "其他"),
    ("loss_amount", "损失金额"),
]


def table_headers() -> list[tuple[str, str]]:
    return [(key, _(label)) for key, label in TABLE_COLUMNS]


# --- problem and demand statistics, by the same periods ----------------------------------------


def ticket_stats(user: Any, *, period: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """问题跟踪: reported per period, by urgency, closed, closed by the planned time (实际 ≤ 计划)."""
    from django.db.models import F

    from .choices import TicketState, Urgency
    from .models import Ticket

    if period not in TRUNC:
        raise ValueError(period)
    base = Ticket.objects.restrict(user, "view").filter(reported_at__gte=_aware(start), reported_at__lt=_aware(end))
    closed = Q(state__in=[TicketState.CLOSED, TicketState.REVIEWED])
    sums = {
        "count": Count("id"),
        **{f"urgency_{u}": Count("id", filter=Q(urgency=u)) for u in Urgency.values},
        "complex": Count("id", filter=Q(is_complex=True)),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count("id", filter=closed & Q(actual_completion__lte=F("planned_completion"))),
    }
    tz = timezone.get_current_timezone()
    rows = [
        dict(row) | {"label": period_label(row["period"], period)}
        for row in base.annotate(period=TRUNC[period]("reported_at", tzinfo=tz))
        .values("period")
        .annotate(**sums)
        .order_by("period")
    ]
    grouped: Any = base.values("department").annotate(**sums)
    by_department = [
        dict(row) | {"label": str(dict(Department.choices).get(row["department"], row["department"]))}
        for row in grouped.order_by("-count", "department")
    ]
    return {"period": period, "rows": rows, "total": base.aggregate(**sums), "by_department": by_department}


def demand_stats(user: Any, *, period: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """需求跟踪: raised per period, by type and progress, done, done by the planned date."""
    from django.db.models.functions import TruncDate

    from .choices import DemandState, DemandType
    from .models import Demand

    if period not in TRUNC:
        raise ValueError(period)
    base = Demand.objects.restrict(user, "view").filter(raised_at__gte=start, raised_at__lt=end)
    tz = timezone.get_current_timezone()
    sums = {
        "count": Count("id"),
        **{f"type_{t}": Count("id", filter=Q(type=t)) for t in DemandType.values},
        **{f"state_{s}": Count("id", filter=Q(state=s)) for s in DemandState.values},
        "done_on_time": Count(
            "id",
            filter=Q(state=DemandState.DONE, planned_completion__isnull=False)
            & Q(planned_completion__gte=TruncDate("done_at", tzinfo=tz)),
        ),
    }
    rows = [
        dict(row) | {"label": period_label(row["period"], period)}
        for row in base.annotate(period=TRUNC[period]("raised_at")).values("period").annotate(**sums).order_by("period")
    ]
    return {"period": period, "rows": rows, "total": base.aggregate(**sums)}


def sla_xlsx(
    *, user: Any, start: dt.date, end: dt.date, by_department: list[dict[str, Any]], by_person: list[dict[str, Any]]
) -> XlsxExport:
    """时限达成率 as Excel (issue 11): counts per department and per person, the rows the page shows
    (timers in the user's scope). No customer data in it, so no row cap applies; it is logged like every
    export, with its period."""
    export = XlsxExport()
    header = [_("到期时限"), _("按时"), _("超时"), _("达成率（%）")]
    for title, rows in ((_("按部门"), by_department), (_("按负责人"), by_person)):
        sheet = export.sheet(title, header=[_("部门") if rows is by_department else _("负责人"), *header])
        for row in rows:
            sheet.append([str(row["label"]), row["total"], row["met"], row["breached"], row["rate"]])
    detail = {"report": "sla", "start": start.isoformat(), "end": end.isoformat()}
    log_access(user=user, action="export", rows=export.rows, detail=detail)
    return export
