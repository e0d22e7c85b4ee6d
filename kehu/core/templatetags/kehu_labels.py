"""`{% load kehu_labels %}{{ c|choice_label:"grade" }}`: the display label of a choice field.

Model.get_FOO_display() rebuilds a dict of the field's choices on every call and hashes each lazy
label, which translates it: on a list of 50 customers two such calls per row were ~470 gettext
calls, a fifth of the page. The labels per (model, field, language) are built once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=256)
def choice_labels(model: Any, field: str, language: str | None) -> dict[Any, str]:
    """{value: label} of a choice field in `language` (the active one: pass get_language())."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


@register.filter
def choice_label(obj: Any, field: str) -> str:
    value = getattr(obj, field)
    model: Any = type(obj)
    return choice_labels(model, field, get_language()).get(value, value)
