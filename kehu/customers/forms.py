from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.access import personal
from kehu.accounts.models import User

from .choices import Grade, IndustryStanding, InfoSource, Priority, TransactionKind
from .models import Contact, Customer, DocumentKind, Transaction

CUSTOMER_FIELDS = [
    "name",
    "region",
    "industry_standing",
    "nature",
    "address",
    "postcode",
    "phone",
    "fax",
    "email",
    "website",
    "founded_on",
    "registered_capital",
    "legal_representative",
    "main_shareholders",
    "bank",
    "bank_account",
    "staff_chinese",
    "staff_foreign",
    "main_business",
    "additional_business",
    "business_scope",
    "culture_strategy",
    "recent_developments",
    "own_products",
    "cooperation_since",
    "main_products",
    "preferences",
    "credit_rating",
    "our_advantages",
    "our_disadvantages",
    "deal_probability",
    "info_source",
    "account_manager",
    "remarks",
]
FIELD_GROUPS = [
    (_("基本资料"), CUSTOMER_FIELDS[:16]),
    (_("企业概况"), CUSTOMER_FIELDS[16:24]),
    (_("与我方关系"), CUSTOMER_FIELDS[24:]),
]


def sales_years() -> list[int]:
    """客户档案表 "公司近3年销售业绩": the last three full years, newest first."""
    this_year = timezone.localdate().year
    return [this_year - 1, this_year - 2, this_year - 3]


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TEXT = forms.Textarea(attrs={"rows": 2})


class RequireVersionOnEdit:
    """An edit must name the version it started from, as in the API: without it two people's
    edits could overwrite each other unnoticed (a missing hidden field is not "no conflict")."""

    instance: Any

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        if self.instance.pk and data.get("version") is None:
            raise forms.ValidationError(_("缺少版本号，无法检查是否有人同时修改：请刷新页面后重试。"), code="version")
        return data  # type: ignore[no-any-return]


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    grade = forms.ChoiceField(label=_("等级"), required=False, choices=[("", _("全部等级")), *Grade.choices])
    priority = forms.ChoiceField(label=_("优先级"), required=False, choices=[("", _("全部优先级")), *Priority.choices])
    region = forms.CharField(label=_("地区"), required=False, max_length=60)
    owner = forms.ModelChoiceField(
        label=_("负责人"),
        required=False,
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name", "username"),
        empty_label=_("全部负责人"),
    )
    industry_standing = forms.ChoiceField(
        label=_("行业地位"), required=False, choices=[("", _("全部行业地位")), *IndustryStanding.choices]
    )
    archived = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("在档客户")), ("review", _("待清理复核")), ("1", _("已归档")), ("all", _("全部"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def selector_filters(self) -> dict[str, Any]:
        """Filters for customer_list_for (call after is_valid())."""
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "grade": data.get("grade"),
            "priority": data.get("priority"),
            "region": data.get("region"),
            "owner": data.get("owner"),
            "industry_standing": data.get("industry_standing"),
        }
        archived = data.get("archived")
        if archived == "review":
            filters["needs_review"] = True
        if archived != "all":
            filters["is_archived"] = archived == "1"
        return filters

    def describe(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "") and k != "q"}


def filtered_customers(
    user: Any, data: Any, *, action: str = "list", with_owner: bool = True
) -> tuple[CustomerFilterForm, Any]:
    """The customer list the user asked for (its filters and search), within their rights for `action`.
    One function for the page, its inline export and the worker's background export."""
    from .selectors import customer_list_for

    form = CustomerFilterForm(data or None)
    if form.is_bound and form.is_valid():
        filters = form.selector_filters()
        return form, customer_list_for(user, q=form.cleaned_data["q"], action=action, with_owner=with_owner, **filters)
    return form, customer_list_for(user, action=action, with_owner=with_owner, is_archived=False)


