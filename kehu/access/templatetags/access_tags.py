"""`{% load access_tags %}{% access_unread_badge %}`: the unread-notification count for the nav link."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from ..selectors import request_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def access_unread_badge(context: dict[str, Any]) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count = request_unread_count(request)
    if not count:
        return ""
    return format_html(
        '<span class="badge bg-red text-red-fg ms-1" data-testid="nav-unread">{}</span>',
        "99+" if count >= 100 else count,
    )
