"""Helpers of the staff pages of messaging and loyalty: keyset pages without OFFSET or COUNT."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kehu.core.inputs import MAX_ID

PAGE_SIZE = 50


def is_id(text: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, and int("²") raises), at most 19 of them."""
    return text.isascii() and text.isdigit() and len(text) <= 19


def cursor(request: HttpRequest, name: str = "before") -> int | None:
    """`?before=<id>`: a positive id within 63 bits, anything else a 400 (never a 500)."""
    raw = request.GET.getlist(name)
    if not raw or raw == [""]:
        return None
    if len(raw) > 1 or not is_id(raw[0]) or not 0 < int(raw[0]) <= MAX_ID:
        raise BadRequest(_("翻页参数无效。"))
    return int(raw[0])


def keyset_page(
    queryset: Any, request: HttpRequest, *, name: str = "before", size: int = PAGE_SIZE
) -> tuple[list[Any], int | None]:
    """Newest first (`-id`), one page and the cursor of the next (None at the end)."""
    before = cursor(request, name)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def choice(request: HttpRequest, name: str, choices: list[str]) -> str:
    """A filter's value: empty or one of `choices`; anything else is a 400."""
    raw = request.GET.getlist(name)
    if not raw or raw == [""]:
        return ""
    if len(raw) > 1 or raw[0] not in choices:
        raise BadRequest(_("筛选条件无效。"))
    return raw[0]


def answers_bad_input(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A malformed query parameter is a 400 page naming it, not Django's bare "Bad Request"."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return render(request, "core/bad_input.html", {"message": str(exc)}, status=400)

    return wrapped
