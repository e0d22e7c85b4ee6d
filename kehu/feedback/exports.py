"""The wave report as Excel (openpyxl; formula-leading cells escaped) and PDF (WeasyPrint, Noto CJK)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access.audit import log_access

from .report import Report

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
        if value.startswith(_FORMULA):
            return "'" + value
    return value


def report_xlsx(*, user: Any, report: Report) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = _("概览")
    rows: list[list[Any]] = [
        [_("调查"), report.wave.name],
        [_("邀请数"), report.invited],
        [_("答卷数"), report.responded],
        [_("回收率（%）"), report.response_rate],
        [_("NPS"), report.nps.score],
        [_("NPS 样本数"), report.nps.n],
        [_("NPS 95% 置信区间"), "–".join(str(v) for v in report.nps.ci95) if report.nps.ci95 else ""],
    ]
    if report.hidden:
        rows.append([_("匿名调查不足 5 份答卷时不显示汇总。"), ""])
    for row in rows:
        summary.append([safe(v) for v in row])
    questions = workbook.create_sheet(_("题目"))
    questions.append([_("题号"), _("题目"), _("维度"), _("样本数"), _("平均分")])
    for q in report.questions:
        questions.append([q.id, safe(q.text), safe(q.dimension), q.n, q.average])
    dimensions = workbook.create_sheet(_("维度"))
    dimensions.append([_("维度"), _("平均分"), _("评分数")])
    for name, average, n in report.dimensions:
        dimensions.append([safe(name), average, n])
    grades = workbook.create_sheet(_("分等级对比"))
    grades.append([_("等级"), _("答卷数"), _("平均分"), _("上期平均分"), _("变化"), _("NPS"), _("上期 NPS")])
    for g in report.by_grade:
        grades.append(
            [g["grade"], g["n"], g["rating"], g["rating_before"], g["rating_change"], g.get("nps"), g.get("nps_before")]
        )
    comments = workbook.create_sheet(_("意见"))
    comments.append([_("主题"), _("次数")])
    for word, n in report.themes:
        comments.append([safe(word), n])
    comments.append([])
    comments.append([_("客户"), _("题目"), _("意见")])
    for c in report.comments:
        comments.append([safe(c["customer"]), safe(c["question"]), safe(c["text"])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    log_access(
        user=user,
        action="export",
        rows=len(report.comments),
        object_type="survey_wave",
        object_id=report.wave.pk,
        detail={"format": "xlsx", "segment": report.segment},
    )
    return buffer.getvalue()


def report_pdf(*, user: Any, report: Report) -> bytes:
    from weasyprint import HTML

    html = render_to_string("feedback/pdf/report.html", {"r": report, "printed_at": timezone.localtime()})
    log_access(
        user=user,
        action="export",
        rows=len(report.comments),
        object_type="survey_wave",
        object_id=report.wave.pk,
        detail={"format": "pdf", "segment": report.segment},
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
