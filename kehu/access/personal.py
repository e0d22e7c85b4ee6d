"""Personal (sensitive) fields and their masks: one registry, one audited read.

A model declares its personal fields once, with the kind of mask each gets:

    class Contact(models.Model):
        PERSONAL_FIELDS = {"birth_date": "date", "personal_phone": "phone", "family": "text", ...}

Pages, API serializers, exports, PDFs, the care calendar and the PIPL export/erasure ask this
module (`personal_fields`, `masked`, `read_personal`); nobody writes a mask or a list of sensitive
fields a second time. `read_personal` is the selector that reveals values: it asks
`restrict(user, "view_sensitive")` which rows may be shown and writes the access-log row for the
read itself, so that no caller can forget it (SPEC M12: every read of personal data is logged).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models

from . import masking

MASKS: dict[str, Callable[[str], str]] = {
    "date": masking.mask_date,
    "text": masking.mask_text,
    "phone": masking.mask_phone,
}


def personal_fields(model: type[models.Model] | models.Model) -> dict[str, str]:
    """{field name: mask kind} declared by the model; {} for a model without personal data."""
    return dict(getattr(model, "PERSONAL_FIELDS", {}) or {})


def mask_value(kind: str, value: Any) -> str:
    return MASKS[kind]("" if value is None else str(value))


def masked(obj: models.Model) -> dict[str, str]:
    """Every personal field of `obj`, masked (no log: nothing is revealed)."""
    return {name: mask_value(kind, getattr(obj, name)) for name, kind in personal_fields(obj).items()}


def blank_values(model: type[models.Model] | models.Model) -> dict[str, str]:
    """The cleared value of each personal field (consent withdrawal, erasure)."""
    return dict.fromkeys(personal_fields(model), "")


def revealable_ids(user: Any, model: type[models.Model], ids: Sequence[Any]) -> set[Any]:
    """Of `ids`, those whose personal fields `user` may read (one query)."""
    if not ids or not personal_fields(model):
        return set()
    manager: Any = model._default_manager
    return set(manager.restrict(user, "view_sensitive").filter(pk__in=list(ids)).values_list("pk", flat=True))


def read_personal(
    user: Any,
    objs: Sequence[models.Model],
    *,
    request: Any = None,
    via: str,
    customer_of: Callable[[Any], Any] = lambda obj: getattr(obj, "customer", None),
) -> dict[Any, dict[str, str]]:
    """The personal values of each object, keyed by pk: unmasked where `user` holds view_sensitive,
    masked elsewhere. One access-log row per customer whose personal data was revealed, naming the
    path (`via`: "page:people", "api:contact", "export:person", ...)."""
    from .audit import log_access

    objs = [obj for obj in objs if obj is not None]
    if not objs:
        return {}
    model = type(objs[0])
    allowed = revealable_ids(user, model, [obj.pk for obj in objs])
    values: dict[Any, dict[str, str]] = {}
    revealed_by_customer: dict[Any, list[Any]] = {}
    for obj in objs:
        if obj.pk in allowed:
            values[obj.pk] = {
                name: "" if getattr(obj, name) is None else str(getattr(obj, name)) for name in personal_fields(obj)
            }
            customer = customer_of(obj)
            revealed_by_customer.setdefault(customer, []).append(obj.pk)
        else:
            values[obj.pk] = masked(obj)
    for customer, pks in revealed_by_customer.items():
        log_access(
            user=user,
            action="view_sensitive",
            customer=customer,
            request=request,
            object_type=model._meta.model_name or "",
            object_id=pks[0] if len(pks) == 1 else None,
            rows=len(pks),
            detail={"via": via, "ids": pks[:50]},
        )
    return values
