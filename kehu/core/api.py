"""API plumbing shared by every app: keyset pagination, query parameters, error translation."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connections
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ConflictError, DomainError, StorageError
from .inputs import MAX_DATE, MAX_ID, MIN_DATE, date_range_message

log = logging.getLogger(__name__)


class KeysetPagination(CursorPagination):
    """Cursor pagination on a unique, indexed ordering: no COUNT, no OFFSET."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


INTEGER = re.compile(r"^[0-9]{1,19}$")


def object_body(request: Request) -> Any:
    """The request body when it is a JSON object (or a form); a list, number or string is a clear 400."""
    from collections.abc import Mapping

    if not isinstance(request.data, Mapping):
        raise ValidationError({"non_field_errors": [_("请求内容必须是一个对象（键值对）。")]})
    return request.data


def single_param(request: Request, name: str) -> str:
    """The one value of an optional query parameter; repeating it (`?owner=1&owner=2`) is a 400."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: [_("参数只能出现一次。")]})
    return values[0].strip() if values else ""


def int_param(request: Request, name: str) -> int | None:
    """An optional whole-number query parameter (an id fits in 63 bits); anything else is a 400."""
    value = single_param(request, name)
    if not value:
        return None
    if not INTEGER.match(value) or int(value) > MAX_ID:
        raise ValidationError({name: [_("请输入整数。")]})
    return int(value)


def date_param(request: Request, name: str) -> dt.date | None:
    """An optional YYYY-MM-DD query parameter within kehu.core.inputs' plausible range."""
    value = single_param(request, name)
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD。")]}) from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError({name: [date_range_message()]})
    return day


def choice_param(request: Request, name: str, choices: list[str]) -> str:
    """An optional query parameter out of `choices`; anything else is a 400 listing them."""
    value = single_param(request, name)
    if value and value not in choices:
        raise ValidationError({name: [_("可选值：%(choices)s") % {"choices": ", ".join(choices)}]})
    return value


def field_param(request: Request, model: type[Model], name: str) -> Any:
    """A filter on `model.name` from the query: an id for a relation, one of its choices, or text."""
    field = model._meta.get_field(name)
    if field.is_relation:
        return int_param(request, name)
    choices = [str(value) for value, _label in getattr(field, "choices", None) or []]
    if choices:
        return choice_param(request, name, choices)
    return single_param(request, name)[:200]


def _bad_input(exc: Exception) -> bool:
    """Errors that a value from the request causes deep down (an id beyond the column's range, a
    date that overflows, a string where a number goes): the request is wrong, not the server."""
    return isinstance(exc, DataError | OverflowError | ValueError)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        body: dict[str, Any] = {"detail": exc.message, "code": "conflict", "current_version": exc.current_version}
        view = context.get("view")
        serializer_class = getattr(view, "get_serializer_class", None)
        if exc.current is not None and serializer_class is not None:
            body["current"] = serializer_class()(exc.current, context=view.get_serializer_context()).data  # type: ignore[union-attr]
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StorageError):  # disk full: not the caller's fault, nothing was stored
        return Response({"detail": exc.message, "code": "storage"}, status=status.HTTP_507_INSUFFICIENT_STORAGE)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": "invalid"}
        body.update(exc.field_errors)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": str(exc) or "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if _bad_input(exc):
        log.warning("bad input answered with 400: %r", exc, exc_info=exc)
        rollback()
        return Response({"detail": _("请求中有无法处理的值，请检查后重试。"), "code": "invalid"}, status=400)
    return drf_exception_handler(exc, context)


def rollback() -> None:
    """Nothing of a failed request is kept: mark every open atomic block (ApiAtomicMiddleware's)."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            connection.set_rollback(True)
