"""Writes of access governance. `requests`: access requests, grants and notifications;
`privacy`: PIPL duties (consent, person export and erasure, retention review)."""

from .privacy import (
    consent_record,
    consent_withdraw,
    person_erase,
    person_export,
    person_export_xlsx,
    retention_decide,
    retention_flag,
)
from .requests import (
    access_grants_expire,
    access_request_approve,
    access_request_create,
    access_request_reject,
    access_request_revoke,
    notifications_mark_read,
    notify,
)

__all__ = [
    "access_grants_expire",
    "access_request_approve",
    "access_request_create",
    "access_request_reject",
    "access_request_revoke",
    "consent_record",
    "consent_withdraw",
    "notifications_mark_read",
    "notify",
    "person_erase",
    "person_export",
    "person_export_xlsx",
    "retention_decide",
    "retention_flag",
]
