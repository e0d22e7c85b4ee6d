"""API tokens: issue, authenticate, revoke (replaces DRF's authtoken, which stored tokens in clear,
never expired and survived logout and password changes).

A token is `secrets.token_urlsafe(32)`; the database keeps its SHA-256 (a fast hash is right here:
the secret has 256 random bits, nothing to guess) and its first characters as a visible prefix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from kehu.core import cache_versions
from kehu.core.exceptions import DomainError

from .backends import cached_user
from .models import ApiToken

PREFIX_LENGTH = 8
# last_used_at is refreshed at most this often: a token used every second must not write every second.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
MAX_NAMED_DAYS = 3650
# A token row read from the cache instead of a query on every API request (issue 16). Entries carry
# the tokens version they were read under; revoking, editing or deleting any token changes it (after
# the commit), so a revocation is seen on the next request. The version is read before the row, so a
# row read just before a revocation commits is stored under the old version and never used again.
TOKEN_TTL = 600
TOKENS_VERSION_KEY = "kehu:tokens:version"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def password_stamp(user: Any) -> str:
    """Changes whenever the password does (Django's session hash: an HMAC of the password hash)."""
    return str(user.get_session_auth_hash())


def login_token_days() -> int:
    return int(str(settings.KEHU.get("API_TOKEN_DAYS", 30)))


@dataclass(frozen=True)
class Issued:
    secret: str
    token: ApiToken


@transaction.atomic
def token_issue(
    *, user: Any, kind: str = ApiToken.Kind.LOGIN, name: str = "", days: int | None = None, used: bool = False
) -> Issued:
    """A new token; its secret is returned once and never stored."""
    name = name.strip()
    if kind == ApiToken.Kind.NAMED and not name:
        raise DomainError(_("请为令牌命名。"), field_errors={"name": [_("请为令牌命名。")]})
    days = login_token_days() if days is None else days
    if not 1 <= days <= MAX_NAMED_DAYS:
        message = _("有效天数应在 1 到 %(max)s 之间。") % {"max": MAX_NAMED_DAYS}
        raise DomainError(message, field_errors={"days": [message]})
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        kind=kind,
        name=name[:80],
        prefix=secret[:PREFIX_LENGTH],
        digest=digest(secret),
        password_stamp=password_stamp(user),
        expires_at=now + dt.timedelta(days=days),
        last_used_at=now if used else None,
    )
    return Issued(secret=secret, token=token)


def _token_key(token_digest: str) -> str:
    return f"kehu:token:{token_digest}"


def tokens_changed() -> None:
    """Every cached token row is stale from now on: called by a revocation and any save or delete of
    a token (AccountsConfig.ready), at once and again on commit (a request that read the row between
    the two stored it under a version that is gone by then)."""
    cache_versions.bump(TOKENS_VERSION_KEY)
    transaction.on_commit(lambda: cache_versions.bump(TOKENS_VERSION_KEY))


def _token_by_digest(token_digest: str) -> ApiToken | None:
    """The token row with its user (read through the user cache), or None."""
    key = _token_key(token_digest)
    found = cache.get_many([TOKENS_VERSION_KEY, key])
    version = cache_versions.current(TOKENS_VERSION_KEY, seen=found.get(TOKENS_VERSION_KEY))
    entry = found.get(key)
    token: ApiToken | None = entry[1] if entry is not None and entry[0] == version else None
    if token is None:
        token = ApiToken.objects.filter(digest=token_digest).first()
        if token is None:
            return None
        cache.set(key, (version, token), TOKEN_TTL)  # pickled now: without the user attached below
    user = cached_user(token.user_id)
    if user is None:
        return None
    token.user = user
    return token


def _stamp_used(token: ApiToken, now: dt.datetime) -> None:
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    key = _token_key(token.digest)
    entry = cache.get(key)
    if entry is not None:
        # kept under its version: a use is not a change other processes must see at once
        entry[1].last_used_at = now
        cache.set(key, entry, TOKEN_TTL)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens (admins may revoke anyone's)."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise DomainError(_("只能撤销自己的令牌。"))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    tokens_changed()


@transaction.atomic
def tokens_revoke_for(*, user: Any, kind: str | None = None) -> int:
    """Revoke a user's tokens (all, or one kind): on logout and when the password changes."""
    queryset = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    revoked = queryset.update(revoked_at=timezone.now())
    if revoked:
        tokens_changed()
    return revoked


def tokens_of(user: Any) -> list[ApiToken]:
    """The user's tokens for the settings page, newest first, revoked and expired ones included."""
    return list(ApiToken.objects.filter(user=user).select_related("user").order_by("-id")[:200])


def is_active(token: ApiToken, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and token.expires_at > now and token.password_stamp == password_stamp(token.user)


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Token <secret>` (or `Bearer <secret>`): the token row by its digest and its user,
    both read through the cache (no query on a repeated use)."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。"))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。")) from exc
        token = _token_by_digest(digest(secret))
        now = timezone.now()
        if token is None or not token.user.is_active or not is_active(token, now=now):
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销。"))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            _stamp_used(token, now)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return "Token"


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes TokenAuthentication (`Authorization: Token <secret>`)."""

    target_class = "kehu.accounts.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from POST /api/auth/token/ or the settings page, prefixed with "Token ".',
        }
