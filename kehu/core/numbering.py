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


@transaction.atomic
def reserve_numbers(prefix: str, count: int, *, width: int = 6) -> list[str]:
    """`count` consecutive numbers in one increment (a bulk import's archive numbers): the same
    sequence as next_number, so numbers never clash whichever path made them."""
    if count <= 0:
        return []
    year = timezone.localdate().year
    key = f"{prefix}-{year}"
    Sequence.objects.get_or_create(key=key)
    Sequence.objects.filter(key=key).update(value=F("value") + count)
    last = Sequence.objects.select_for_update().values_list("value", flat=True).get(key=key)
    return [f"{prefix}-{year}-{value:0{width}d}" for value in range(last - count + 1, last + 1)]
