"""Optimistic locking: a save names the version it started from; a stale one is refused.

Used by every service that edits a record two people may have open at once.
The check and the increment are one UPDATE ... WHERE version = expected, so two
racing writers cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from .exceptions import ConflictError


def save_versioned(obj: models.Model, *, expected_version: int | None, fields: Iterable[str]) -> None:
    """Write `fields` of obj if its stored version still equals expected_version.

    expected_version None means "the version obj was loaded with".
    Raises ConflictError (nothing written) when someone saved in between.
    """
    model = type(obj)
    loaded_version = obj.version  # type: ignore[attr-defined]
    expected = loaded_version if expected_version is None else expected_version
    values = {name: getattr(obj, name) for name in fields}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            field.pre_save(obj, add=False)
            values[field.attname] = getattr(obj, field.attname)
    updated = model._default_manager.filter(pk=obj.pk, version=expected).update(version=F("version") + 1, **values)
    if updated != 1:
        # The row the caller was allowed to edit, as stored now (the base manager: no scope to re-check).
        current = model._base_manager.filter(pk=obj.pk).first()
        raise ConflictError(
            _("该记录已被他人修改（当前版本 %(version)s），您的修改未保存。请刷新后重试。")
            % {"version": getattr(current, "version", "?")},
            current_version=getattr(current, "version", None),
            current=current,
        )
    obj.version = expected + 1  # type: ignore[attr-defined]
