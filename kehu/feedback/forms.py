"""Forms of the staff pages: parsing and 400s at the edge; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import User

from .choices import DeliveryChannel, Privacy
from .models import SurveyTemplate


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "id")


class WaveForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    template = forms.ModelChoiceField(label=_("问卷"), queryset=SurveyTemplate.objects.filter(is_current=True))
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    privacy = forms.ChoiceField(label=_("隐私模式"), choices=Privacy.choices)
    channel = forms.ChoiceField(label=_("发送方式"), choices=DeliveryChannel.choices)
    grade = forms.MultipleChoiceField(
        label=_("客户等级"),
        choices=[("A", "A"), ("B", "B"), ("C", "C")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.CharField(label=_("地区"), max_length=60, required=False)
    owner = forms.ModelChoiceField(label=_("负责人"), queryset=_active_users(), required=False)
    product = forms.CharField(label=_("产品"), max_length=100, required=False)
    due = forms.BooleanField(label=_("仅按等级频次到期的客户"), required=False)
    low_rating = forms.IntegerField(label=_("低分阈值（1–5）"), min_value=1, max_value=5, initial=2)
    low_nps = forms.IntegerField(label=_("低分阈值（NPS）"), min_value=0, max_value=10, initial=6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].initial = timezone.localdate() + dt.timedelta(days=14)
        for name, field in self.fields.items():
            if name not in ("grade", "due"):
                field.widget.attrs.setdefault(
                    "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                )

    def segment(self) -> dict[str, Any]:
        data = self.cleaned_data
        segment: dict[str, Any] = {}
        if data.get("grade"):
            segment["grade"] = list(data["grade"])
        if data.get("region"):
            segment["region"] = data["region"]
        if data.get("owner"):
            segment["owner"] = data["owner"].pk
        if data.get("product"):
            segment["product"] = data["product"]
        if data.get("due"):
            segment["due"] = True
        return segment


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("审阅意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("部门反馈意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class MeasureForm(forms.Form):
    text = forms.CharField(
        label=_("改进措施"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    owner = forms.ModelChoiceField(
        label=_("负责人"), queryset=_active_users(), widget=forms.Select(attrs={"class": "form-select"})
    )
    due_on = forms.DateField(
        label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
