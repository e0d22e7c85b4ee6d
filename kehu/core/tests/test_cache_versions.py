"""The shared-cache versions that let processes keep what they read (rules, user names, tokens)."""

from __future__ import annotations

from django.core.cache import cache

from kehu.core import cache_versions

KEY = "kehu:test:version"


def test_a_version_is_made_once_kept_until_bumped_and_read_with_other_keys():
    first = cache_versions.current(KEY)
    assert first and cache_versions.current(KEY) == first  # made once, then the same for everyone
    cache_versions.bump(KEY)
    bumped = cache_versions.current(KEY)
    assert bumped != first
    found = cache.get_many([KEY, "kehu:test:other"])
    assert cache_versions.current(KEY, seen=found.get(KEY)) == bumped
    cache.clear()  # a cleared cache: a new version, never the old one
    assert cache_versions.current(KEY) not in (first, bumped, "None")
