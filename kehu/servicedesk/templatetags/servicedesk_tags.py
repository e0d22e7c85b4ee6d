from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def remaining(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    elif mins:
        text = _("%(m)s分钟") % {"m": mins}
    else:
        text = _("不到1分钟")
    return text if delta.total_seconds() >= 0 else _("超时 %(t)s") % {"t": text}


@register.simple_tag
def due_badge(due: Any, warn: Any, label: Any = "") -> str:
    """Remaining time with a colour: green running, yellow warning, red breached."""
    if not due:
        return ""
    now = timezone.now()
    if now >= due:
        css = "bg-red-lt"
    elif warn and now >= warn:
        css = "bg-yellow-lt"
    else:
        css = "bg-green-lt"
    return format_html(
        '<span class="badge {}" title="{}" data-testid="timer">{} {}</span>',
        css,
        timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        label,
        remaining(due - now),
    )


@register.simple_tag
def timer_badge(timer: Any) -> str:
    status = timer.status()
    if timer.stopped_at:
        css, text = ("bg-green-lt", _("按时完成")) if status == "met" else ("bg-red-lt", _("超时完成"))
        return format_html('<span class="badge {}" data-testid="timer-{}">{}</span>', css, timer.kind, text)
    if timer.breached_at:
        return format_html(
            '<span class="badge bg-red-lt" data-testid="timer-{}">{}</span>',
            timer.kind,
            _("已超时并升级") + " · " + remaining(timer.due_at - timezone.now()),
        )
    return format_html('<span data-testid="timer-{}">{}</span>', timer.kind, due_badge(timer.due_at, timer.warn_at))
