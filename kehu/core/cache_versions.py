"""Versions in the shared cache: what lets each process keep something it read (the access rules,
the user names, token rows) until another process changes it.

A reader reads the version BEFORE the thing it guards and keeps the two together; a writer sets a
new version after changing the thing. A reader that read the thing just before a change therefore
holds it under a version that is already gone, and reads afresh next time. A missing version (a
cleared cache) is created once, by whichever process gets there first (`cache.add`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache


def current(key: str, *, seen: Any = None) -> str:
    """The version under `key`; `seen` is its value when the caller read it with other keys."""
    version = seen if seen is not None else cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return str(version)


def bump(key: str) -> None:
    """Whatever `key` guards has changed: every process reads it afresh."""
    cache.set(key, uuid.uuid4().hex, None)
