"""The tabs of the 营销与会员 section and its nav entry: shown by the same rule as the pages."""

from __future__ import annotations

from typing import Any

from django import template

from kehu.loyalty.campaigns import is_marketing

register = template.Library()


@register.inclusion_tag("loyalty/partials/tabs.html", takes_context=True)
def marketing_tabs(context: Any, tab: str) -> dict[str, Any]:
    return {"tab": tab, "is_marketing": is_marketing(context["request"].user)}


@register.simple_tag(takes_context=True)
def may_use_marketing(context: Any) -> bool:
    request = context.get("request")
    return bool(request is not None and is_marketing(request.user))
