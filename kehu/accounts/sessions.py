"""Idle timeout without writing the session on every request.

SESSION_SAVE_EVERY_REQUEST made every page an UPDATE of the session row plus a commit (9–17 % of
request time). Instead the session keeps the time it was last seen; it is written again only when
that stamp is older than KEHU_SESSION_REFRESH_SECONDS (a few minutes), which also slides the
session's expiry in the store. A session idle for longer than SESSION_COOKIE_AGE is logged out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SEEN_KEY = "kehu_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            seen = session.get(SEEN_KEY)
            if seen is not None and now - seen > settings.SESSION_COOKIE_AGE:
                logout(request)  # flushes the session; login_required pages then send them to log in
            elif seen is None or now - seen >= settings.KEHU_SESSION_REFRESH_SECONDS:
                session[SEEN_KEY] = now
        return self.get_response(request)
