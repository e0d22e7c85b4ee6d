from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from kehu.access.drf import ScopedModelSerializer
from kehu.accounts.choices import Department
from kehu.customers.choices import Channel

from ..choices import BoardState, CareStatus
from ..models import BoardItem, CareItem, ContactPlan, FollowUp, Interaction, MaintenancePolicy, ReplanJob


class PolicySerializer(ScopedModelSerializer):
    class Meta:
        model = MaintenancePolicy
        fields = [
            "id",
            "scope",
            "key",
            "phone_every_days",
            "visit_every_months",
            "visit_whom",
            "responsible",
            "version",
            "updated_at",
        ]
        read_only_fields = ["scope", "key", "updated_at"]
        extra_kwargs = {"version": {"required": True, "read_only": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # PATCH skips "required"; an update without the version it started from cannot be checked.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("请提供您开始编辑时的版本号（version）。")]})
        return attrs


class ReplanJobSerializer(ScopedModelSerializer):
    progress = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReplanJob
        fields = ["id", "policy", "status", "total", "processed", "progress", "created_at", "finished_at"]


class ContactPlanSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = ContactPlan
        fields = [
            "id",
            "customer",
            "customer_name",
            "assignee",
            "phone_every_days",
            "visit_every_months",
            "visit_whom",
            "last_contact_on",
            "last_phone_on",
            "last_visit_on",
            "next_phone_on",
            "next_visit_on",
            "next_due_on",
        ]


class InteractionSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    occurred_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "customer_name",
            "contact",
            "channel",
            "occurred_at",
            "people",
            "subject",
            "content",
            "outcome",
            "next_steps",
            "actor",
            "created_at",
        ]
        read_only_fields = ["actor", "created_at"]


class FollowUpSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "customer",
            "customer_name",
            "type",
            "source_type",
            "source_id",
            "note",
            "responsible",
            "assignee",
            "due_on",
            "status",
            "done_at",
            "on_time",
            "channel",
            "answers",
            "satisfaction",
            "actions",
            "action_department",
            "version",
        ]
        read_only_fields = [f for f in fields if f not in ("customer", "type", "note", "due_on")]
        extra_kwargs = {"due_on": {"required": False}}


class FollowUpCompleteSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    actions = serializers.CharField(required=False, allow_blank=True)
    action_department = serializers.ChoiceField(choices=Department.choices, required=False, allow_blank=True)
    action_due_on = serializers.DateField(required=False, allow_null=True)
    attitude = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    speed = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    ability = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class FollowUpStatsSerializer(serializers.Serializer):
    type = serializers.CharField()
    type_label = serializers.CharField(source="label")
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    on_time = serializers.IntegerField()
    overdue_open = serializers.IntegerField()
    completion_rate = serializers.FloatField()
    timeliness = serializers.FloatField()
    satisfaction = serializers.FloatField(allow_null=True)


class CareItemSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = CareItem
        fields = [
            "id",
            "customer",
            "customer_name",
            "contact",
            "kind",
            "occasion",
            "occasion_on",
            "plan_on",
            "action",
            "assignee",
            "status",
            "sent_at",
            "record",
            "gift",
            "budget",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields


class CareRecordSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[CareStatus.SENT, CareStatus.SKIPPED])
    record = serializers.CharField(required=False, allow_blank=True, max_length=300)


class BoardItemSerializer(ScopedModelSerializer):
    class Meta:
        model = BoardItem
        fields = [
            "id",
            "owner",
            "period",
            "title",
            "note",
            "planned_on",
            "ends_on",
            "state",
            "customer",
            "link_type",
            "link_id",
            "version",
        ]
        read_only_fields = ["owner", "version"]


class BoardMoveSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    state = serializers.ChoiceField(choices=BoardState.choices, required=False)
    planned_on = serializers.DateField(required=False)


class CareOccasionSerializer(serializers.Serializer):
    name = serializers.CharField()
    display = serializers.CharField(source="label")
    on = serializers.DateField()
    statutory = serializers.BooleanField()
    lunar = serializers.BooleanField()
    off_from = serializers.DateField(allow_null=True)
    off_until = serializers.DateField(allow_null=True)
    origin = serializers.CharField(source="source")


class WorkdaySerializer(serializers.Serializer):
    date = serializers.DateField()
    is_workday = serializers.BooleanField()
    name = serializers.CharField(allow_blank=True, required=False)
    origin = serializers.CharField(source="source", read_only=True)
