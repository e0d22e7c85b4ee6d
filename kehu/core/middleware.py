"""Every API write is one transaction: a request that fails commits nothing (ADR 0010).

Without it, a view that called a service (which committed) and then failed (rendering the
answer, a second service, a full disk) answered 500 with the row stored, and the client's retry
stored it twice. Writes through the API (POST, PUT, PATCH, DELETE under /api/) run inside one
atomic block; an exception or a 5xx answer rolls everything back, files written inside it
included. Callbacks registered for after the commit (task kicks, mails) are made robust: the
data is committed by then, so their failure is logged instead of turning a success into a 500;
work that must not be lost goes through the outbox (kehu.core.events), not through them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, HttpResponse

from .files import discard, removed_on_error

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AtomicApiWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
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
