"""What a list shows about itself: its total, exact when small, estimated when big (issue 11).

An exact COUNT over a big list reads every matching row inside a click. A COUNT over the first
EXACT_UP_TO + 1 rows is bounded (the database stops after them), so a small list says "共 37 条"
exactly; past that the planner's estimate (kehu.core.counts.estimated_count) says "约 12 万条",
never less than what was counted. Two queries at most, whatever the table's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kehu.core.counts import estimated_count

EXACT_UP_TO = 1000


@dataclass(frozen=True)
class Total:
    count: int
    exact: bool

    @property
    def label(self) -> str:
        if self.exact:
            return _("共 %(n)s 条") % {"n": f"{self.count:,}"}
        if self.count >= 10000 and (get_language() or "zh").startswith("zh"):
            # Chinese reads big numbers in 万; other languages get the number rounded to 2 digits.
            wan = self.count / 10000
            text = f"{wan:.1f}".rstrip("0").rstrip(".") if wan < 10 else f"{round(wan):,}"
            return _("约 %(n)s 万条") % {"n": text}
        digits = max(len(str(self.count)) - 2, 2)
        return _("约 %(n)s 条") % {"n": f"{round(self.count, -digits):,}"}

    def __str__(self) -> str:
        return self.label


def list_total(queryset: QuerySet[Any], *, page: list[Any] | None = None, more: bool = True) -> Total:
    """The total of a list's queryset (already scoped by restrict()): exact up to EXACT_UP_TO rows.

    `page` is the first page already read and `more` whether a next page exists: a list that fits
    on its first page is counted without another query."""
    if page is not None and not more:
        return Total(len(page), exact=True)
    bare = queryset.order_by()
    counted = bare[: EXACT_UP_TO + 1].count()
    if counted <= EXACT_UP_TO:
        return Total(counted, exact=True)
    return Total(max(estimated_count(bare), counted), exact=False)
