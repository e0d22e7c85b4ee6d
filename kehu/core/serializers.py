"""Serializer fields built once per class.

DRF's ModelSerializer works out every field from the model's metadata each time a serializer is
made (`get_fields` -> `build_field` -> `get_field_kwargs`): about 6 ms for the customer serializer's
49 fields, a third of a detail read by API, and it never differs between two serializers of one
class. So the fields are built once per class and each serializer gets new field objects made from
the same arguments (`bind()` sets a parent on each, so two requests never share one). Nested
serializers are deep-copied as DRF does, because they hold a child field of their own.
"""

from __future__ import annotations

import copy

from rest_framework import serializers
from rest_framework.fields import Field

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
