"""Printable forms as PDF (WeasyPrint, Noto CJK): they look like the paper forms of the policy."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

FORMS = {
    "record": "servicedesk/pdf/complaint_record.html",
    "sheet": "servicedesk/pdf/handling_sheet.html",
    "report": "servicedesk/pdf/ticket_report.html",
    # SOP 方案制定与确认 "确认客户认可后，签署《问题处理方案确认书》"
    "plan": "servicedesk/pdf/ticket_plan_confirmation.html",
    # SOP 问题分析与定位 "复杂问题需成立专项小组，24小时内形成《问题分析报告》"
    "analysis": "servicedesk/pdf/ticket_analysis.html",
}


def render_pdf(form: str, record: Any, **context: Any) -> bytes:
    from weasyprint import HTML

    html = render_to_string(FORMS[form], {"r": record, "printed_at": timezone.localtime(), **context})
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
