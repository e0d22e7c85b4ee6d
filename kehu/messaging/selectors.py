"""Reads of the channel layer; each starts from the user's scope (restrict)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .choices import ALL_TOPICS, MARKETING_TOPICS
from .models import ConsentRecord, Delivery


def deliveries_for(
    user: Any, *, customer_id: int | None = None, related: str = "", status: str = "", channel: str = ""
) -> QuerySet[Delivery]:
    queryset = Delivery.objects.restrict(user, "view").select_related("customer", "contact")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if related:
        queryset = queryset.filter(related=related)
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.order_by("-id")


def consents_for(
    user: Any, *, customer_id: int | None = None, contact_id: int | None = None
) -> QuerySet[ConsentRecord]:
    queryset = ConsentRecord.objects.restrict(user, "view").select_related("contact", "recorded_by")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if contact_id:
        queryset = queryset.filter(contact_id=contact_id)
    return queryset.order_by("-id")


def consent_state(records: list[ConsentRecord]) -> dict[str, bool | None]:
    """Topic -> the newest record's answer (None: never asked), from one contact's records."""
    state: dict[str, bool | None] = {str(t): None for t in (*MARKETING_TOPICS, ALL_TOPICS)}
    for record in sorted(records, key=lambda r: (r.evidence_at, r.pk)):
        if not record.channel:
            state[record.topic] = record.granted
    return state
