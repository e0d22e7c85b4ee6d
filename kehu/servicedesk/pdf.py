"""Printable forms as PDF (WeasyPrint, Noto CJK): they look like the paper forms of the policy."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

FORMS = {
    "record": "servicedesk/pdf/complaint_record.html",
    "sheet": "servicedesk/pdf/handling_sheet.html",
    "report": "servicedesk/pdf/ticket_report.html",
}


def render_pdf(form: str, record: Any, **context: Any) -> bytes:
    from weasyprint import HTML

    html = render_to_string(FORMS[form], {"r": record, "printed_at": timezone.localtime(), **context})
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
