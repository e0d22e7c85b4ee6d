"""Masks for personal data shown to someone without the right to see it."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """138-0013-8000 -> 138****8000: enough to recognise, not enough to call."""
    digits = [ch for ch in value if ch.isdigit()]
    if len(digits) < 7:
        return "****" if value else ""
    return "".join(digits[:3]) + "****" + "".join(digits[-4:])


def mask_text(value: str) -> str:
    return "******" if value else ""


def mask_date(value: str) -> str:
    return "****-**-**" if value else ""
