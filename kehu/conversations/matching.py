"""Who sent this? A phone number, an e-mail address or a channel account, matched to a customer.

This runs for the system (a webhook, the PBX, the mail intake) before any person is involved, so it
reads unscoped; what it finds is only stored on the conversation, whose reads are restricted. Phone
numbers match the customer's phone, a contact's mobile, or a key person's private phone through its
blind index (the private number is never decrypted); learned identities match any channel.
"""

from __future__ import annotations

from typing import Any

from kehu.core.crypto import blind_index

from .models import Identity

WHY = "matching an inbound message to its customer (system work, result stored on a restricted row)"


def digits(value: str) -> str:
    from kehu.customers.services import phone_digits

    number = phone_digits(value)
    if number.startswith("86") and len(number) == 13:  # +86 138… -> 138…
        number = number[2:]
    return number


def handle_key(channel: str, handle: str) -> str:
    """The normalised address of a sender, blind-indexed: phones by digits, others lower-cased."""
    value = digits(handle) if channel in ("phone", "sms") else (handle or "").strip().lower()
    return blind_index(f"{(channel in ('phone', 'sms') and 'tel') or channel}:{value}") if value else ""


def by_phone(number: str) -> tuple[Any, Any]:
    from kehu.customers.models import Contact, Customer

    value = digits(number)
    if len(value) < 5:
        return None, None
    customer = Customer.objects.unscoped(WHY).filter(phone_digits=value).order_by("id").first()
    if customer is not None:
        return customer, None
    contact = (
        Contact.objects.unscoped(WHY).filter(mobile_digits=value).select_related("customer").order_by("id").first()
    )
    if contact is None:
        contact = (
            Contact.objects.unscoped(WHY)
            .filter(personal_phone_index=blind_index(value))
            .select_related("customer")
            .order_by("id")
            .first()
        )
    return (contact.customer, contact) if contact else (None, None)


def by_email(address: str) -> tuple[Any, Any]:
    from kehu.customers.models import Contact, Customer

    address = (address or "").strip().lower()
    if "@" not in address:
        return None, None
    customer = Customer.objects.unscoped(WHY).filter(email=address).order_by("id").first()
    if customer is not None:
        return customer, None
    contact = Contact.objects.unscoped(WHY).filter(email=address).select_related("customer").order_by("id").first()
    return (contact.customer, contact) if contact else (None, None)


def match(channel: str, handle: str) -> tuple[Any, Any]:
    """(customer, contact) or (None, None)."""
    key = handle_key(channel, handle)
    if key:
        identity = (
            Identity.objects.unscoped(WHY).filter(channel=channel, handle_index=key).select_related("customer").first()
        )
        if identity is not None:
            return identity.customer, None
    if channel in ("phone", "sms"):
        return by_phone(handle)
    if "@" in (handle or ""):
        return by_email(handle)
    if digits(handle) and len(digits(handle)) >= 7:  # a web visitor who typed a phone number
        return by_phone(handle)
    return None, None
