"""The signed-in user from the cache instead of a query on every request.

Django's ModelBackend reads the user row on every request (and DRF's token authentication the
token row). Both change rarely, so they are cached by primary key / token key and dropped from the
cache whenever the row is saved or deleted (signals connected in AccountsConfig.ready). The cache
is shared by every web process (a file cache on one machine, Redis when REDIS_URL is set), so a
deactivation or a password change in one process is seen by the others on their next request.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

USER_TTL = 600  # seconds; invalidation on save is what keeps it right, the TTL only bounds the cache


def user_cache_key(pk: Any) -> str:
    return f"kehu:user:{pk}"


def token_cache_key(key: str) -> str:
    return f"kehu:token:{key}"


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


class CachedTokenAuthentication(TokenAuthentication):
    """DRF token authentication with the token -> user lookup cached (dropped when either changes)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user_pk = cache.get(token_cache_key(key))
        if user_pk is None:
            token = Token.objects.select_related("user").filter(key=key).first()  # one query, as DRF's own
            if token is None:
                return super().authenticate_credentials(key)  # the same "invalid token" error
            user_pk = token.user_id
            cache.set(token_cache_key(key), user_pk, USER_TTL)
            cache.add(user_cache_key(user_pk), token.user, USER_TTL)
        user = cached_user(user_pk)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)  # raises the usual error for a gone/inactive user
        token = Token(key=key, user=user)
        return user, token


USERS_VERSION_KEY = "kehu:users:version"


def users_version() -> str:
    """Changes whenever any user is saved or deleted: a key part for cached fragments that list users."""
    version = cache.get(USERS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(USERS_VERSION_KEY, version, None)
    return str(version)


def forget_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    cache.delete_many([user_cache_key(instance.pk), USERS_VERSION_KEY])


def forget_token(sender: Any, instance: Any, **kwargs: Any) -> None:
    cache.delete(token_cache_key(instance.key))
