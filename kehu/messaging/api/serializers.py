from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from kehu.customers.models import Contact

from ..choices import ALL_TOPICS, MARKETING_TOPICS, MessageChannel
from ..models import ConsentRecord, Delivery


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "customer",
            "contact",
            "channel",
            "topic",
            "to",
            "subject",
            "status",
            "reason",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "related",
            "created_at",
        ]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    topic = serializers.ChoiceField(choices=[*[(str(t), t.label) for t in MARKETING_TOPICS], (ALL_TOPICS, _("全部"))])
    channel = serializers.ChoiceField(choices=MessageChannel.choices, required=False, allow_blank=True, default="")
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none())

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "customer",
            "contact",
            "topic",
            "channel",
            "granted",
            "explicit",
            "evidence_at",
            "evidence_channel",
            "evidence_text",
            "source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "customer", "source", "recorded_by", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and getattr(request, "user", None) is not None:
            # Only contacts of customers the user may edit can be given a consent record.
            field: Any = self.fields["contact"]
            field.queryset = Contact.objects.restrict(request.user, "edit")
