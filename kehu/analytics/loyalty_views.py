"""The satisfaction and loyalty page (per grade or region) and its Excel export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kehu.access.audit import log_access
from kehu.core.exports import XlsxExport
from kehu.customers.choices import Grade

from . import loyalty, params, selectors


def _query(query: Mapping[str, Any]) -> tuple[str, dt.date, dt.date]:
    by = (query.get("by") or "grade").strip()
    if by not in loyalty.SEGMENTS:
        raise params.ParamError("by", _("可选值：%(choices)s") % {"choices": ", ".join(loyalty.SEGMENTS)})
    since, until = params.date_range(query, ("since", "until"))
    return by, since, until


def _header() -> list[str]:
    return [
        _("分组"),
        _("客户数"),
        _("重复购买客户"),
        _("重复购买率（%）"),
        _("合作三年以上"),
        _("会员"),
        _("答卷数"),
        _("平均满意度（1–5）"),
        _("平均推荐度（0–10）"),
        _("低分答卷"),
    ]


def _cells(row: dict[str, Any]) -> list[Any]:
    return [
        row["label"],
        row["customers"],
        row["repeat_buyers"],
        row["repeat_rate"],
        row["long_standing"],
        row["members"],
        row["responses"],
        row["satisfaction_avg"],
        row["nps_avg"],
        row["low"],
    ]


@login_required
def loyalty_page(request: HttpRequest) -> HttpResponse:
    try:
        by, since, until = _query(request.GET)
    except params.ParamError as error:
        context = {"error": error.message, "error_field": error.field, "rows": [], "header": _header()}
        return render(request, "analytics/loyalty.html", context, status=400)
    summary = selectors.cube_for(request.user, since, until)
    limited = selectors.scope_is_limited(request.user)
    rows = loyalty.segment_table(request.user, by=by, since=since, until=until, summary=summary)
    return render(
        request,
        "analytics/loyalty.html",
        {
            "by": by,
            "since": since,
            "until": until,
            "header": _header(),
            "rows": [_cells(r) for r in rows],
            "segments": [("grade", _("客户等级")), ("region", _("地区"))],
            "scope_limited": limited,
            "as_of": summary.refreshed_at if summary is not None else None,
            "live_note": summary is None and not limited,
        },
    )


@login_required
def loyalty_export(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        by, since, until = _query(request.GET)
    except params.ParamError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    summary = selectors.cube_for(request.user, since, until)
    rows = loyalty.segment_table(request.user, by=by, since=since, until=until, summary=summary)
    export = XlsxExport()
    sheet = export.sheet(_("满意度与忠诚度"), header=_header())
    for row in rows:
        sheet.append(_cells(row))
    log_access(
        user=request.user,
        action="export",
        request=request,
        object_type="loyalty_segments",
        rows=len(rows),
        detail={
            "by": by,
            "since": str(since),
            "until": str(until),
            "as_of": str(summary.refreshed_at) if summary is not None else None,
        },
    )
    return export.response(f"loyalty-{by}-{since}-{until}.xlsx")


# --- trend per survey wave ------------------------------------------------------------------------


def _wave_query(query: Mapping[str, Any]) -> tuple[dt.date, dt.date, str]:
    since, until = params.date_range(query, ("since", "until"))
    grade = (query.get("grade") or "").strip()
    if grade and grade not in Grade.values:
        raise params.ParamError("grade", _("可选值：%(choices)s") % {"choices": ", ".join(Grade.values)})
    return since, until, grade


def _wave_header() -> list[str]:
    return [
        _("调查批次"),
        _("首份答卷日期"),
        _("答卷数"),
        _("平均满意度（1–5）"),
        _("平均推荐度（0–10）"),
        _("净推荐值（NPS）"),
        _("推荐者"),
        _("贬损者"),
        _("低分答卷"),
    ]


def _wave_cells(row: dict[str, Any]) -> list[Any]:
    return [row["name"], row["first"], *(row[field] for field in loyalty.WAVE_FIELDS)]


@login_required
def wave_trend_page(request: HttpRequest) -> HttpResponse:
    try:
        since, until, grade = _wave_query(request.GET)
    except params.ParamError as error:
        context = {"error": error.message, "error_field": error.field, "rows": [], "header": _wave_header()}
        return render(request, "analytics/waves.html", context, status=400)
    waves = loyalty.wave_trend(request.user, since=since, until=until, grade=grade)
    return render(
        request,
        "analytics/waves.html",
        {
            "since": since,
            "until": until,
            "grade": grade,
            "grades": Grade.choices,
            "header": _wave_header(),
            "waves": waves,
            "rows": [_wave_cells(w) for w in waves],
            "scope_limited": selectors.scope_is_limited(request.user),
        },
    )


@login_required
def wave_trend_export(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        since, until, grade = _wave_query(request.GET)
    except params.ParamError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    waves = loyalty.wave_trend(request.user, since=since, until=until, grade=grade)
    export = XlsxExport()
    sheet = export.sheet(_("调查批次趋势"), header=_wave_header())
    for row in waves:
        sheet.append([row["name"], str(row["first"]), *(row[field] for field in loyalty.WAVE_FIELDS)])
    log_access(
        user=request.user,
        action="export",
        request=request,
        object_type="survey_wave_trend",
        rows=len(waves),
        detail={"since": str(since), "until": str(until), "grade": grade},
    )
    return export.response(f"survey-waves-{since}-{until}.xlsx")
