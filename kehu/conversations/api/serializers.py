from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from ..choices import CallDirection, ChannelKind, Outcome
from ..models import Call, Conversation, Message


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "sender", "author", "body", "at", "article_id", "confidence", "delivery_note"]


class ConversationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "channel",
            "state",
            "customer",
            "customer_name",
            "visitor_name",
            "subject",
            "queue",
            "assignee",
            "arrived_at",
            "last_message_at",
            "waiting_since",
            "due_at",
            "breached_at",
            "first_response_at",
            "first_responder",
            "response_seconds",
            "assistant_misses",
            "handed_over_at",
            "outcome",
            "linked_number",
            "closed_at",
        ]


class ConversationDetailSerializer(ConversationSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]

    def get_messages(self, obj: Conversation) -> list[dict[str, Any]]:
        return MessageSerializer(self.context.get("messages", []), many=True).data  # type: ignore[return-value]


class ConversationCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ChannelKind.choices)
    handle = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=10_000)
    customer = serializers.IntegerField(required=False, allow_null=True, default=None)
    visitor_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class ConversationReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)
    article = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class LinkSerializer(serializers.Serializer):
    customer = serializers.IntegerField()


class ConvertSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Outcome.choices)
    existing_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class CallSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)
    missed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "external_id",
            "direction",
            "number",
            "customer",
            "customer_name",
            "conversation",
            "agent",
            "rang_at",
            "answered_at",
            "ended_at",
            "recording_url",
            "missed",
            "callback",
            "callback_done_at",
        ]


class CallCreateSerializer(serializers.Serializer):
    caller_number = serializers.CharField(max_length=40)
    direction = serializers.ChoiceField(choices=CallDirection.choices, default=CallDirection.INBOUND)
    rang_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    recording_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CallImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=5_000_000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("file") and not attrs.get("text"):
            raise serializers.ValidationError({"file": [_("请上传 CSV 文件或提供 text。")]})
        return attrs


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=2000)
    conversation = serializers.IntegerField(required=False, allow_null=True, default=None)
    visitor_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
