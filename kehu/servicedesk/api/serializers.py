"""API serializers; the transition serializers are generated from workflow.py (same fields as the UI)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kehu.access.drf import ScopedModelSerializer, ScopedRelatedField
from kehu.accounts.choices import Department

from ..choices import ComplaintCategory, ConsultationTopic, DemandType, IntakeChannel, Urgency
from ..models import (
    Complaint,
    Consultation,
    Demand,
    MailMessage,
    SlaTimer,
    Ticket,
    TicketMember,
    TicketMilestone,
    TimelineEntry,
)
from ..selectors import intake_customers
from ..workflow import Field, Transition


class TimelineSerializer(ScopedModelSerializer):
    # source "actor", not "actor.__str__": an entry written by the system (the mail intake) has no
    # actor, and DRF would call None.__str__ and show the text "None"; a null actor is null here.
    actor_name = serializers.CharField(source="actor", read_only=True, default=None)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "actor", "actor_name", "action", "from_state", "to_state", "note"]


class TimerSerializer(ScopedModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = SlaTimer
        fields = ["id", "kind", "owner", "department", "started_at", "due_at", "warn_at", "warned_at"]
        fields += ["breached_at", "escalated_to", "stopped_at", "status"]

    def get_status(self, obj: SlaTimer) -> str:
        return obj.status()


class MailSerializer(ScopedModelSerializer):
    class Meta:
        model = MailMessage
        fields = ["id", "direction", "message_id", "in_reply_to", "from_addr", "to_addrs", "subject", "body", "at"]


class _RecordSerializer(ScopedModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    timers = TimerSerializer(many=True, read_only=True)
    next_due = serializers.DateTimeField(read_only=True, allow_null=True, required=False)


class IntakeCustomerField(ScopedRelatedField):
    """A customer the caller may open a case for (selectors.intake_customers); hidden and missing
    ids get the same answer."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return intake_customers(getattr(request, "user", None))


def _active_users() -> Any:
    from kehu.accounts.models import User

    return User.objects.filter(is_active=True)


def _customer_field() -> Any:
    from kehu.customers.models import Customer

    return IntakeCustomerField(queryset=Customer.objects.none())


class _CreateMixin(serializers.Serializer):
    pass


class ComplaintSerializer(_RecordSerializer):
    class Meta:
        model = Complaint
        exclude = ["created_at"]
        read_only_fields = [
            f.name
            for f in Complaint._meta.concrete_fields
            if f.name not in ("customer", "channel", "reason", "request", "contact_name", "contact_phone")
            and f.name not in ("business_address", "category", "product", "quantity", "unit", "received_at")
        ]


class ComplaintCreateSerializer(_CreateMixin):
    customer = _customer_field()
    channel = serializers.ChoiceField(choices=IntakeChannel.choices)
    reason = serializers.CharField()
    request = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=120)
    business_address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices, required=False)
    product = serializers.CharField(required=False, allow_blank=True, max_length=120)
    quantity = serializers.IntegerField(required=False, min_value=0)
    unit = serializers.CharField(required=False, allow_blank=True, max_length=16)
    received_at = serializers.DateTimeField(required=False)


class TicketSerializer(_RecordSerializer):
    class Meta:
        model = Ticket
        exclude = ["created_at"]
        read_only_fields = [f.name for f in Ticket._meta.concrete_fields]


class TicketCreateSerializer(_CreateMixin):
    customer = _customer_field()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    is_complex = serializers.BooleanField(required=False)
    department = serializers.ChoiceField(choices=Department.choices, required=False)
    channel = serializers.ChoiceField(choices=IntakeChannel.choices, required=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    reported_at = serializers.DateTimeField(required=False)


class DemandSerializer(_RecordSerializer):
    class Meta:
        model = Demand
        exclude = ["created_at"]
        read_only_fields = [f.name for f in Demand._meta.concrete_fields]


class DemandCreateSerializer(_CreateMixin):
    customer = _customer_field()
    description = serializers.CharField()
    type = serializers.ChoiceField(choices=DemandType.choices, required=False)
    department = serializers.ChoiceField(choices=Department.choices, required=False)
    planned_completion = serializers.DateField(required=False, allow_null=True)
    # SOP 需求挖掘与跟进 "明确内部责任人与解决时限，定期向客户反馈进度".
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False, allow_null=True)
    progress_every_days = serializers.IntegerField(required=False, min_value=1, max_value=90)


class ReplySerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField()


def _serializer_field(f: Field) -> serializers.Field:
    kw: dict[str, Any] = {"required": f.required and f.kind != "bool", "help_text": str(f.label)}
    if f.kind in ("text", "char"):
        return serializers.CharField(allow_blank=not f.required, **kw)
    if f.kind == "bool":
        return serializers.BooleanField(**kw)
    if f.kind == "date":
        return serializers.DateField(allow_null=not f.required, **kw)
    if f.kind == "datetime":
        return serializers.DateTimeField(allow_null=not f.required, **kw)
    if f.kind == "money":
        return serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, **kw)  # type: ignore[arg-type]
    if f.kind == "int":
        return serializers.IntegerField(min_value=1, max_value=5, **kw)
    if f.kind == "choice":
        return serializers.ChoiceField(choices=f.choices.choices, allow_blank=not f.required, **kw)
    if f.kind == "department":
        return serializers.ChoiceField(choices=Department.choices, **kw)
    if f.kind == "user":
        from kehu.accounts.models import User

        return serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), **kw)
    raise ValueError(f.kind)


_CACHE: dict[tuple[str, str], type[serializers.Serializer]] = {}


def transition_serializer(kind: str, spec: Transition) -> type[serializers.Serializer]:
    key = (kind, spec.name)
    if key not in _CACHE:
        fields: dict[str, Any] = {f.name: _serializer_field(f) for f in spec.fields}
        fields["version"] = serializers.IntegerField(
            required=False, help_text="the version you loaded; a stale one gets 409"
        )
        name = "".join(part.title() for part in f"{kind}_{spec.name}".split("_")) + "Serializer"
        _CACHE[key] = type(name, (serializers.Serializer,), fields)
    return _CACHE[key]


class TicketMemberSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=_active_users())
    user_name = serializers.CharField(source="user", read_only=True)

    class Meta:
        model = TicketMember
        fields = ["id", "user", "user_name", "department", "role", "added_at"]
        read_only_fields = ["department", "added_at"]


class TicketMilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketMilestone
        fields = ["id", "title", "planned_at", "reached_at", "told_customer_at", "told_note"]
        read_only_fields = ["reached_at", "told_customer_at", "told_note"]


class MilestoneReachSerializer(serializers.Serializer):
    milestone = serializers.IntegerField()
    told_note = serializers.CharField(help_text="what the customer was told (SOP: 重大节点需主动告知)")


class ConsultationSerializer(_RecordSerializer):
    class Meta:
        model = Consultation
        exclude = ["created_at"]
        read_only_fields = [f.name for f in Consultation._meta.concrete_fields]


class ConsultationCreateSerializer(_CreateMixin):
    customer = _customer_field()
    description = serializers.CharField()
    type = serializers.ChoiceField(choices=ConsultationTopic.choices, required=False)
    channel = serializers.ChoiceField(choices=IntakeChannel.choices, required=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=120)
    department = serializers.ChoiceField(choices=Department.choices, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=_active_users(), required=False, allow_null=True)
    received_at = serializers.DateTimeField(required=False)