class CustomerForm(RequireVersionOnEdit, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    learned_at = forms.DateTimeField(
        label=_("信息获取时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("这些信息是什么时候得到的？默认为现在。"),
    )
    source = forms.ChoiceField(
        label=_("本次信息来源"), required=False, choices=[("", "---------"), *InfoSource.choices]
    )
    confirm_duplicate = forms.BooleanField(label=_("我已核对，确认不是重复客户"), required=False)

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {
            "founded_on": _DATE,
            "cooperation_since": _DATE,
            "main_shareholders": _TEXT,
            "main_business": _TEXT,
            "additional_business": _TEXT,
            "business_scope": _TEXT,
            "culture_strategy": _TEXT,
            "recent_developments": _TEXT,
            "preferences": _TEXT,
            "our_advantages": _TEXT,
            "our_disadvantages": _TEXT,
            "own_products": _TEXT,
            "remarks": _TEXT,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager_field = self.fields["account_manager"]
        assert isinstance(manager_field, forms.ModelChoiceField)
        manager_field.queryset = User.objects.filter(is_active=True).order_by("department", "id")
        stored = dict(self.instance.annual_sales.values_list("year", "amount")) if self.instance.pk else {}
        for year in sales_years():
            self.fields[f"sales_{year}"] = forms.DecimalField(
                label=_("%(year)s 年销售额（元）") % {"year": year},
                required=False,
                min_value=0,
                max_digits=16,
                decimal_places=2,
                initial=stored.get(year),
            )
        if not self.is_bound:
            self.initial.setdefault("learned_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
            if self.instance.pk:
                self.initial["version"] = self.instance.version
        _bootstrap(self)

    def annual_sales(self) -> dict[int, Any]:
        return {
            year: self.cleaned_data[f"sales_{year}"]
            for year in sales_years()
            if self.cleaned_data.get(f"sales_{year}") is not None
        }

    def clean_learned_at(self) -> Any:
        value = self.cleaned_data.get("learned_at")
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("信息获取时间不能晚于当前时间。"))
        return value

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        groups = [(title, [self[name] for name in names]) for title, names in FIELD_GROUPS]
        groups[1][1].extend(self[f"sales_{year}"] for year in sales_years())
        return groups

    def customer_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CUSTOMER_FIELDS}


class NewCustomerForm(CustomerForm):
    """Create: the archive plus its first contact (optional)."""

    contact_name = forms.CharField(label=_("联系人姓名"), required=False, max_length=80)
    contact_position = forms.CharField(label=_("联系人职务"), required=False, max_length=80)
    contact_mobile = forms.CharField(label=_("联系人手机"), required=False, max_length=40)
    contact_email = forms.EmailField(label=_("联系人邮箱"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def contact_fields(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("contact_name"):
            return None
        return {
            "name": data["contact_name"],
            "position": data.get("contact_position", ""),
            "mobile": data.get("contact_mobile", ""),
            "email": data.get("contact_email", ""),
            "is_main_contact": True,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("contact_name") and (data.get("contact_mobile") or data.get("contact_position")):
            self.add_error("contact_name", _("填写了联系人信息时，请填写联系人姓名。"))
        return data


class ContactForm(RequireVersionOnEdit, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contact
        fields = [
            "name",
            "position",
            "is_key_person",
            "is_legal_rep",
            "is_senior_leader",
            "is_main_contact",
            "mobile",
            "direct_line",
            "email",
            "preferred_channel",
            "birth_date",
            "birthday_is_lunar",
            "education",
            "hobbies",
            "family",
            "personal_phone",
            "personal_address",
        ]
        widgets = {
            "birth_date": forms.TextInput(attrs={"placeholder": "1980-05-01"}),
            "family": _TEXT,
            "hobbies": _TEXT,
        }

    def __init__(self, *args: Any, show_sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_sensitive:
            for name in personal.personal_fields(Contact):
                del self.fields[name]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        _bootstrap(self)

    def contact_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}


class TransactionForm(forms.ModelForm):
    class Meta:
        model = Transaction
        fields = ["kind", "number", "occurred_on", "product", "quantity", "amount", "place", "breach", "notes"]
        widgets = {"occurred_on": _DATE, "notes": _TEXT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # a sale unless marked as a refund
        _bootstrap(self)

    def clean_kind(self) -> str:
        return str(self.cleaned_data.get("kind") or TransactionKind.SALE)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("文件名称"), max_length=200, help_text=_("同名文件上传后成为新版本，旧版本保留。"))
    group = forms.CharField(
        label=_("所属事项"), max_length=120, required=False, help_text=_("同一事项的请示与批复、正件与附件放在一起。")
    )
    kind = forms.ChoiceField(
        label=_("文件类别"), choices=DocumentKind.choices, initial=DocumentKind.ORIGINAL, required=False
    )
    pages = forms.IntegerField(label=_("页数"), min_value=1, max_value=100000, initial=1, required=False)
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices)
    priority = forms.ChoiceField(label=_("维护优先级"), choices=Priority.choices)
    reason = forms.CharField(label=_("调整原因"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ArchiveForm(forms.Form):
    note = forms.CharField(label=_("归档原因"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class MergeForm(forms.Form):
    merge_archive_no = forms.CharField(label=_("要并入本客户的档案编号"), max_length=32)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("表格文件（.xlsx、.xls、.ods）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)
