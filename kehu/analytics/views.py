"""Pages of the analysis module: composition, churn risk, staff KPIs, service statistics.

Thin: parameters from params.py, figures from the selectors, every table exportable to Excel
(XlsxExport, logged with log_access). Bad parameters answer 400 with the message on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.core.exports import XlsxExport

from . import churn, kpis, params, selectors, service, services
from .models import ChurnAction


def _bad(request: HttpRequest, template: str, error: params.ParamError, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**context, "error": error.message, "error_field": error.field}, status=400)


# --- composition ------------------------------------------------------------------------------------


def _composition(request: HttpRequest) -> dict[str, Any]:
    query = request.GET
    since, until = params.date_range(query, ("since", "until"))
    by = params.dimension(query)
    user = request.user
    # The range is one of the worker's periods: the figures come from its summary, the rows the
    # viewer's rules select (one lookup for the whole page); any other range, live.
    summary = selectors.cube_for(user, since, until)
    limited = selectors.scope_is_limited(user)
    comp = selectors.composition(user, by=by, since=since, until=until, summary=summary)
    pareto = selectors.pareto(user, since=since, until=until, summary=summary)
    months = selectors.snapshot_months(user)
    migration = None
    if len(months) >= 2:
        end = params.date_value(query, "to_month", months[0]) if query.get("to_month") else months[0]
        start = params.date_value(query, "from_month", months[1]) if query.get("from_month") else months[1]
        migration = selectors.grade_migration(user, start=start, end=end)
    return {
        "since": since,
        "until": until,
        "by": by,
        "dimensions": list(_dimension_labels().items()),
        "comp": comp,
        "pareto": pareto,
        "migration": migration,
        "months": months,
        "cards": selectors.focus_cards(user, comp=comp, pareto_data=pareto, migration=migration),
        "top": selectors.top_customers(user, since=since, until=until, summary=summary),
        "scope_limited": limited,
        "as_of": comp["as_of"],
        # a range the worker does not precompute: computed now, and said so
        "live_note": summary is None and not limited,
    }


def _dimension_labels() -> dict[str, str]:
    return {
        "grade": _("客户等级"),
        "product": _("产品"),
        "region": _("地区"),
        "industry": _("行业地位"),
        "owner": _("负责人"),
    }


@login_required
def composition(request: HttpRequest) -> HttpResponse:
    try:
        context = _composition(request)
    except params.ParamError as error:
        today = timezone.localdate()
        return _bad(request, "analytics/composition.html", error, {"since": today, "until": today, "comp": None})
    return render(request, "analytics/composition.html", context)


@login_required
def composition_export(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        since, until = params.date_range(request.GET, ("since", "until"))
    except params.ParamError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    user = request.user
    summary = selectors.cube_for(user, since, until)
    export = XlsxExport()
    header = [_("分组"), _("销售额（元）"), _("金额占比"), _("数量"), _("数量占比"), _("客户数")]
    rows = 0
    for by, title in _dimension_labels().items():
        sheet = export.sheet(_("按%(dimension)s") % {"dimension": title}, header=header)
        for share in selectors.composition(user, by=by, since=since, until=until, summary=summary)["rows"]:
            sheet.append(
                [
                    share.label,
                    float(share.amount),
                    round(share.share, 4),
                    share.quantity,
                    round(share.quantity_share, 4),
                    share.customers,
                ]
            )
            rows += 1
    pareto = selectors.pareto(user, since=since, until=until, summary=summary)
    sheet = export.sheet(_("二八分析"), header=[_("客户数"), _("前 20% 客户数"), _("前 20% 销售额"), _("占比")])
    sheet.append([pareto["customers"], pareto["top_customers"], float(pareto["top_amount"]), pareto["top_share"]])
    sheet = export.sheet(
        _("重点客户"), header=[_("客户名称"), _("等级"), _("地区"), _("销售额（元）"), _("数量"), _("交易次数")]
    )
    top = selectors.top_customers(user, since=since, until=until, summary=summary)
    for row in top:
        sheet.append(
            [
                row["customer__name"],
                row["customer__grade"],
                row["customer__region"],
                float(row["amount"]),
                row["quantity"],
                row["deals"],
            ]
        )
    log_access(
        user=user,
        action="export",
        request=request,
        object_type="composition",
        rows=rows + len(top),
        detail={"since": str(since), "until": str(until), "as_of": str(summary.refreshed_at) if summary else None},
    )
    return export.response(f"composition-{since}-{until}.xlsx")


# --- churn risk -------------------------------------------------------------------------------------


def _after(request: HttpRequest) -> tuple[int, int] | None:
    raw = (request.GET.get("after") or "").strip()
    if not raw:
        return None
    try:
        score, customer_id = (int(part) for part in raw.split(":", 1))
    except ValueError as exc:
        raise params.ParamError("after", _("格式应为 分数:客户编号。")) from exc
    return score, customer_id


@login_required
def churn_page(request: HttpRequest) -> HttpResponse:
    try:
        min_score = params.optional_int(request.GET, "min_score")
        after = _after(request)
    except params.ParamError as error:
        return _bad(request, "analytics/churn.html", error, {"page": {"items": [], "next": None}})
    min_score = churn.AT_RISK if min_score is None else min_score
    page = selectors.churn_list(request.user, min_score=min_score, after=after)
    return render(
        request,
        "analytics/churn.html",
        {
            "page": page,
            "min_score": min_score,
            "run": selectors.latest_churn_run(),
            # everyone reads which scorer is in use and why; the company-wide figures are managers'
            "backtest": selectors.backtest_view(selectors.latest_backtest()),
            "backtest_figures": services.may_run_churn(request.user),
            "weights": [(str(churn.RULE_LABELS.get(code, code)), points) for code, points in churn.weights().items()],
            "may_run": services.may_run_churn(request.user),
            "scope_limited": selectors.scope_is_limited(request.user),
            "statuses": ChurnAction.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def churn_run_now(request: HttpRequest) -> HttpResponse:
    try:
        services.churn_run_start(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("analytics:churn")
    messages.success(request, _("已开始重新计算，稍后刷新查看。"))
    return redirect("analytics:churn")


@login_required
@require_POST
def churn_backtest_now(request: HttpRequest) -> HttpResponse:
    try:
        services.backtest_start(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("analytics:churn")
    messages.success(request, _("已开始回测流失模型，稍后刷新查看。"))
    return redirect("analytics:churn")


@login_required
@require_POST
def churn_action_create(request: HttpRequest) -> HttpResponse:
    try:
        due = request.POST.get("due_on") or ""
        due_on = params.date_value({"due_on": due}, "due_on", timezone.localdate()) if due else None
        services.churn_action_create(
            actor=request.user,
            customer_id=int(request.POST.get("customer") or 0),
            description=request.POST.get("description", ""),
            owner_id=None,
            due_on=due_on,
        )
    except params.ParamError as error:
        messages.error(request, error.message)
    except ValueError:
        messages.error(request, _("客户不存在或您无权查看。"))
    except DomainError as error:
        details = [message for field in error.field_errors.values() for message in field]
        messages.error(request, " ".join([error.message, *details]))
    else:
        messages.success(request, _("已记录挽留行动。"))
    return redirect("analytics:churn")


@login_required
@require_POST
def churn_action_update(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.churn_action_update(
            actor=request.user, action_id=pk, status=request.POST.get("status", ""), note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已更新。"))
    return redirect("analytics:churn")


@login_required
def churn_export(request: HttpRequest) -> FileResponse:
    """Every customer at risk the user may export (not only view), in score order."""
    from .models import ChurnRisk

    export = XlsxExport()
    sheet = export.sheet(
        _("流失风险"), header=[_("客户名称"), _("等级"), _("负责人"), _("风险分"), _("原因"), _("建议行动")]
    )
    queryset = (
        ChurnRisk.objects.restrict(request.user, "export")
        .filter(score__gte=churn.AT_RISK)
        .select_related("customer", "customer__owner")
        .order_by("-score", "customer_id")
    )
    rows = 0
    for risk in queryset.iterator(chunk_size=2000):
        owner = risk.customer.owner
        sheet.append(
            [
                risk.customer.name,
                risk.customer.grade,
                f"{owner.last_name}{owner.first_name}" or owner.username,
                risk.score,
                "；".join(churn.reason_text(r) for r in risk.reasons),
                churn.action_text(risk.action),
            ]
        )
        rows += 1
    log_access(user=request.user, action="export", request=request, object_type="churn_risk", rows=rows)
    return export.response(f"churn-risk-{timezone.localdate()}.xlsx")


# --- staff KPIs -------------------------------------------------------------------------------------


def _kpi_rows(request: HttpRequest) -> tuple[dt.date, dt.date, list[dict[str, Any]]]:
    start, end = params.period(request.GET)
    user_id = params.optional_int(request.GET, "user")
    try:
        persons = kpis.people(request.user, user_id)
    except kpis.NotAllowed as exc:
        raise params.ParamError("user", _("您无权查看此人的绩效。")) from exc
    rows = kpis.kpis(request.user, start=start, end=end, persons=persons)
    for row in rows:
        row["plans_rate"] = _rate(row["plans_on_time"], row["plans_due"])
        row["followups_rate"] = _rate(row["followups_on_time"], row["followups_due"])
        row["complaints_rate"] = _rate(row["complaints_on_time"], row["complaints_closed"])
        user = row["user"]
        row["name"] = f"{user.last_name}{user.first_name}" or user.username
    return start, end, rows


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@login_required
def kpi_page(request: HttpRequest) -> HttpResponse:
    try:
        start, _end, rows = _kpi_rows(request)
    except params.ParamError as error:
        status = 403 if error.field == "user" else 400
        response = render(request, "analytics/kpis.html", {"rows": [], "error": error.message}, status=status)
        return response
    return render(
        request,
        "analytics/kpis.html",
        {"rows": rows, "period": f"{start:%Y-%m}", "scope_limited": selectors.scope_is_limited(request.user)},
    )


@login_required
def kpi_export(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        start, _end, rows = _kpi_rows(request)
    except params.ParamError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    export = XlsxExport()
    sheet = export.sheet(
        _("员工绩效"),
        header=[
            _("姓名"),
            _("应联络"),
            _("按时联络"),
            _("应回访次数"),
            _("按时回访"),
            _("结案投诉"),
            _("按时处理投诉"),
            _("平均满意度"),
        ],
    )
    for row in rows:
        sheet.append([row["name"], *(row[field] for field in kpis.FIELDS)])
    log_access(user=request.user, action="export", request=request, object_type="kpis", rows=len(rows))
    return export.response(f"kpis-{start:%Y-%m}.xlsx")


# --- service statistics -----------------------------------------------------------------------------


@login_required
def service_page(request: HttpRequest) -> HttpResponse:
    try:
        start, end = params.period(request.GET)
    except params.ParamError as error:
        return _bad(request, "analytics/service.html", error, {"stats": None})
    stats = service.service_stats(request.user, start=start, end=end)
    for row in stats["timers"]:  # each count links to the timers it counts (drill.timer_records)
        row["cells"] = [(outcome, row["count" if outcome == "all" else outcome]) for outcome in service.TIMER_OUTCOMES]
    return render(
        request,
        "analytics/service.html",
        {
            "stats": stats,
            "period": f"{start:%Y-%m}",
            "scope_limited": selectors.scope_is_limited(request.user),
        },
    )


@login_required
def service_export(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        start, end = params.period(request.GET)
    except params.ParamError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    stats = service.service_stats(request.user, start=start, end=end)
    export = XlsxExport()
    rows = 0
    for title, part in (
        (_("投诉（按分类）"), stats["complaints"]["by_category"]),
        (_("问题（按紧急程度）"), stats["tickets"]["by_urgency"]),
        (_("需求（按类型）"), stats["demands"]["by_type"]),
        (_("咨询（按类型）"), stats["consultations"]["by_type"]),
    ):
        sheet = export.sheet(title, header=[_("分组"), _("数量"), _("已结")])
        for row in part:
            sheet.append([row["label"], row["count"], row.get("closed", 0)])
            rows += 1
    sheet = export.sheet(_("时限达成"), header=[_("时限"), _("总数"), _("按时"), _("超时"), _("进行中"), _("达成率")])
    for row in stats["timers"]:
        sheet.append([row["label"], row["count"], row["met"], row["breached"], row["running"], row["met_rate"]])
        rows += 1
    log_access(user=request.user, action="export", request=request, object_type="service_stats", rows=rows)
    return export.response(f"service-{start:%Y-%m}.xlsx")
