"""Forms: intake forms for the three records, and one form per transition built from workflow.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.accounts.choices import Department
from kehu.core import inputs
from kehu.core.inputs import parse_id
from kehu.workbench.fields import DepartmentUserField

from .choices import ComplaintCategory, ConsultationTopic, DemandType, IntakeChannel, Urgency
from .selectors import intake_customers
from .workflow import Field, Transition


def _user_queryset() -> Any:
    from kehu.accounts.models import User

    return User.objects.filter(is_active=True).order_by("department", "username")


def form_field(f: Field) -> forms.Field:
    common: dict[str, Any] = {"label": f.label, "required": f.required and f.kind != "bool"}
    if f.kind == "text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    if f.kind == "char":
        return forms.CharField(max_length=80, **common)
    if f.kind == "bool":
        return forms.BooleanField(**common)
    if f.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if f.kind == "datetime":
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if f.kind == "money":
        return forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0, **common)
    if f.kind == "int":
        return forms.IntegerField(min_value=1, max_value=5, **common)
    if f.kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *f.choices.choices], **common)
    if f.kind == "department":
        return forms.ChoiceField(choices=[("", "—"), *Department.choices], **common)
    if f.kind == "user":
        return DepartmentUserField(queryset=_user_queryset(), **common)
    raise ValueError(f.kind)


def style[F: forms.Form](form: F) -> F:
    """Tabler classes on every widget (templates render fields generically)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
    return form


def transition_form(spec: Transition, data: Any = None, *, initial: dict[str, Any] | None = None) -> forms.Form:
    fields: dict[str, Any] = {f.name: form_field(f) for f in spec.fields}
    fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
    form_class = type(f"{spec.name.title()}Form", (forms.Form,), fields)
    return style(form_class(data, prefix=spec.name, initial=initial))


class CustomerField(forms.CharField):
    """A customer by archive number or exact name, within the user's scope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user: Any = None
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return None
        scope = intake_customers(self.user)
        text = str(value).strip()
        found = list(scope.filter(archive_no=text)[:2]) or (
            list(scope.filter(pk=parse_id(text))[:2]) if parse_id(text) is not None else []
        )
        if not found:
            found = list(scope.filter(name=text)[:2])
        if not found and len(text) >= 2:
            # A fragment ("宇通机械") that names exactly one customer in scope is that customer.
            from kehu.workbench.selectors import pick_customers

            picked = pick_customers(self.user, text)
            found = list(scope.filter(pk=picked[0]["id"])[:1]) if len(picked) == 1 else []
        if not found:
            raise forms.ValidationError(_("找不到该客户（或您无权查看），请从下拉建议中选择，或输入档案编号。"))
        if len(found) > 1:
            raise forms.ValidationError(_("有多个同名客户，请输入档案编号。"))
        return found[0]


class _IntakeForm(forms.Form):
    # The type-ahead picker (kehu/workbench/static) suggests customers from two characters of the name.
    customer = CustomerField(
        label=_("客户（输入名称、拼音或电话片段选择）"),
        widget=forms.TextInput(attrs={"data-customer-picker": "/workbench/pick/customers/"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].user = user  # type: ignore[attr-defined]
        style(self)


class ComplaintForm(_IntakeForm):
    channel = forms.ChoiceField(label=_("投诉方式"), choices=IntakeChannel.choices, initial=IntakeChannel.PHONE)
    contact_name = forms.CharField(label=_("联系人"), max_length=80, required=False)
    contact_phone = forms.CharField(label=_("客户联系方式"), max_length=120, required=False)
    business_address = forms.CharField(label=_("营业地址（留空取档案地址）"), max_length=300, required=False)
    category = forms.ChoiceField(label=_("投诉内容分类"), choices=ComplaintCategory.choices)
    product = forms.CharField(label=_("品名"), max_length=120, required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=0, initial=0, required=False)
    unit = forms.CharField(label=_("单位（台、件、套……）"), max_length=16, required=False)
    reason = forms.CharField(label=_("投诉理由（事件经过）"), widget=forms.Textarea(attrs={"rows": 4}))
    request = forms.CharField(label=_("投诉要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    received_at = forms.DateTimeField(
        label=_("受理时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class TicketForm(_IntakeForm):
    title = forms.CharField(label=_("问题标题"), max_length=200)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}))
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.MEDIUM)
    is_complex = forms.BooleanField(label=_("复杂问题（需专项小组，24 小时内出分析报告）"), required=False)
    department = forms.ChoiceField(label=_("责任部门"), choices=Department.choices, initial=Department.TECH_SUPPORT)
    owner = DepartmentUserField(label=_("负责人"), queryset=_user_queryset(), required=False)
    channel = forms.ChoiceField(label=_("来源渠道"), choices=IntakeChannel.choices, initial=IntakeChannel.PHONE)
    contact_name = forms.CharField(label=_("联系人"), max_length=80, required=False)


class DemandForm(_IntakeForm):
    description = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 4}))
    type = forms.ChoiceField(label=_("需求类型"), choices=DemandType.choices)
    department = forms.ChoiceField(label=_("责任部门"), choices=Department.choices, initial=Department.RND)
    owner = DepartmentUserField(label=_("负责人"), queryset=_user_queryset(), required=False)
    planned_completion = forms.DateField(
        label=_("计划完成时间"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    progress_every_days = forms.IntegerField(
        label=_("进度反馈周期（天）"), min_value=1, max_value=90, initial=7, required=False
    )

    def clean_progress_every_days(self) -> int:
        return self.cleaned_data.get("progress_every_days") or 7


class ConsultationForm(_IntakeForm):
    description = forms.CharField(label=_("咨询内容"), widget=forms.Textarea(attrs={"rows": 4}))
    type = forms.ChoiceField(label=_("咨询类型"), choices=ConsultationTopic.choices)
    channel = forms.ChoiceField(label=_("咨询方式"), choices=IntakeChannel.choices, initial=IntakeChannel.PHONE)
    contact_name = forms.CharField(label=_("联系人"), max_length=80, required=False)
    contact_phone = forms.CharField(label=_("联系方式"), max_length=120, required=False)
    department = forms.ChoiceField(label=_("责任部门"), choices=Department.choices, initial=Department.CUSTOMER_SERVICE)
    owner = DepartmentUserField(label=_("负责人"), queryset=_user_queryset(), required=False)


class UnmatchedForm(_IntakeForm):
    """Assign an unmatched mail to a customer (as a complaint or a ticket), or dismiss it."""

    mail = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("登记为"),
        choices=[("complaint", _("投诉")), ("ticket", _("问题")), ("dismiss", _("忽略"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") in ("complaint", "ticket") and not data.get("customer"):
            self.add_error("customer", _("请指定客户。"))
        return data


class ReplyForm(forms.Form):
    subject = forms.CharField(label=_("主题"), max_length=200, required=False)
    body = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 4}))


PERIODS = [("month", _("按月")), ("quarter", _("按季")), ("year", _("按年"))]


class StatsForm(forms.Form):
    period = forms.ChoiceField(label=_("统计周期"), choices=PERIODS, initial="month", required=False)
    start = inputs.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = inputs.DateField(label=_("截止日期（不含）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def values(self) -> tuple[str, dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or today.replace(month=1, day=1)
        end = data.get("end") or today.replace(year=today.year + 1, month=1, day=1)
        return data.get("period") or "month", start, end
