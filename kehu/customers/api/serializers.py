from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kehu.access import personal
from kehu.access.drf import ScopedModelSerializer, ScopedRelatedField
from kehu.accounts.backends import user_labels

from ..choices import Grade, InfoSource, Priority
from ..forms import CUSTOMER_FIELDS
from ..models import Contact, Customer, GradeChange, GradingRun, ImportJob, Transaction

# What a list shows of a customer the user may list but not open (docs/permissions.md).
RESTRICTED_FIELDS = ("id", "name", "grade", "owner", "owner_name", "restricted")


class AnnualSalesRowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


@extend_schema_field(AnnualSalesRowSerializer(many=True))
class AnnualSalesField(serializers.Field):
    """客户档案表 "公司近3年销售业绩": read as [{"year", "amount"}], written as the same list (or {year: amount})."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, customer: Customer) -> Any:
        view = self.parent.context.get("view") if self.parent is not None else None
        if getattr(view, "action", "") == "list":  # a list row does not fetch its sales (no N+1)
            return None
        return [{"year": s.year, "amount": str(s.amount)} for s in customer.annual_sales.order_by("-year")]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            data = [{"year": year, "amount": amount} for year, amount in data.items()]
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise serializers.ValidationError(_('请以 [{"year": 2025, "amount": "100.00"}] 的形式提供近三年销售额。'))
        sales: dict[int, Any] = {}
        for row in data:
            try:
                sales[int(row["year"])] = row["amount"]
            except (KeyError, TypeError, ValueError) as exc:
                raise serializers.ValidationError(_("每一行须有年度（year）和金额（amount）。")) from exc
        return {"annual_sales": sales}


class OwnerNameField(serializers.CharField):
    """str(owner) from the process's table of user names (accounts.backends.user_labels): a list
    does not join the owners, and the table is read once per serializer, not once per row."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="owner_id", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        labels = self.__dict__.get("_labels")
        if labels is None:
            labels = self.__dict__["_labels"] = user_labels()
        return str(labels.get(value, ""))


class CustomerSerializer(ScopedModelSerializer):
    owner_name = OwnerNameField()
    annual_sales = AnnualSalesField()
    restricted = serializers.SerializerMethodField(
        help_text="true: the archive is closed to you (name, grade and owner only); request access to open it"
    )
    learned_at = serializers.DateTimeField(write_only=True, required=False, allow_null=True)
    learned_from = serializers.ChoiceField(
        choices=InfoSource.choices, write_only=True, required=False, allow_blank=True
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "archive_no",
            "version",
            *CUSTOMER_FIELDS,
            "owner",
            "owner_name",
            "grade",
            "priority",
            "is_archived",
            "needs_review",
            "created_at",
            "updated_at",
            "annual_sales",
            "learned_at",
            "learned_from",
            "restricted",
        ]
        read_only_fields = [
            "archive_no",
            "owner",
            "grade",
            "priority",
            "is_archived",
            "needs_review",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"version": {"required": False}}

    def get_restricted(self, customer: Customer) -> bool:
        # Only list rows carry can_view (selectors.customer_list_for); a detail read already required view.
        return not getattr(customer, "can_view", True)

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["restricted"]:
            return {key: data[key] for key in RESTRICTED_FIELDS}
        return data


class CustomerUpdateSerializer(CustomerSerializer):
    """Updates must name the version they started from (optimistic lock)."""

    class Meta(CustomerSerializer.Meta):
        extra_kwargs = {"version": {"required": True, "read_only": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # PATCH skips "required"; the version is what makes a concurrent edit detectable, so insist.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("请提供您开始编辑时的版本号（version）。")]})
        return attrs


class ContactSerializer(ScopedModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "version",
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
            *Contact.PERSONAL_FIELDS,
            "birthday_is_lunar",
        ]
        read_only_fields = ["version"]

    customer = ScopedRelatedField(action="edit", queryset=Customer.objects.none())

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        """Personal fields as the view revealed them (access.personal.read_personal, logged there);
        masked when the view passed none (e.g. the response to a create)."""
        data = super().to_representation(instance)
        values = self.context.get("personal", {}).get(instance.pk) or personal.masked(instance)
        data.update(values)
        return data


class TransactionSerializer(ScopedModelSerializer):
    customer = ScopedRelatedField(action="edit", queryset=Customer.objects.none())

    class Meta:
        model = Transaction
        fields = [
            "id",
            "customer",
            "kind",
            "number",
            "occurred_on",
            "place",
            "product",
            "quantity",
            "amount",
            "our_person",
            "breach",
            "notes",
        ]
        read_only_fields = ["our_person"]
        extra_kwargs = {"number": {"required": False, "help_text": "assigned (JY…) when left empty"}}


class RegradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    reason = serializers.CharField(max_length=300)


class GradeChangeSerializer(ScopedModelSerializer):
    class Meta:
        model = GradeChange
        fields = ["id", "customer", "old_grade", "new_grade", "old_priority", "new_priority", "reason", "changed_at"]


class GradeProposalSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    name = serializers.CharField()
    archive_no = serializers.CharField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2)
    grade = serializers.CharField()
    priority = serializers.CharField()
    proposed_grade = serializers.CharField()
    proposed_priority = serializers.CharField()


class GradingRunSerializer(ScopedModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = GradingRun
        fields = ["id", "status", "started_at", "finished_at", "total", "processed", "percent", "distribution", "error"]
        read_only_fields = fields


class ImportJobSerializer(ScopedModelSerializer):
    file = serializers.FileField(write_only=True)
    progress = serializers.IntegerField(read_only=True, help_text=_("当前阶段（解析或导入）的完成百分比"))

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "file",
            "original_name",
            "file_size",
            "status",
            "progress",
            "total_rows",
            "processed_rows",
            "valid_rows",
            "error_rows",
            "duplicate_rows",
            "committed_rows",
            "columns",
            "ignored_columns",
            "sample",
            "errors",
            "duplicates",
            "created_count",
            "message",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "file"]


class DocumentListSerializer(serializers.Serializer):
    """卷内文件目录: one row per filed document in the policy's order, with its page range."""

    seq = serializers.IntegerField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    group = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    pages = serializers.IntegerField()
    first_page = serializers.IntegerField()
    last_page = serializers.IntegerField()
    versions = serializers.IntegerField()


class ProductUpgradeSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=200, help_text="the product as recorded on transactions")
    note = serializers.CharField(max_length=250, required=False, allow_blank=True)
