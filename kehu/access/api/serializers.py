from __future__ import annotations

from rest_framework import serializers

from ..choices import GrantScope
from ..models import AccessLog, AccessRequest


class AccessRequestSerializer(serializers.ModelSerializer):
    requester_name = serializers.CharField(source="requester.display_name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.display_name", read_only=True, default=None)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "requester",
            "requester_name",
            "customer",
            "customer_name",
            "scope",
            "purpose",
            "valid_until",
            "status",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
            "revoked_at",
        ]
        read_only_fields = fields


class AccessRequestCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    purpose = serializers.CharField(allow_blank=True)
    valid_until = serializers.DateField()
    scope = serializers.ChoiceField(choices=GrantScope.choices, default=GrantScope.ARCHIVE)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AccessLogSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, default=None)

    class Meta:
        model = AccessLog
        fields = [
            "id",
            "at",
            "user",
            "username",
            "ip",
            "action",
            "customer_id",
            "customer_name",
            "object_type",
            "object_id",
            "query",
            "rows",
            "detail",
            "grant",
        ]
        read_only_fields = fields
