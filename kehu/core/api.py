"""API plumbing shared by every app: keyset pagination and error translation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ConflictError, DomainError


class KeysetPagination(CursorPagination):
    """Cursor pagination on a unique, indexed ordering: no COUNT, no OFFSET."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        body: dict[str, Any] = {"detail": exc.message, "code": "conflict", "current_version": exc.current_version}
        view = context.get("view")
        serializer_class = getattr(view, "get_serializer_class", None)
        if exc.current is not None and serializer_class is not None:
            body["current"] = serializer_class()(exc.current, context=view.get_serializer_context()).data  # type: ignore[union-attr]
        return Response(body, status=status.HTTP_409_CONFLICT)
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
