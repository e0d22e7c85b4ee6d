"""Serializer fields built once per class.

DRF's ModelSerializer works out every field from the model's metadata each time a serializer is
made (`get_fields` -> `build_field` -> `get_field_kwargs`): about 6 ms for the customer serializer's
49 fields, a third of a detail read by API, and it never differs between two serializers of one
class. So the fields are built once per class and each serializer gets new field objects made from
the same arguments (`bind()` sets a parent on each, so two requests never share one). Nested
serializers are deep-copied as DRF does, because they hold a child field of their own.

Reading is planned once per serializer too: DRF reaches every field's value through its generic
`get_attribute` (a dotted path, a callable test per value): 235,000 calls for 100 list pages of 50
customers. A field that shows one concrete, non-relation column of the model reads the attribute
directly; every other field (relations, methods, dotted sources, "*") goes DRF's way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

_built: dict[type, dict[str, Field]] = {}


def _fresh(field: Field) -> Field:
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    # Field.__deepcopy__ makes the same call after deep-copying every argument (choices, model
    # fields, querysets): the arguments are never changed by a field, so they can be shared.
    return field.__class__(*field._args, **field._kwargs)  # type: ignore[attr-defined]


class FieldsBuiltOnce:
    """Mixin for a ModelSerializer whose fields depend on its class alone (not on the context or the
    instance; a serializer that varies its fields per request changes `self.fields` after init)."""

    def get_fields(self) -> dict[str, Field]:
        cls = type(self)
        template = _built.get(cls)
        if template is None:
            template = _built[cls] = super().get_fields()  # type: ignore[misc]
        return {name: _fresh(field) for name, field in template.items()}

    def to_representation(self, instance: Any) -> Any:
        if isinstance(instance, Mapping):
            return super().to_representation(instance)  # type: ignore[misc]
        plan = self.__dict__.get("_reading_plan")
        if plan is None:
            plan = self.__dict__["_reading_plan"] = _reading_plan(self)
        row: dict[str, Any] = {}
        for name, column, field in plan:
            if column is not None:
                value = getattr(instance, column)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    row[name] = None
                    continue
            row[name] = None if value is None else field.to_representation(value)
        return row


def _reading_plan(serializer: Any) -> list[tuple[str, str | None, Field]]:
    """(name, the column to read directly or None, field) for each readable field."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    plan: list[tuple[str, str | None, Field]] = []
    for field in serializer._readable_fields:
        column = None
        attrs = getattr(field, "source_attrs", [])
        # a field class with its own get_attribute decides for itself how it reads: DRF's way
        reads_plainly = type(field).get_attribute is Field.get_attribute
        if (
            model is not None
            and len(attrs) == 1
            and reads_plainly
            and not isinstance(field, serializers.BaseSerializer)
        ):
            try:
                model_field = model._meta.get_field(attrs[0])
            except FieldDoesNotExist:  # a property, a method, an annotation: DRF's way
                model_field = None
            if model_field is not None and model_field.concrete and not model_field.is_relation:
                column = model_field.attname
        if type(field) is serializers.DateTimeField and not hasattr(field, "timezone") and settings.USE_TZ:
            # DRF asks for the current time zone (a context-local lookup) for every value; it cannot
            # change while one serializer writes its rows (the middleware sets it per request), so
            # it is asked once: 100 timestamps on a list of 50 customers.
            field.timezone = timezone.get_current_timezone()
        plan.append((field.field_name, column, field))
    return plan
