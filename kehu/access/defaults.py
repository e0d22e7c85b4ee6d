"""The documented default permission matrix (docs/permissions.md).

Loaded into AccessRule by migration 0002; the policy also falls back to it when the rule table
has no rows at all (a flushed or freshly restored database), so that an empty table never
locks everybody out. To deny something, an admin deactivates a rule; rows stay.
"""

from __future__ import annotations

from kehu.accounts.choices import Level

STAFF, MANAGER, DIRECTOR, ADMIN = Level.STAFF, Level.MANAGER, Level.DIRECTOR, Level.ADMIN

# action, grade ("" = all), principal, department ("" = any), min_level
DEFAULT_RULES: list[tuple[str, str, str, str, int]] = [
    ("list", "", "everyone", "", STAFF),
    ("view", "B", "everyone", "", STAFF),
    ("view", "C", "everyone", "", STAFF),
    ("view", "A", "owner", "", STAFF),
    ("view", "A", "role", "marketing", MANAGER),
    ("view", "A", "role", "", DIRECTOR),
    ("view_sensitive", "", "owner", "", STAFF),
    ("view_sensitive", "", "owner_managers", "", STAFF),
    ("view_sensitive", "", "role", "customer_service", STAFF),
    ("view_sensitive", "", "role", "marketing", MANAGER),
    ("view_sensitive", "", "role", "", DIRECTOR),
    ("edit", "", "owner", "", STAFF),
    ("edit", "", "owner_managers", "", STAFF),
    ("edit", "", "role", "", ADMIN),
    ("export", "", "role", "sales", STAFF),
    ("export", "", "role", "marketing", STAFF),
    ("export", "", "role", "customer_service", STAFF),
    ("export", "", "role", "", MANAGER),
]
