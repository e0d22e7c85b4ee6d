"""Human-readable record numbers, e.g. KH-2026-000001 (archive numbers, complaint numbers)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Sequence


@transaction.atomic
def next_number(prefix: str, *, width: int = 6) -> str:
    year = timezone.localdate().year
    key = f"{prefix}-{year}"
    Sequence.objects.get_or_create(key=key)
    # F() increments in the database: two concurrent callers never get the same value.
    Sequence.objects.filter(key=key).update(value=F("value") + 1)
    value = Sequence.objects.select_for_update().values_list("value", flat=True).get(key=key)
    return f"{prefix}-{year}-{value:0{width}d}"
