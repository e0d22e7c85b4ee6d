from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.accounts.choices import Department
from kehu.customers.choices import Channel, Grade, Priority

from .choices import BoardPeriod, CareStatus, FollowUpStatus, FollowUpType


class InteractionForm(forms.Form):
    customer = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("沟通方式"), choices=Channel.choices)
    subject = forms.CharField(label=_("主题"), max_length=200, required=False)
    people = forms.CharField(label=_("参与人员"), max_length=300, required=False)
    content = forms.CharField(label=_("沟通内容"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("结果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label=_("后续事项"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = forms.DateTimeField(
        label=_("沟通时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


SCORES = [("", "—"), *[(i, str(i)) for i in range(5, 0, -1)]]


class FollowUpCompleteForm(forms.Form):
    channel = forms.ChoiceField(label=_("回访方式"), choices=Channel.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("满意度（1-5）"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )
    summary = forms.CharField(label=_("回访摘要"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(label=_("后续行动"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action_department = forms.ChoiceField(label=_("转交部门"), required=False, choices=[("", "—"), *Department.choices])
    action_due_on = forms.DateField(
        label=_("后续行动完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    attitude = forms.TypedChoiceField(
        label=_("服务态度（1-5）"), coerce=int, empty_value=None, required=False, choices=SCORES
    )
    speed = forms.TypedChoiceField(
        label=_("响应速度（1-5）"), coerce=int, empty_value=None, required=False, choices=SCORES
    )
    ability = forms.TypedChoiceField(
        label=_("解决能力（1-5）"), coerce=int, empty_value=None, required=False, choices=SCORES
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"q{index}"] = forms.CharField(label=question, required=False)

    def answers(self) -> dict[str, str]:
        return {q: self.cleaned_data.get(f"q{i}", "") for i, q in enumerate(self.questions)}


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *FollowUpStatus.choices])
    type = forms.ChoiceField(label=_("回访类型"), required=False, choices=[("", _("全部")), *FollowUpType.choices])
    mine = forms.BooleanField(label=_("只看我的"), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class OverviewFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    grade = forms.ChoiceField(label=_("等级"), required=False, choices=[("", _("全部")), *Grade.choices])
    priority = forms.ChoiceField(label=_("维护优先级"), required=False, choices=[("", _("全部")), *Priority.choices])
    mine = forms.BooleanField(label=_("只看我的客户"), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class CareRecordForm(forms.Form):
    status = forms.ChoiceField(choices=[(CareStatus.SENT, _("已送达")), (CareStatus.SKIPPED, _("不发送"))])
    record = forms.CharField(label=_("发送内容"), max_length=300, required=False)


class PolicyForm(forms.Form):
    phone_every_days = forms.IntegerField(label=_("电话联络周期（天）"), required=False, min_value=1, max_value=366)
    visit_every_months = forms.IntegerField(label=_("拜访周期（月）"), required=False, min_value=1, max_value=24)
    visit_whom = forms.CharField(label=_("拜访人员"), max_length=200, required=False)
    responsible = forms.CharField(label=_("负责人"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BoardItemForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    planned_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(label=_("看板"), choices=BoardPeriod.choices)
    note = forms.CharField(label=_("说明"), required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("类型"), coerce=lambda v: v == "1", choices=[("0", _("休息日")), ("1", _("工作日（调休上班）"))]
    )
    name = forms.CharField(label=_("名称"), max_length=60, required=False)


class CalendarImportForm(forms.Form):
    text = forms.CharField(
        label=_("批量导入"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2027-01-01,休,元旦\n2027-02-07,班,春节调休"}),
        help_text=_("每行一天：日期,休/班,名称"),
    )
