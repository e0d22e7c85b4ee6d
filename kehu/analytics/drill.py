"""Drill-down pages (SPEC M11 "each figure drills down to its records"): the plans, visits and
complaints behind a KPI figure, and the cases behind a service count — the very querysets the
figures count (kpis.figure_records, service.case_records), so a list always matches its number.

At most DRILL_LIMIT rows are shown: a person's month or a month's category is small, and the page
says when it was cut rather than counting the rest exactly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import kpis, params, selectors, service

DRILL_LIMIT = 500


def _local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "—"


def _day(value: Any) -> str:
    return str(value) if value else "—"


def _figure_labels() -> dict[str, str]:
    return {
        "plans_due": _("应联络"),
        "plans_on_time": _("按时联络"),
        "followups_due": _("应回访次数"),
        "followups_on_time": _("按时回访"),
        "complaints_closed": _("结案投诉"),
        "complaints_on_time": _("按时处理投诉"),
        "satisfaction_avg": _("平均满意度"),
    }


def _kpi_table(kind: str, records: list[Any]) -> tuple[list[str], list[dict[str, Any]]]:
    if kind == "plan":
        header = [_("客户"), _("计划日期"), _("期限"), _("完成日期")]
        return header, [
            {"customer": r.customer, "cells": [_day(r.due_on), _day(r.deadline), _day(r.done_on)]} for r in records
        ]
    if kind == "followup":
        header = [_("客户"), _("计划日期"), _("期限"), _("完成时间"), _("满意度")]
        return header, [
            {
                "customer": r.customer,
                "cells": [_day(r.due_on), _day(getattr(r, "deadline", None)), _local(r.done_at), r.satisfaction or "—"],
            }
            for r in records
        ]
    header = [_("客户"), _("受理编号"), _("处理期限"), _("处理日期")]
    return header, [
        {"customer": r.customer, "cells": [r.number, _day(r.deadline), _day(r.handled_day)]} for r in records
    ]


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "analytics/records.html", context, status=status)


@login_required
def kpi_records(request: HttpRequest) -> HttpResponse:
    """?period=YYYY-MM&user=<id>&figure=<one of kpis.DRILLS>: the records one KPI figure counts."""
    try:
        start, end = params.period(request.GET)
        user_id = params.optional_int(request.GET, "user")
        figure = request.GET.get("figure", "")
        if figure not in kpis.DRILLS:
            raise params.ParamError("figure", _("可选值：%(choices)s") % {"choices": ", ".join(kpis.DRILLS)})
    except params.ParamError as error:
        return _render(request, {"error": error.message, "rows": []}, status=400)
    try:
        persons = kpis.people(request.user, user_id if user_id is not None else request.user.pk)
    except kpis.NotAllowed:
        return _render(request, {"error": _("您无权查看此人的绩效。"), "rows": []}, status=403)
    if not persons:
        return _render(request, {"error": _("没有此人。"), "rows": []}, status=404)
    person = persons[0]
    kind, queryset = kpis.figure_records(request.user, figure=figure, start=start, end=end, person=person)
    records = list(queryset[: DRILL_LIMIT + 1])
    header, rows = _kpi_table(kind, records[:DRILL_LIMIT])
    name = f"{person.last_name}{person.first_name}" or person.username
    return _render(
        request,
        {
            "title": f"{name} · {start:%Y-%m} · {_figure_labels()[figure]}",
            "back": f"?period={start:%Y-%m}",
            "back_name": "analytics:kpis",
            "header": header,
            "rows": rows,
            "cut": len(records) > DRILL_LIMIT,
            "limit": DRILL_LIMIT,
            "scope_limited": selectors.scope_is_limited(request.user),
            "tab": "kpis",
        },
    )


def _kind_labels() -> dict[str, str]:
    return {"complaints": _("投诉"), "tickets": _("问题"), "demands": _("需求"), "consultations": _("咨询")}


def _case_date(kind: str, case: Any) -> str:
    if kind == "demands":
        return _day(case.raised_at)
    return _local(case.reported_at if kind == "tickets" else case.received_at)


@login_required
def service_records(request: HttpRequest) -> HttpResponse:
    """?period=YYYY-MM&kind=complaints|tickets|demands|consultations&group=<field>&key=<value>:
    the cases behind one count of the service page (no key: all of the kind)."""
    try:
        start, end = params.period(request.GET)
        kind = request.GET.get("kind", "")
        group = request.GET.get("group", "") or (service.GROUPS.get(kind) or ("",))[0]
        if kind not in service.GROUPS or group not in service.GROUPS[kind]:
            raise params.ParamError("kind", _("分类参数无效。"))
    except params.ParamError as error:
        return _render(request, {"error": error.message, "rows": []}, status=400)
    key = request.GET.get("key")
    queryset = service.case_records(request.user, kind=kind, group=group, key=key, start=start, end=end)
    records = list(queryset[: DRILL_LIMIT + 1])
    rows = [
        {
            "customer": case.customer,
            "cells": [case.number, _case_date(kind, case), case.get_state_display(), str(getattr(case, group) or "—")],
        }
        for case in records[:DRILL_LIMIT]
    ]
    return _render(
        request,
        {
            "title": f"{start:%Y-%m} · {_kind_labels()[kind]}",
            "back": f"?period={start:%Y-%m}",
            "back_name": "analytics:service",
            "header": [_("客户"), _("编号"), _("日期"), _("状态"), _("分组")],
            "rows": rows,
            "cut": len(records) > DRILL_LIMIT,
            "limit": DRILL_LIMIT,
            "scope_limited": selectors.scope_is_limited(request.user),
            "tab": "service",
        },
    )


def _outcome_labels() -> dict[str, str]:
    return {"all": _("全部"), "met": _("按时"), "breached": _("超时"), "at_risk": _("预警中"), "running": _("进行中")}


def _status_labels() -> dict[str, str]:
    return {
        "met": _("按时"),
        "late": _("超时完成"),
        "breached": _("已超时"),
        "warning": _("预警中"),
        "running": _("进行中"),
    }


@login_required
def timer_records(request: HttpRequest) -> HttpResponse:
    """?period=YYYY-MM&kind=<timer kind or empty>&outcome=all|met|breached|at_risk|running: the SLA
    timers behind one count of the service page's timer table, each with its case and deadline."""
    from kehu.servicedesk.choices import TimerKind

    try:
        start, end = params.period(request.GET)
        kind = request.GET.get("kind", "") or None
        outcome = request.GET.get("outcome", "") or "all"
        if kind is not None and kind not in TimerKind.values:
            raise params.ParamError("kind", _("可选值：%(choices)s") % {"choices": ", ".join(TimerKind.values)})
        if outcome not in service.TIMER_OUTCOMES:
            raise params.ParamError(
                "outcome", _("可选值：%(choices)s") % {"choices": ", ".join(service.TIMER_OUTCOMES)}
            )
    except params.ParamError as error:
        return _render(request, {"error": error.message, "rows": []}, status=400)
    now = timezone.now()
    queryset = service.timer_records(request.user, kind=kind, outcome=outcome, start=start, end=end, now=now)
    records = list(queryset[: DRILL_LIMIT + 1])
    kinds, statuses = dict(TimerKind.choices), _status_labels()
    rows = []
    for timer in records[:DRILL_LIMIT]:
        case = next(getattr(timer, path) for path in service.CASE_PATHS if getattr(timer, f"{path}_id"))
        rows.append(
            {
                "customer": case.customer,
                "cells": [
                    case.number,
                    str(kinds.get(timer.kind, timer.kind)),
                    _local(timer.started_at),
                    _local(timer.due_at),
                    _local(timer.stopped_at),
                    statuses.get(timer.status(now), ""),
                ],
            }
        )
    kind_label = str(kinds[kind]) if kind else _("全部时限")
    title = f"{start:%Y-%m} · {kind_label} · {_outcome_labels()[outcome]}"
    return _render(
        request,
        {
            "title": title,
            "back": f"?period={start:%Y-%m}",
            "back_name": "analytics:service",
            "header": [_("客户"), _("编号"), _("时限"), _("开始"), _("到期"), _("完成于"), _("状态")],
            "rows": rows,
            "cut": len(records) > DRILL_LIMIT,
            "limit": DRILL_LIMIT,
            "scope_limited": selectors.scope_is_limited(request.user),
            "tab": "service",
        },
    )
