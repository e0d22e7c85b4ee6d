"""Public pages that work without an account: the unsubscribe link of every marketing message."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .choices import Topic


@csrf_exempt  # the token is the credential; mail clients POST RFC 8058 one-click without a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be stopped and one button; POST (the button, or a mail client's
    List-Unsubscribe-Post) records the opt-out and confirms. Nothing changes on GET, so a link
    scanner that follows every link cannot unsubscribe anybody."""
    delivery = services.delivery_from_token(token)
    if delivery is None:
        return render(request, "messaging/unsubscribe_invalid.html", status=404)
    topic_label = dict(Topic.choices).get(delivery.topic, delivery.topic)
    if request.method == "POST":
        everything = request.POST.get("scope") == "all"
        shown = _("不再接收任何营销消息") if everything else _("不再接收“%(topic)s”类消息") % {"topic": topic_label}
        services.unsubscribe(delivery=delivery, everything=everything, shown_text=shown)
        return render(request, "messaging/unsubscribe_done.html", {"everything": everything, "topic": topic_label})
    return render(request, "messaging/unsubscribe.html", {"topic": topic_label, "to": _mask(delivery.to)})


def _mask(address: str) -> str:
    """Show enough of the address to recognise it, not enough to harvest it."""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:2]}***@{domain}"
    return f"{address[:3]}****{address[-4:]}" if len(address) > 7 else "****"
