"""Webhook endpoints of the inbound adapters (SMS gateway, WeCom, DingTalk). No session, no CSRF: the
signature is the credential. A bad signature is 403 and nothing is stored; a malformed body 400."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kehu.core.exceptions import DomainError

from . import adapters, services
from .choices import ChannelKind

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def _receive(channel: str, parse: Callable[[], adapters.Inbound | None]) -> HttpResponse:
    try:
        inbound = parse()
    except adapters.SignatureError:
        log.warning("%s webhook: bad signature", channel)
        return HttpResponseForbidden("bad signature")
    except adapters.PayloadError:
        return HttpResponseBadRequest("bad payload")
    if inbound is None:
        return HttpResponse("success")
    try:
        message = services.inbound_receive(
            channel=channel,
            handle=inbound.handle,
            body=inbound.text,
            external_id=inbound.external_id,
            visitor_name=inbound.name,
        )
    except DomainError as error:
        return HttpResponseBadRequest(error.message)
    return JsonResponse({"ok": True, "conversation": message.conversation_id, "message": message.pk})


def _too_big(request: HttpRequest) -> bool:
    return len(request.body) > MAX_BODY


@csrf_exempt
@require_POST
def sms(request: HttpRequest) -> HttpResponse:
    if _too_big(request):
        return HttpResponseBadRequest("too large")
    return _receive(ChannelKind.SMS, lambda: adapters.sms_parse(request.headers, request.body))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def wecom(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        try:
            return HttpResponse(adapters.wecom_echo(request.GET), content_type="text/plain")
        except adapters.SignatureError:
            return HttpResponseForbidden("bad signature")
        except adapters.PayloadError:
            return HttpResponseBadRequest("bad payload")
    if _too_big(request):
        return HttpResponseBadRequest("too large")
    return _receive(ChannelKind.WECOM, lambda: adapters.wecom_parse(request.GET, request.body))


@csrf_exempt
@require_POST
def dingtalk(request: HttpRequest) -> HttpResponse:
    if _too_big(request):
        return HttpResponseBadRequest("too large")
    return _receive(ChannelKind.DINGTALK, lambda: adapters.dingtalk_parse(request.headers, request.body))
