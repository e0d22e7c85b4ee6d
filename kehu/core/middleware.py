"""Every API write is one transaction: a request that fails commits nothing (ADR 0005).

Without it, a view that called a service (which committed) and then failed (rendering the
answer, a second service, a full disk) answered 500 with the row stored, and the client's retry
stored it twice. Writes through the API (POST, PUT, PATCH, DELETE under /api/) run inside one
atomic block; an exception or a 5xx answer rolls everything back, files written inside it
included. Callbacks registered for after the commit (task kicks, mails) are made robust: the
data is committed by then, so their failure is logged instead of turning a success into a 500;
work that must not be lost goes through the outbox (kehu.core.events), not through them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, connections, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api import rollback
from .files import discard, removed_on_error
from .inputs import MAX_ID

log = logging.getLogger(__name__)
# Failed logins must be remembered (lockout), so the token request keeps its own transactions.
NOT_ATOMIC = ("/api/auth/token/",)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AtomicApiWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in WRITE_METHODS or not request.path.startswith("/api/") or request.path in NOT_ATOMIC:
            return self.get_response(request)
        connection = connections[DEFAULT_DB_ALIAS]
        # Django has turned a view's exception into a 500 response by the time it gets here.
        with removed_on_error() as written, transaction.atomic():
            already = len(connection.run_on_commit)
            response = self.get_response(request)
            failed = response.status_code >= 500
            if failed:
                transaction.set_rollback(True)
            _make_robust(connection, already)
        if failed:
            discard(written)
        return response


def _make_robust(connection: Any, start: int) -> None:
    """Turn the after-commit callbacks this request registered into robust ones (logged on error)."""
    hooks = connection.run_on_commit
    hooks[start:] = [(sids, func, True) for sids, func, _robust in hooks[start:]]


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
