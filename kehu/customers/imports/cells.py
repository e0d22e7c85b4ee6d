"""One cell as people type it -> a clean value, or a ValueError whose message names what is wrong.

Everything goes through NFKC first, so full-width digits and letters (０１２, ＡＢＣ) read as ASCII.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from ..services import phone_digits

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"))
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIALS = range(1, 2958466)  # 1900-01-01 .. 9999-12-31 as Excel counts days
_MONEY_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1_000)}
MAX_MONEY = Decimal("99999999999999")  # 14 digits: what the archive's amount columns hold


def clean_text(value: Any) -> str:
    """Full-width to half-width, invisible characters and doubled spaces away."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return " ".join(text.split())


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(_("日期“%(value)s”不存在。") % {"value": text}) from exc
    if not 1900 <= value.year <= 2100:
        raise ValueError(_("日期“%(value)s”的年份不合理。") % {"value": text})
    return value


def parse_date(value: Any) -> dt.date:
    """2026-3-1, 2026/03/01, 2026.3.1, 2026年3月1日, 20260301, 3-1-2026 (month first unless the
    first number cannot be a month: 13-1-2026 is 13 January), an Excel date or a date serial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(_("无法识别的日期“%(value)s”。") % {"value": value})
    if isinstance(value, int | float) and int(value) in _SERIALS:
        return _date_from_serial(int(value))
    text = clean_text(value)
    if match := _YMD.match(text):
        return _date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _COMPACT.match(text):
        return _date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _DMY.match(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        month, day = (second, first) if first > 12 else (first, second)
        return _date(year, month, day, text)
    if text.isdigit() and 5 <= len(text) <= 6 and int(text) in _SERIALS:  # a serial that became text
        return _date_from_serial(int(text))
    raise ValueError(_("无法识别的日期“%(value)s”，请写成 2026-3-1、2026/03/01 或 2026年3月1日。") % {"value": text})


def _date_from_serial(serial: int) -> dt.date:
    value = _EXCEL_EPOCH + dt.timedelta(days=serial)
    if not 1900 <= value.year <= 2100:
        raise ValueError(_("日期“%(value)s”的年份不合理。") % {"value": serial})
    return value


def parse_past_date(value: Any) -> dt.date:
    day = parse_date(value)
    if day > timezone.localdate():
        raise ValueError(_("日期“%(value)s”在今天之后。") % {"value": clean_text(value)})
    return day


def parse_phone(value: Any) -> str:
    text = clean_text(value)
    digits = phone_digits(text)
    if not 7 <= len(digits) <= 15:
        raise ValueError(_("电话号码“%(value)s”位数不对。") % {"value": text})
    return text


def parse_email(value: Any) -> str:
    text = clean_text(value).lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise ValueError(_("邮箱“%(value)s”格式不正确。") % {"value": text}) from exc
    return text


def parse_contact_info(value: Any) -> dict[str, str]:
    """联系方式 (SOP 表1): one or more of mobile, landline and e-mail, split on / 、 ; , or spaces."""
    text = clean_text(value)
    found: dict[str, str] = {}
    for part in re.split(r"[/、;；,，]|\s{1,}(?=[\w.+-]+@)", text):
        part = part.strip()
        if not part:
            continue
        if "@" in part:
            found.setdefault("contact_email", parse_email(part))
            continue
        phone = parse_phone(part)
        digits = phone_digits(phone)
        key = "contact_mobile" if len(digits) == 11 and digits.startswith("1") else "contact_direct_line"
        found.setdefault(key, phone)
    if not found:
        raise ValueError(_("联系方式“%(value)s”既不是电话也不是邮箱。") % {"value": text})
    return found


def _key(text: str) -> str:
    return "".join(clean_text(text).lower().split())


def choice_parser(choices: type[TextChoices], *, strip: tuple[str, ...] = (), field_label: Any = "") -> Any:
    """A parser accepting a choice's code or its Chinese label, with or without a common suffix
    (核心客户 / 核心), case and width insensitive; anything else names the allowed values."""
    lookup: dict[str, str] = {}
    for code, label in choices.choices:
        for name in (str(code), str(label)):
            key = _key(name)
            lookup[key] = str(code)
            for suffix in strip:
                if key.endswith(suffix) and len(key) > len(suffix):
                    lookup[key.removesuffix(suffix)] = str(code)

    def parse(value: Any) -> str:
        key = _key(value)
        for suffix in strip:
            if key.endswith(suffix) and key.removesuffix(suffix) in lookup:
                key = key.removesuffix(suffix)
        if key in lookup:
            return lookup[key]
        allowed = "、".join(str(label) for _code, label in choices.choices)
        raise ValueError(
            _("“%(value)s”不是有效的%(field)s，可选：%(allowed)s。")
            % {"value": clean_text(value), "field": field_label, "allowed": allowed}
        )

    return parse


def parse_count(value: Any) -> int:
    """Staff counts: 1200, 1,200, 1200人."""
    text = clean_text(value).replace(",", "").removesuffix("人").strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s”不是人数。") % {"value": clean_text(value)}) from exc
    if number < 0 or number != number.to_integral_value() or number > 10_000_000:
        raise ValueError(_("人数“%(value)s”不合理。") % {"value": clean_text(value)})
    return int(number)


def parse_money(value: Any, *, unit: Decimal = Decimal(1)) -> Decimal:
    """Amounts in yuan: 5000000, 5,000,000.00, ¥500万, 500万元, 1.2亿; `unit` from the header (万元)."""
    text = clean_text(value).replace(",", "").replace("¥", "").replace("￥", "").removeprefix("RMB").strip()
    text = text.removesuffix("元").strip()
    if text and text[-1] in _MONEY_UNITS:
        unit, text = _MONEY_UNITS[text[-1]], text[:-1]
    try:
        amount = (Decimal(text) * unit).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s”不是金额。") % {"value": clean_text(value)}) from exc
    if amount < 0 or amount > MAX_MONEY:
        raise ValueError(_("金额“%(value)s”不合理（应为 0 至一百万亿元）。") % {"value": clean_text(value)})
    return amount


def parse_percent(value: Any) -> int:
    """成交可能性: 60, 60%, or 0.6 (a cell Excel formats as a percentage)."""
    if isinstance(value, float) and 0 <= value <= 1 and not value.is_integer():
        return round(value * 100)
    text = clean_text(value).removesuffix("%").strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s”不是百分比。") % {"value": clean_text(value)}) from exc
    if not 0 <= number <= 100:
        raise ValueError(_("成交可能性“%(value)s”应在 0 到 100 之间。") % {"value": clean_text(value)})
    return round(number)
