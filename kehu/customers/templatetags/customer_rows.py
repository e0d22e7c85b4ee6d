"""`{% customer_rows customers editable %}`: the body of the customer list's table, built in Python.

Through the template engine each row was some twenty nodes (conditions, variables, filters, a
{% url %} and four {% translate %}): about a third of the list page's time at 100,000 customers
(issue 16). The row's markup is fixed, so it is written here once: every value is escaped by
format_html, the texts are translated once per page rather than once per row, the detail link is
the reversed prefix plus the id, and the owner's name comes from the process's table of user names.
The markup is the one the table had (tests and the browser tests find the rows by the same
data-testid attributes).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kehu.accounts.backends import user_labels
from kehu.core.templatetags.kehu_labels import choice_labels

from ..models import Customer

register = template.Library()

RESTRICTED_ROW = (
    '<tr data-testid="restricted-row">{check}<td class="text-secondary">—</td><td>{name} '
    '<span class="badge bg-secondary-lt" title="{restricted_title}">{restricted}</span> '
    '<a class="small" href="{ask_url}?customer={pk}" data-testid="request-access">{ask}</a></td>'
    '<td>{grade}</td><td class="text-secondary">—</td><td class="text-secondary">—</td><td>{owner}</td></tr>'
)
ROW = (
    '<tr>{check}<td>{archive_no}</td><td><a href="{detail_url}{pk}/">{name}</a>{badges}</td>'
    "<td>{grade}</td><td>{priority}</td><td>{region}</td><td>{owner}</td></tr>"
)
CHECKBOX = (
    '<td><input type="checkbox" class="form-check-input" name="ids" value="{}" aria-label="{}" '
    'data-testid="select-row"></td>'
)


@register.simple_tag
def customer_rows(customers: Sequence[Customer], editable: Collection[int]) -> SafeString:
    if not customers:
        return format_html('<tr><td colspan="6" class="text-secondary">{}</td></tr>', _("没有符合条件的客户。"))
    language = get_language()
    grades, priorities = choice_labels(Customer, "grade", language), choice_labels(Customer, "priority", language)
    detail_url = reverse("customers:detail", args=[0])[: -len("0/")]  # "/customers/": the id and "/" follow
    texts: dict[str, Any] = {
        "restricted_title": _("该档案仅限市场营销经理及以上和负责人查看"),
        "restricted": _("受限档案"),
        "ask": _("申请查看"),
        "ask_url": reverse("access:home"),
    }
    owners = user_labels()  # the list does not join the owners (customer_list_for with_owner=False)
    archived = format_html(' <span class="badge bg-secondary-lt">{}</span>', _("已归档"))
    review = format_html(' <span class="badge bg-warning-lt">{}</span>', _("待清理复核"))
    rows = []
    for c in customers:
        if getattr(c, "can_view", True) is False:
            rows.append(
                format_html(
                    RESTRICTED_ROW,
                    check=mark_safe("<td></td>") if editable else "",
                    name=c.name,
                    pk=c.pk,
                    grade=grades.get(c.grade, c.grade),
                    owner=owners.get(c.owner_id, ""),
                    **texts,
                )
            )
            continue
        check: Any = ""
        if editable:
            check = format_html(CHECKBOX, c.pk, c.name) if c.pk in editable else mark_safe("<td></td>")
        badges = (archived if c.is_archived else "") + (review if c.needs_review else "")
        rows.append(
            format_html(
                ROW,
                check=check,
                archive_no=c.archive_no,
                detail_url=detail_url,
                pk=c.pk,
                name=c.name,
                badges=mark_safe(badges),  # noqa: S308  (both made by format_html above)
                grade=grades.get(c.grade, c.grade),
                priority=priorities.get(c.priority, c.priority),
                region=c.region,
                owner=owners.get(c.owner_id, ""),
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308  (each row made by format_html)
