"""Request-wide safety nets: API writes are all-or-nothing, bad input is a 400, not a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api import rollback
from .inputs import MAX_ID

log = logging.getLogger(__name__)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Failed logins must be remembered (lockout), so the token request keeps its own transactions.
NOT_ATOMIC = ("/api/auth/token/",)


class ApiAtomicMiddleware:
    """A write through the API runs in one transaction that rolls back when the request fails
    (a 5xx, or bad input turned into a 400 by kehu.core.api.exception_handler): a failed request
    never leaves half its work stored, and a retry cannot duplicate it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or not request.path.startswith("/api/") or request.path in NOT_ATOMIC:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


class BadInputMiddleware:
    """Pages: an id beyond 64 bits in the path is a 404; an overflow or a value the database
    refuses (from what the user typed) is a 400 page with a translated message, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        if any(isinstance(value, int) and not -MAX_ID <= value <= MAX_ID for value in kwargs.values()):
            raise Http404

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError | OverflowError):
            return None
        log.warning("bad input answered with 400: %r", exception, exc_info=exception)
        rollback()
        message = _("请求中有无法处理的值，请检查后重试。")
        return render(request, "core/bad_input.html", {"message": message}, status=400)


class NoStoreMiddleware:
    """Pages, API answers, PDFs, exports and downloads carry personal data: no browser or proxy
    keeps a copy (`Cache-Control: no-store`). Static files (served earlier by WhiteNoise) and the
    anonymous login page keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = request.path.startswith(("/api/", "/media/")) or bool(user and user.is_authenticated)
        if personal and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
