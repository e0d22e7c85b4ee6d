from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kehu.customers.models import Customer

from ..models import Campaign, CampaignRecipient, ContentTemplate, PointsEntry, Referral, Segment, Tier


def _customers_for(context: Any, action: str) -> Any:
    request = context.get("request")
    if request is None or getattr(request, "user", None) is None:
        return Customer.objects.none()
    return Customer.objects.restrict(request.user, action)


class SegmentSerializer(serializers.ModelSerializer):
    count = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = ["id", "name", "filters", "count", "created_by", "created_at"]
        read_only_fields = ["id", "count", "created_by", "created_at"]

    def get_count(self, segment: Segment) -> int | None:
        counts = self.context.get("counts")
        return counts.get(segment.pk) if counts is not None else None


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentTemplate
        fields = ["id", "name", "subject", "body"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "segment",
            "channel",
            "template",
            "holdout_percent",
            "event_at",
            "location",
            "notify_robot",
            "status",
            "audience",
            "approved_by",
            "approved_at",
            "sent_at",
            "return_note",
            "created_by",
        ]
        read_only_fields = [
            "id",
            "status",
            "audience",
            "approved_by",
            "approved_at",
            "sent_at",
            "return_note",
            "created_by",
        ]


class RecipientSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignRecipient
        fields = ["id", "customer", "contact", "group", "delivery_id", "rsvp", "rsvp_at", "attended"]


class ReportSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    holdout = serializers.IntegerField()
    sent = serializers.IntegerField()
    suppressed = serializers.IntegerField()
    failed = serializers.IntegerField()
    rsvp_yes = serializers.IntegerField()
    attended = serializers.IntegerField()
    ordered_target = serializers.IntegerField()
    ordered_holdout = serializers.IntegerField()
    rate_target = serializers.FloatField()
    rate_holdout = serializers.FloatField()
    difference = serializers.FloatField()
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "code", "name", "rank", "min_spend", "min_orders", "benefits"]


class TierOverrideSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    tier = serializers.SlugRelatedField(slug_field="code", queryset=Tier.objects.all())
    reason = serializers.CharField(max_length=300)
    until = serializers.DateField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["customer"]
        field.queryset = _customers_for(self.context, "edit")


class PointsEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = ["id", "kind", "points", "remaining", "expires_on", "reason", "source", "created_at"]


class PointsChangeSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    points = serializers.IntegerField(min_value=1, max_value=10_000_000)
    reason = serializers.CharField(max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["customer"]
        field.queryset = _customers_for(self.context, "view")


class ReferralSerializer(serializers.ModelSerializer):
    referee = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Referral
        fields = ["id", "referrer", "referee", "code", "status", "reason", "points", "rewarded_at", "created_at"]
        read_only_fields = ["id", "referrer", "status", "reason", "points", "rewarded_at", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["referee"]
        field.queryset = _customers_for(self.context, "edit")


class AttendanceSerializer(serializers.Serializer):
    customers = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=5000)
    attended = serializers.BooleanField()


class ReturnSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)
