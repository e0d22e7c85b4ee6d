"""The signed-in user from the cache instead of a query on every request.

Django's ModelBackend reads the user row on every request. It changes rarely, so it is cached by
primary key and dropped from the cache whenever the row is saved or deleted (signals connected in
AccountsConfig.ready). The cache is shared by every web process (a file cache on one machine,
Redis when REDIS_URL is set), so a deactivation or a password change in one process is seen by
the others on their next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from kehu.core import cache_versions

USER_TTL = 600  # seconds; invalidation on save is what keeps it right, the TTL only bounds the cache


def user_cache_key(pk: Any) -> str:
    return f"kehu:user:{pk}"


def cached_user(pk: Any) -> Any:
    """The active user with this primary key (None if there is none), read through the cache."""
    user = cache.get(user_cache_key(pk))
    if user is None:
        user = get_user_model()._default_manager.filter(pk=pk).first()
        if user is None:
            return None
        cache.set(user_cache_key(pk), user, USER_TTL)
    return user


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


USERS_VERSION_KEY = "kehu:users:version"


def users_version() -> str:
    """Changes whenever any user is saved or deleted: a key part for cached fragments that list users."""
    return cache_versions.current(USERS_VERSION_KEY)


_labels: tuple[str, dict[Any, str]] | None = None


def user_labels() -> dict[Any, str]:
    """{id: str(user)} of every user (those who left too: they still own customers), kept in this
    process until a user is saved (users_version). A list of 50 customers shows its owners' names
    from here instead of joining the user table and building 50 user objects (issue 16)."""
    global _labels
    version = users_version()
    held = _labels
    if held is None or held[0] != version:
        users = get_user_model()._default_manager.only("id", "username", "first_name", "last_name")
        held = _labels = (version, {user.pk: str(user) for user in users})
    return held[1]


# Saves that change nothing a list of users shows: a login writes last_login (update_fields), and it
# must not make every process rebuild user_labels and the owner selects (a morning's logins would).
UNLISTED_FIELDS = frozenset({"last_login"})


def forget_user(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= UNLISTED_FIELDS:
        cache.delete(user_cache_key(instance.pk))
        return
    cache.delete_many([user_cache_key(instance.pk), USERS_VERSION_KEY])
