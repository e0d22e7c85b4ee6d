from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.audit import log_access
from kehu.core.exports import XlsxExport

from . import selectors


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """The last 12 months unless the user picked dates; a bad date falls back rather than failing."""
    today = timezone.localdate()
    default_since = today.replace(year=today.year - 1) + dt.timedelta(days=1)

    def parse(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    return parse("since", default_since), parse("until", today)


def _composition(request: HttpRequest) -> dict[str, Any]:
    since, until = _period(request)
    return {
        "since": since,
        "until": until,
        "by_grade": selectors.sales_by_grade(request.user, since=since, until=until),
        "by_region": selectors.sales_by_region(request.user, since=since, until=until),
        "by_product": selectors.sales_by_product(request.user, since=since, until=until),
        "top": selectors.top_customers(request.user, since=since, until=until),
    }


@login_required
def composition(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/composition.html", _composition(request))


@login_required
def composition_export(request: HttpRequest) -> FileResponse:
    data = _composition(request)
    export = XlsxExport()
    for title, rows in (
        (_("按等级"), data["by_grade"]),
        (_("按地区"), data["by_region"]),
        (_("按产品"), data["by_product"]),
    ):
        sheet = export.sheet(title, header=[_("分组"), _("销售额（元）"), _("客户数"), _("占比")])
        for share in rows:
            sheet.append([share.label, float(share.amount), share.customers, round(share.share, 4)])
    sheet = export.sheet(_("重点客户"), header=[_("客户名称"), _("等级"), _("地区"), _("销售额（元）"), _("交易次数")])
    for row in data["top"]:
        sheet.append(
            [row["customer__name"], row["customer__grade"], row["customer__region"], float(row["amount"]), row["deals"]]
        )
    log_access(
        user=request.user,
        action="export",
        request=request,
        object_type="composition",
        rows=len(data["top"]),
        detail={"since": str(data["since"]), "until": str(data["until"])},
    )
    return export.response(f"composition-{data['since']}-{data['until']}.xlsx")
