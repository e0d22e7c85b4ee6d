"""The web-chat widget for the company's website: one script tag, served by Kehu, no outside service.

`<script src="https://kehu.example.com/chat/widget.js" defer></script>` adds a button that opens an
iframe of /chat/embed/ (a Kehu page, so no third-party cookie or CORS request is needed inside it).
The visitor is identified by a signed conversation token kept in the page, not by a session: the
embed endpoints need no CSRF cookie (which a cross-site iframe would not get) and accept nothing but
that token. Which sites may frame the widget is a setting (KEHU_CHAT_ORIGINS -> CSP frame-ancestors;
the same list answers CORS for widget.js).
"""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kehu.core.exceptions import DomainError

from . import services
from .choices import Sender
from .models import Conversation, Message

SALT = "kehu.conversations.chat"
TOKEN_MAX_AGE = 7 * 24 * 3600
WHY = "the web-chat visitor holds a signed token for exactly this conversation"
WIDGET_JS = Path(__file__).parent / "static" / "conversations" / "widget.js"


def allowed_origins() -> list[str]:
    return [o for o in getattr(settings, "KEHU", {}).get("CHAT_ORIGINS", []) if o]


def _embed_csp() -> dict[str, Any]:
    policy = dict(getattr(settings, "SECURE_CSP", {}))
    policy["frame-ancestors"] = [CSP.SELF, *allowed_origins()]
    return policy


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    if origin and origin in allowed_origins():
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def token_for(conversation: Conversation) -> str:
    return signing.dumps(conversation.pk, salt=SALT)


def conversation_from(token: str) -> Conversation | None:
    try:
        pk = signing.loads(token or "", salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return Conversation.objects.unscoped(WHY).filter(pk=pk).first()


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(WIDGET_JS.read_text(encoding="utf-8"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return _cors(request, response)


def _visible(conversation: Conversation | None, after: int = 0) -> list[Message]:
    if conversation is None:
        return []
    return list(
        Message.objects.unscoped(WHY)
        .filter(conversation=conversation, id__gt=after)
        .exclude(sender=Sender.SYSTEM)
        .order_by("id")[:200]
    )


def _embed_decorators(view: Any) -> Any:
    """No CSRF cookie (the token is the credential), framing allowed for the configured sites only
    (read per response, so a changed setting applies without a restart of the decorator)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response._csp_config = _embed_csp()  # type: ignore[attr-defined]
        return response

    return csrf_exempt(xframe_options_exempt(wrapped))


def embed(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/embed.html", {"token": "", "items": []})


def embed_messages(request: HttpRequest) -> HttpResponse:
    conversation = conversation_from(request.GET.get("t", ""))
    return _cors(
        request,
        render(
            request, "conversations/partials/embed_messages.html", {"items": _visible(conversation), "c": conversation}
        ),
    )


@require_POST
def embed_send(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("t", "")
    conversation = conversation_from(token) if token else None
    if token and conversation is None:
        return HttpResponseBadRequest(_("会话已失效，请刷新页面。"))
    try:
        turn = services.chat_ask(
            question=request.POST.get("body", "")[:2000],
            conversation=conversation,
            visitor_name=request.POST.get("name", "").strip()[:80],
            handle=request.POST.get("contact", "").strip()[:200],
        )
    except DomainError as error:
        response = render(
            request,
            "conversations/partials/embed_messages.html",
            {"items": _visible(conversation), "c": conversation, "error": error.message, "token": token},
        )
        response.status_code = 200  # the visitor sees the message in place
        return _cors(request, response)
    return _cors(
        request,
        render(
            request,
            "conversations/partials/embed_messages.html",
            {
                "items": _visible(turn.conversation),
                "c": turn.conversation,
                "token": token_for(turn.conversation),
                "sent": True,
            },
        ),
    )


embed = _embed_decorators(require_GET(embed))
embed_messages = _embed_decorators(require_GET(embed_messages))
embed_send = _embed_decorators(embed_send)
