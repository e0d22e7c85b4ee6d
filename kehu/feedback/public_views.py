"""Public pages behind signed links: no account, CSRF-protected forms, rate-limited, zh-Hans/English.

JSON posts to the same URL are accepted without the CSRF token: a browser cannot send a cross-site
`application/json` body without a CORS preflight, which Kehu never answers, and the signed link in
the URL is the credential. Form posts go through Django's CSRF check as usual.
"""

from __future__ import annotations

import json
import time
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kehu.access.audit import client_ip
from kehu.core.exceptions import DomainError

from . import selfupdate, surveys
from .choices import QuestionKind

MAX_BODY = 64 * 1024


def rate_limited(view: Any) -> Any:
    """At most PUBLIC_RATE_PER_MINUTE requests per client address and minute (shared cache)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = int(str(settings.KEHU.get("PUBLIC_RATE_PER_MINUTE", 60)))
        key = f"kehu-public-rate:{client_ip(request) or '-'}:{int(time.time() // 60)}"
        if cache.add(key, 1, timeout=70):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:
                count = 1
        if count > limit:
            message = _("请求过于频繁，请稍后再试。")
            if _wants_json(request):
                return JsonResponse({"detail": message}, status=429)
            return render(request, "feedback/public/message.html", {"message": message}, status=429)
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    return wrapper


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})  # type: ignore[arg-type]


def _json_body(request: HttpRequest) -> Any:
    if len(request.body) > MAX_BODY:
        raise DomainError(_("提交的内容过大。"))
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_("JSON 格式无效。")) from exc


def _refused(request: HttpRequest, exc: DomainError, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": exc.message, **exc.field_errors}, status=status)
    return render(request, "feedback/public/message.html", {"message": exc.message, "refused": True}, status=status)


def _status_for(exc: DomainError) -> int:
    """An altered or unknown link: 404; used or expired: 410 (gone); a bad answer: 400."""
    return int(getattr(exc, "status", 400))


def _question_views(questions: list[Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    english = (get_language() or "").startswith("en")
    given = {int(k): v for k, v in values.items() if str(k).isdigit()}
    views = []
    for q in questions:
        value = values.get(str(q.pk))
        chosen = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value is not None else [])
        # Options as strings with their checked state, prepared here: the template only prints them
        # (a localised number per option was most of the page's rendering time).
        points: list[str] = []
        if q.kind == QuestionKind.RATING:
            points = [str(n) for n in range(1, 6)]
        elif q.kind == QuestionKind.NPS:
            points = [str(n) for n in range(0, 11)]
        scale = [(p, p in chosen) for p in points]
        options = [(o, o in chosen) for o in q.options]
        dimension = ""
        if q.dimension is not None:
            dimension = q.dimension.name_en if english and q.dimension.name_en else q.dimension.name
        views.append(
            {
                "q": q,
                "id": str(q.pk),
                "show_if": str(q.show_if_id) if q.show_if_id else "",
                "label": q.text_en if english and q.text_en else q.text,
                "dimension": dimension,
                "scale": scale,
                "options": options,
                "text": value if isinstance(value, str) and q.kind == QuestionKind.TEXT else "",
                "show_if_values": json.dumps(q.show_if_values, ensure_ascii=False),
                "hidden": not surveys.visible(q, given),
            }
        )
    return views


def _form_answers(request: HttpRequest) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith("q") and key[1:].isdigit():
            values = request.POST.getlist(key)
            answers[key[1:]] = values if len(values) > 1 else values[0]
    return answers


@csrf_exempt
@rate_limited
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = surveys.invitation_for_token(token)
        surveys.check_open(invitation)
    except DomainError as exc:
        return _refused(request, exc, _status_for(exc))
    questions = surveys.questions_of(invitation.wave.template)
    if request.method == "GET":
        surveys.invitation_open(invitation=invitation)
        get_token(request)
        return render(
            request,
            "feedback/public/survey.html",
            {
                "invitation": invitation,
                "wave": invitation.wave,
                "questions": _question_views(questions, invitation.draft),
            },
        )
    as_json = request.content_type == "application/json"
    if not as_json and (failure := _csrf_failure(request)) is not None:
        return failure
    try:
        raw = (_json_body(request) or {}).get("answers") if as_json else _form_answers(request)
        response = surveys.response_submit(invitation=invitation, answers=raw)
    except DomainError as exc:
        status = _status_for(exc)
        if as_json or status != 400:
            return _refused(request, exc, status)
        posted = {k: v for k, v in _form_answers(request).items()}
        return render(
            request,
            "feedback/public/survey.html",
            {
                "invitation": invitation,
                "wave": invitation.wave,
                "questions": _question_views(questions, posted),
                "error": exc.message,
                "errors": exc.field_errors,
            },
            status=400,
        )
    message = _("提交成功，感谢您的宝贵意见！")
    if as_json:
        return JsonResponse({"detail": message, "response": response.pk}, status=201)
    return render(request, "feedback/public/message.html", {"message": message, "thanks": True})


@csrf_exempt
@rate_limited
@require_http_methods(["POST"])
def survey_autosave(request: HttpRequest, token: str) -> HttpResponse:
    """Keeps the answers as typed (the page posts JSON on every change)."""
    if request.content_type != "application/json" and (failure := _csrf_failure(request)) is not None:
        return failure
    try:
        invitation = surveys.invitation_for_token(token)
        body = (
            _json_body(request) if request.content_type == "application/json" else {"answers": _form_answers(request)}
        )
        surveys.invitation_autosave(invitation=invitation, answers=(body or {}).get("answers"))
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, **exc.field_errors}, status=_status_for(exc))
    return JsonResponse({"detail": _("已自动保存")})


@csrf_exempt
@rate_limited
@require_http_methods(["GET", "POST"])
def selfupdate_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        update = selfupdate.request_for_token(token)
    except DomainError as exc:
        return _refused(request, exc, _status_for(exc))
    fields = [(name, label) for name, label in _selfupdate_labels()]
    if request.method == "GET":
        get_token(request)
        return render(
            request,
            "feedback/public/selfupdate.html",
            {"update": update, "fields": fields, "values": selfupdate.current_values(update)},
        )
    as_json = request.content_type == "application/json"
    if not as_json and (failure := _csrf_failure(request)) is not None:
        return failure
    try:
        data = _json_body(request) if as_json else {name: request.POST.get(name, "") for name, _label in fields}
        selfupdate.selfupdate_submit(request=update, data=data)
    except DomainError as exc:
        status = _status_for(exc)
        if as_json or status != 400:
            return _refused(request, exc, status)
        return render(
            request,
            "feedback/public/selfupdate.html",
            {"update": update, "fields": fields, "values": data, "error": exc.message},
            status=400,
        )
    message = _("已收到您的更新，我们核对后会更新资料。谢谢！")
    if as_json:
        return JsonResponse({"detail": message}, status=201)
    return render(request, "feedback/public/message.html", {"message": message, "thanks": True})


def _selfupdate_labels() -> list[tuple[str, str]]:
    return [
        ("name", _("姓名")),
        ("position", _("职务")),
        ("mobile", _("手机")),
        ("direct_line", _("直线电话")),
        ("email", _("电子邮箱")),
    ]
