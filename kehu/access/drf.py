"""The access layer's pieces for the REST API: related fields that only accept records the caller
may act on, and logged reads. Every API viewset of a customer-owned model uses them, so an API read
is scoped and logged exactly like the page that shows the same record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.core.serializers import FieldsBuiltOnce

from .audit import log_access


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key of a record the caller may `action`: a hidden and a missing id get the same
    answer, so ids cannot be enumerated (`queryset` names the model; its rows are restricted)."""

    default_error_messages = {
        "does_not_exist": _("记录 {pk_value} 不存在或您无权使用。"),
        "incorrect_type": _("请提供记录编号（整数），而不是 {data_type}。"),
    }

    def __init__(self, *, action: str = "view", **kwargs: Any) -> None:
        self.scope_action = action
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset: Any = super().get_queryset()
        if not hasattr(queryset, "restrict"):  # e.g. a user: not customer-owned
            return queryset
        request = self.context.get("request")
        return queryset.model.objects.restrict(getattr(request, "user", None), self.scope_action)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or (isinstance(data, int) and not -(2**63) <= data < 2**63):
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and (not data.strip().isdigit() or len(data.strip()) > 18):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ScopedModelSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A ModelSerializer whose foreign keys accept only records the caller may view (its fields
    are built once per class: kehu/core/serializers.py)."""

    serializer_related_field = ScopedRelatedField


def _customer_id(obj: Any) -> Any:
    if obj._meta.label == "customers.Customer":
        return obj.pk
    return getattr(obj, "customer_id", None)


def log_api_read(request: Request, objs: Iterable[Any], *, via: str) -> None:
    """One access-log row per API read, as the UI writes one per page: the customer when the read
    concerns one, the row count and ids otherwise."""
    rows = [obj for obj in objs if obj is not None]
    if not rows:
        return
    customers = {_customer_id(obj) for obj in rows} - {None}
    log_access(
        user=request.user,
        action="api_read",
        customer=next(iter(customers)) if len(customers) == 1 else None,
        request=request,
        object_type=rows[0]._meta.model_name or "",
        object_id=rows[0].pk if len(rows) == 1 else None,
        rows=len(rows),
        detail={"via": via, "ids": [obj.pk for obj in rows[:50]]},
    )


class LoggedReadsMixin:
    """For viewsets of customer-owned models: list and retrieve write the access-log row."""

    read_log_name = ""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        page = getattr(self, "_logged_rows", None)
        if page is not None:
            log_api_read(request, page, via=f"api:{self.read_log_name or self.basename}:list")  # type: ignore[attr-defined]
        return response

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        self._logged_rows = list(page) if page is not None else list(queryset)
        return page

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        obj = getattr(self, "_retrieved", None)
        if obj is not None:
            log_api_read(request, [obj], via=f"api:{self.read_log_name or self.basename}:detail")  # type: ignore[attr-defined]
        return response

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        self._retrieved = obj
        return obj
