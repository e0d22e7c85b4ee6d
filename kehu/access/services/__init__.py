"""Writes of access governance: access requests, grants and notifications. The PIPL duties of a
key person (consent, person export and erasure) and the retention review live with the contacts
and customers they concern (kehu/customers/privacy.py): access returns conditions, it does not
reach into the archive."""

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
    "notifications_mark_read",
    "notify",
]
