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
    columns = [_("编号"), _("日期"), _("客户"), _("投诉内容"), _("责任"), _("品名"), _("数量"), _("处理方式")]
    detail = export.sheet(_("明细"), header=[*columns, _("赔偿"), _("退货"), _("折价"), _("其他"), _("损失金额")])
    queryset = complaints_in(user, start=start, end=end, action="export").select_related("customer").order_by("id")
    for c in capped(queryset, export_row_cap(user)).iterator(chunk_size=2000):
        detail.append(
            [c.number, timezone.localtime(c.received_at).date(), c.customer.name, c.get_category_display()]
            + [{True: _("我方"), False: _("非我方")}.get(c.responsible, ""), c.product, c.quantity]  # type: ignore[arg-type]
            + [c.get_handling_type_display()]
            + [float(getattr(c, name)) for name in AMOUNTS]
        )
    log_access(user=user, action="export", rows=detail.rows, detail={"report": "complaint_stats", "period": period})
    return export
