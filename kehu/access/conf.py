"""Access settings from settings.KEHU, with the defaults this app documents (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "EXPORT_ROW_CAP_STAFF": 5000,
    "RETENTION_YEARS": 3,
    "BACKUP_DIR": "",  # empty: <KEHU_DATA_DIR>/backups
    "BACKUP_KEEP": 14,
    "ALERT_EXPORT_ROWS": 1000,
    "ALERT_EXPORTS_PER_HOUR": 5,
}


def setting(name: str) -> Any:
    kehu: dict[str, Any] = getattr(settings, "KEHU", {})
    return kehu.get(name, DEFAULTS[name])
