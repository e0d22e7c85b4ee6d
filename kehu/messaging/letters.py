"""Printed letters and gift lists: PDF (WeasyPrint with the Noto CJK font) and Excel (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .channels import Outgoing

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is written as text (prefixed ')."""
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch >= " " or ch in "\n")
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {"printed_at": timezone.localtime(), **context})
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def letter_pdf_save(message: Outgoing) -> str:
    """Render one letter and keep it in the document storage; returns the stored name."""
    pdf = render_pdf(
        "messaging/pdf/letter.html",
        {"to": message.to, "subject": message.subject, "body": message.body, "extra": message.extra},
    )
    name = default_storage.save(
        f"letters/{timezone.localdate():%Y%m}/delivery-{message.delivery_id}.pdf", ContentFile(pdf)
    )
    return name


@dataclass
class GiftRow:
    customer: str
    contact: str
    occasion: str
    on: dt.date
    gift: str
    budget: Decimal | None
    address: str
    status: str


def gift_columns() -> list[str]:
    return [_("客户"), _("联系人"), _("场合"), _("日期"), _("礼品"), _("预算（元）"), _("地址"), _("状态")]


def gift_list_xlsx(rows: Iterable[GiftRow]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("礼品清单"))
    sheet.append(gift_columns())
    for row in rows:
        sheet.append(
            [
                safe_cell(row.customer),
                safe_cell(row.contact),
                safe_cell(row.occasion),
                row.on,
                safe_cell(row.gift),
                float(row.budget) if row.budget is not None else None,
                safe_cell(row.address),
                safe_cell(row.status),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def gift_list_pdf(rows: Iterable[GiftRow], *, title: str = "") -> bytes:
    return render_pdf(
        "messaging/pdf/gift_list.html",
        {"rows": list(rows), "columns": gift_columns(), "title": title or _("礼品清单")},
    )
