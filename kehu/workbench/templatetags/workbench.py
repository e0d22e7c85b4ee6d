"""`{% load workbench %}`: the header bell and formatting filters people read every day.

- `{{ amount|yuan }}`      ¥19,916,399.00 (money with ¥ and thousands separators)
- `{{ capital|wan }}`      1,991.64 万 (registered capital is read in 万元)
- `{{ hours|duration }}`   9 天 20 小时 (a delay in hours, or a timedelta)
- `{{ date|iso }}`         2026-12-08 (ISO dates everywhere; a datetime in local time to the minute)
- `{% clip text 40 %}`     the text cut to 40 characters with the whole in a title attribute
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kehu.access.selectors import request_unread_count

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def yuan(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def wan(value: Any) -> str:
    """An amount in 元 shown in 万元 (registered capital): 19916399 -> "1,991.64 万"."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return _("%(amount)s 万") % {"amount": f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")}


@register.filter
def duration(value: Any) -> str:
    """Hours (a number) or a timedelta, as days and hours: 235.9 -> "9 天 20 小时"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.timedelta):
        hours = value.total_seconds() / 3600
    else:
        number = _decimal(value)
        if number is None:
            return ""
        hours = float(number)
    sign = "-" if hours < 0 else ""
    total = round(abs(hours))
    days, rest = divmod(total, 24)
    if days and rest:
        text = _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": rest}
    elif days:
        text = _("%(days)d 天") % {"days": days}
    elif total:
        text = _("%(hours)d 小时") % {"hours": rest}
    else:
        text = _("不到 1 小时")
    return sign + text


@register.filter
def iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


@register.simple_tag
def clip(text: Any, length: int = 40) -> str:
    """Long text cut with an ellipsis; the whole text in the title (tables never widen to 2,000 px)."""
    text = "" if text is None else str(text)
    if len(text) <= length:
        return format_html("{}", text)
    return format_html('<span class="wb-clip" title="{}">{}…</span>', text, text[: max(1, length - 1)])


@register.simple_tag(takes_context=True)
def message_bell(context: dict[str, Any]) -> str:
    """The bell in the header: unread count (cached per user, see access.selectors), link to the centre."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count = request_unread_count(request)
    label = _("消息中心")
    badge = ""
    if count:
        badge = format_html(
            '<span class="badge bg-red text-red-fg wb-bell-badge" data-testid="bell-count">{}</span>',
            "99+" if count >= 100 else count,
        )
    return format_html(
        '<a class="btn btn-sm btn-ghost-secondary wb-bell" href="/workbench/messages/" title="{}" aria-label="{}"'
        ' data-testid="bell">'
        '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="0 0 24 24" fill="none"'
        ' stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">'
        '<path d="M10 5a2 2 0 1 1 4 0a7 7 0 0 1 4 6v3a4 4 0 0 0 2 3h-16a4 4 0 0 0 2 -3v-3a7 7 0 0 1 4 -6"/>'
        '<path d="M9 17v1a3 3 0 0 0 6 0v-1"/></svg>{}</a>',
        label,
        f"{label} ({count})" if count else label,
        badge,
    )


def _owner_select_forms() -> dict[str, Any]:
    from kehu.workbench.forms import AssignOwnerForm, ReassignForm, TransferOwnerForm

    return {"transfer": TransferOwnerForm, "assign": AssignOwnerForm, "reassign": ReassignForm}


@register.simple_tag
def owner_select(kind: str) -> str:
    """The label and grouped user <select> of a batch bar ("transfer", "assign" or "reassign").

    The same HTML for everyone until a user is saved (users_version), so it is rendered once per
    language instead of on every list page, where reading, grouping and rendering every user cost
    about 5 ms of a 40 ms customer list (issue 16)."""
    from django.core.cache import cache
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    from kehu.accounts.backends import users_version

    key = f"wb:owner-select:{kind}:{get_language()}:{users_version()}"
    html = cache.get(key)
    if html is None:
        field = _owner_select_forms()[kind]()["owner"]
        label = format_html('<label class="visually-hidden" for="{}">{}</label>', field.id_for_label, field.label)
        html = str(label) + str(field.as_widget())
        cache.set(key, html, 600)
    return mark_safe(html)  # noqa: S308 (built by format_html and the form's widget above)
