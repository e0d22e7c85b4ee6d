"""What the preview page shows: the accepted values as they will be stored, labelled."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kehu.accounts.models import User

from ..choices import Grade, IndustryStanding, InfoSource, Nature, Priority
from ..models import ImportJob
from . import columns

_CHOICES: dict[str, Any] = {
    "priority": Priority,
    "nature": Nature,
    "industry_standing": IndustryStanding,
    "info_source": InfoSource,
}
_EXPANDS = {"contact_info": ("contact_mobile", "contact_direct_line", "contact_email")}


def sample_table(job: ImportJob) -> tuple[list[str], list[list[Any]]]:
    """(column labels, rows) of the first accepted rows, in the sheet's column order."""
    keys: list[str] = []
    for column in job.columns:
        for key in _EXPANDS.get(column["field"], (column["field"],)):
            if key not in keys and any(key in row for row in job.sample):
                keys.append(key)
    owner_ids = {row["owner"] for row in job.sample if "owner" in row}
    owners = {u.pk: str(u) for u in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    rows = [[row["row"]] + [_display(key, row.get(key), owners) for key in keys] for row in job.sample]
    return [_("行号")] + [columns.label(k) for k in keys], rows


def _display(key: str, value: Any, owners: dict[int, str]) -> Any:
    if value is None:
        return ""
    if key in _CHOICES:
        return _CHOICES[key](value).label
    if key == "grade":
        return _("%(grade)s（建议，待经理确认）") % {"grade": Grade(value).label}
    if key == "owner":
        return owners.get(value, value)
    return value


def ignored_label(item: dict[str, Any]) -> str:
    position = item["index"] + 1
    if item.get("reason") == "duplicate":
        return _("第 %(n)s 列“%(header)s”（与第 %(other)s 列重复）") % {
            "n": position,
            "header": item["header"],
            "other": item["other"] + 1,
        }
    if not item.get("header"):
        return _("第 %(n)s 列（无表头，但有数据）") % {"n": position}
    return _("第 %(n)s 列“%(header)s”") % {"n": position, "header": item["header"]}


def duplicate_reason(item: dict[str, Any]) -> str:
    labels = {"name": _("名称相同"), "phone": _("电话相同"), "email": _("邮箱相同"), "mobile": _("联系人手机相同")}
    if "file" in item.get("reasons", ()):
        return _("与文件第 %(other)s 行重复") % {"other": item.get("other_row")}
    return "；".join(labels.get(r, r) for r in item.get("reasons", ()))
