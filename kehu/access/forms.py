from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core import inputs

from .choices import ConsentMethod, GrantScope, LegalBasis, LogAction


class StyledForm(forms.Form):
    """Tabler classes on every widget, so templates render fields with {{ field }}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _default_until() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


class AccessRequestForm(StyledForm):
    """The customer is named by its archive number (a select of 1M customers is no picker)."""

    # The type-ahead picker (kehu/workbench) finds the customer by name, pinyin or phone and fills in its number.
    archive_no = forms.CharField(
        label=_("客户档案编号"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"data-customer-picker": "/workbench/pick/customers/?for=access", "data-pick-value": "number"}
        ),
    )
    scope = forms.ChoiceField(label=_("范围"), choices=GrantScope.choices, initial=GrantScope.ARCHIVE)
    purpose = forms.CharField(label=_("用途"), widget=forms.Textarea(attrs={"rows": 3}))
    valid_until = forms.DateField(
        label=_("有效期至"),
        initial=_default_until,
        # ISO: a date input drops any other format (issue 11: "2026/12/08" showed an empty field).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DecisionForm(StyledForm):
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class AccessLogFilterForm(StyledForm):
    username = forms.CharField(label=_("用户名"), required=False)
    customer = forms.IntegerField(label=_("客户 ID"), required=False, min_value=1, max_value=inputs.MAX_ID)
    action = forms.ChoiceField(label=_("操作"), choices=[("", _("全部")), *LogAction.choices], required=False)
    since = inputs.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = inputs.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data


class ConsentForm(StyledForm):
    legal_basis = forms.ChoiceField(label=_("法律依据"), choices=LegalBasis.choices)
    given_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("方式"), choices=ConsentMethod.choices)


class ErasureForm(StyledForm):
    reason = forms.CharField(label=_("删除依据"), max_length=300)


class TokenForm(StyledForm):
    token = forms.RegexField(
        label=_("验证码"), regex=r"^\d{6}$", max_length=6, error_messages={"invalid": _("请输入 6 位数字验证码。")}
    )
