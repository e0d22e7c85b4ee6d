"""Forms of the staff pages: they parse what was typed; the services in campaigns.py, points.py and
tiers.py decide (the same ones the REST API calls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core import inputs
from kehu.customers.choices import Grade, IndustryStanding, Nature, Priority

from .choices import CampaignChannel, CampaignKind
from .models import ContentTemplate, Segment, Tier
from .segments import RFM_LAYERS

RFM_LABELS = {
    "champions": _("高价值（近期多次购买）"),
    "loyal": _("忠诚（半年内多次购买）"),
    "new": _("新客户（首单在近三个月）"),
    "at_risk": _("流失风险（半年至一年未购买）"),
    "dormant": _("沉睡（一年以上未购买）"),
    "never": _("从未购买"),
}


def _words(text: str) -> list[str]:
    """ "浙江, 上海；江苏" -> ["浙江", "上海", "江苏"] (comma, Chinese comma, semicolon or newline)."""
    for mark in "，；;、\n":
        text = text.replace(mark, ",")
    return [w.strip() for w in text.split(",") if w.strip()]


class SegmentForm(forms.Form):
    """The fields of a saved filter (kehu/loyalty/segments.py LIST_FILTERS and rfm)."""

    name = forms.CharField(label=_("名称"), max_length=120)
    grade = forms.MultipleChoiceField(
        label=_("客户等级"), choices=Grade.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.MultipleChoiceField(
        label=_("优先级"), choices=Priority.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    industry_standing = forms.MultipleChoiceField(
        label=_("行业地位"), choices=IndustryStanding.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    nature = forms.MultipleChoiceField(
        label=_("客户性质"), choices=Nature.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tier = forms.MultipleChoiceField(label=_("会员等级"), required=False, widget=forms.CheckboxSelectMultiple)
    owner = forms.MultipleChoiceField(label=_("负责人"), required=False)
    region = forms.CharField(label=_("地区（以此开头，多个用逗号分隔）"), max_length=300, required=False)
    products = forms.CharField(label=_("购买过的产品（包含任一关键词）"), max_length=300, required=False)
    rfm = forms.ChoiceField(label=_("RFM 分层"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tier_field: Any = self.fields["tier"]
        tier_field.choices = [(t.code, t.name) for t in Tier.objects.order_by("rank")]
        owner_field: Any = self.fields["owner"]
        owner_field.choices = [
            (str(u.pk), u.display_name)
            for u in get_user_model().objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]
        ]
        self.fields["owner"].widget.attrs.update({"class": "form-select", "size": "4"})
        rfm_field: Any = self.fields["rfm"]
        rfm_field.choices = [("", _("不限")), *[(layer, RFM_LABELS[layer]) for layer in RFM_LAYERS]]
        for name in ("name", "region", "products"):
            self.fields[name].widget.attrs["class"] = "form-control"
        for name in ("grade", "priority", "industry_standing", "nature", "tier"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["rfm"].widget.attrs["class"] = "form-select"

    @classmethod
    def initial_for(cls, segment: Segment) -> dict[str, Any]:
        filters = segment.filters or {}
        initial: dict[str, Any] = {"name": segment.name}
        for key in ("grade", "priority", "industry_standing", "nature", "tier", "owner"):
            initial[key] = filters.get(key, [])
        initial["region"] = ", ".join(filters.get("region", []))
        initial["products"] = ", ".join(filters.get("products", []))
        initial["rfm"] = filters.get("rfm", "")
        return initial

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        for key in ("grade", "priority", "industry_standing", "nature", "tier", "owner"):
            if data.get(key):
                filters[key] = list(data[key])
        for key in ("region", "products"):
            words = _words(data.get(key) or "")
            if words:
                filters[key] = words
        if data.get("rfm"):
            filters["rfm"] = data["rfm"]
        return filters


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    subject = forms.CharField(label=_("标题（短信可不填）"), max_length=200, required=False)
    body = forms.CharField(label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(label=_("类型"), choices=CampaignKind.choices)
    segment = forms.ModelChoiceField(label=_("客户细分"), queryset=Segment.objects.none(), empty_label=_("请选择"))
    channel = forms.ChoiceField(label=_("渠道"), choices=CampaignChannel.choices)
    template = forms.ModelChoiceField(
        label=_("内容模板"), queryset=ContentTemplate.objects.none(), empty_label=_("请选择")
    )
    holdout_percent = forms.IntegerField(label=_("对照组比例（%）"), min_value=0, max_value=50, initial=0)
    event_at = inputs.DateTimeField(
        label=_("活动时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("地点"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segment: Any = self.fields["segment"]
        segment.queryset = Segment.objects.order_by("-id")
        template: Any = self.fields["template"]
        template.queryset = ContentTemplate.objects.order_by("-id")
        for name, field in self.fields.items():
            select = name in ("kind", "segment", "channel", "template")
            field.widget.attrs["class"] = "form-select" if select else "form-control"
        self.fields["segment"].widget.attrs["data-testid"] = "campaign-segment"

    def clean_event_at(self) -> Any:
        value = self.cleaned_data.get("event_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("退回原因"), max_length=300)


class AttendanceForm(forms.Form):
    customers = forms.TypedMultipleChoiceField(label=_("客户"), coerce=int, choices=[])
    attended = forms.TypedChoiceField(
        label=_("出席"), coerce=lambda v: v == "1", choices=[("1", _("出席")), ("0", _("未出席"))]
    )

    def __init__(self, *args: Any, customer_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["customers"]
        field.choices = [(pk, pk) for pk in customer_ids]


class PointsForm(forms.Form):
    points = forms.IntegerField(label=_("积分"), min_value=1, max_value=10_000_000)
    reason = forms.CharField(label=_("说明"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class OverrideForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("会员等级"), queryset=Tier.objects.none(), to_field_name="code", empty_label=_("请选择")
    )
    reason = forms.CharField(label=_("调整原因"), max_length=300)
    until = inputs.DateField(label=_("有效期至"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tier: Any = self.fields["tier"]
        tier.queryset = Tier.objects.order_by("rank")
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "tier" else "form-control"


def describe_filters(
    filters: dict[str, Any], *, tiers: dict[str, str], owners: dict[str, str]
) -> list[tuple[str, str]]:
    """A saved filter as (label, values) pairs a person reads, e.g. ("客户等级", "A类, B类")."""
    form = SegmentForm.base_fields
    labels: dict[str, dict[str, Any]] = {
        "grade": dict(Grade.choices),
        "priority": dict(Priority.choices),
        "industry_standing": dict(IndustryStanding.choices),
        "nature": dict(Nature.choices),
        "tier": tiers,
        "owner": owners,
    }
    shown = []
    for key, value in filters.items():
        if key == "rfm":
            shown.append((str(form["rfm"].label), str(RFM_LABELS.get(value, value))))
            continue
        names = labels.get(key, {})
        values = value if isinstance(value, list) else [value]
        label = form[key].label if key in form else key
        shown.append((str(label), ", ".join(str(names.get(str(v), v)) for v in values)))
    return shown
