"""API plumbing shared by every app: keyset pagination, query parameters, error translation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ConflictError, DomainError, StorageError


class KeysetPagination(CursorPagination):
    """Cursor pagination on a unique, indexed ordering: no COUNT, no OFFSET."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


def int_param(request: Request, name: str) -> int | None:
    """An optional whole-number query parameter; anything else is a 400 naming the parameter."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({name: [_("请输入整数。")]})
    return int(value)


def date_param(request: Request, name: str) -> dt.date | None:
    """An optional YYYY-MM-DD query parameter; anything else is a 400 naming the parameter."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: [_("日期格式应为 YYYY-MM-DD。")]}) from exc


def choice_param(request: Request, name: str, choices: list[str]) -> str:
    """An optional query parameter out of `choices`; anything else is a 400 listing them."""
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise ValidationError({name: [_("可选值：%(choices)s") % {"choices": ", ".join(choices)}]})
    return value


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
    return drf_exception_handler(exc, context)
