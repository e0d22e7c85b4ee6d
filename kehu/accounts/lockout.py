"""Login lockout: slow down guessing without letting anyone lock a user out.

- A username is locked only together with the address it was guessed from (username + IP):
  someone failing as "admin" from their machine does not stop the admin at theirs.
- Delays grow: from the LIMIT-th failure of a pair within a day, the pair waits 1, 2, 4, ... minutes
  (at most MAX_DELAY) after its latest failure.
- Password spraying (one address trying many usernames) is slowed per address: more than
  IP_LIMIT failures within IP_WINDOW lock that address until the window has passed.
- Behind a reverse proxy (KEHU_BEHIND_PROXY) the client address is the one the proxy appends to
  X-Forwarded-For; otherwise the proxy's own address would make every user one pair.
- Admins unlock on the security page or with `manage.py unlock_login`.

Replaces django-axes, whose cool-off was fixed (an hour) and which counted every client behind a
proxy as one address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Count, Max
from django.dispatch import receiver
from django.utils import timezone

from .models import LoginFailure

PAIR_WINDOW = dt.timedelta(hours=24)
MAX_DELAY = dt.timedelta(hours=1)
IP_WINDOW = dt.timedelta(minutes=10)


def pair_limit() -> int:
    return int(str(settings.KEHU.get("LOGIN_FAILURE_LIMIT", 5)))


def ip_limit() -> int:
    return int(str(settings.KEHU.get("LOGIN_IP_FAILURE_LIMIT", 30)))


def client_ip(request: Any) -> str:
    meta = getattr(request, "META", {})
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and meta.get("HTTP_X_FORWARDED_FOR"):
        return str(meta["HTTP_X_FORWARDED_FOR"]).split(",")[-1].strip()[:45]
    return str(meta.get("REMOTE_ADDR", ""))[:45]


def _key(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def pair_delay(failures: int) -> dt.timedelta | None:
    """How long a username+address waits after its latest failure (None: no wait)."""
    over = failures - pair_limit()
    if over < 0:
        return None
    return min(dt.timedelta(minutes=2 ** min(over, 10)), MAX_DELAY)


@dataclass(frozen=True)
class Lock:
    until: dt.datetime
    by_address: bool  # the address tried too many usernames (not just this one)

    @property
    def minutes(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 59) // 60)


def lockout_message(lock: Lock) -> str:
    from django.utils.translation import gettext as _

    if lock.by_address:
        return _("来自您所在地址的登录失败次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": lock.minutes}
    return _("该账号在此地址的登录失败次数过多，请 %(minutes)s 分钟后再试，或联系管理员解锁。") % {
        "minutes": lock.minutes
    }


def lock_for(username: str | None, ip: str, *, now: dt.datetime | None = None) -> Lock | None:
    now = now or timezone.now()
    pair = LoginFailure.objects.filter(username=_key(username), ip=ip, at__gte=now - PAIR_WINDOW).aggregate(
        n=Count("id"), last=Max("at")
    )
    delay = pair_delay(pair["n"])
    if delay is not None and pair["last"] + delay > now:
        return Lock(until=pair["last"] + delay, by_address=False)
    recent = LoginFailure.objects.filter(ip=ip, at__gte=now - IP_WINDOW)
    if ip and recent.count() >= ip_limit():
        oldest = recent.order_by("-at").values_list("at", flat=True)[ip_limit() - 1]
        return Lock(until=oldest + IP_WINDOW, by_address=True)
    return None


def record_failure(username: str | None, ip: str) -> None:
    LoginFailure.objects.create(username=_key(username), ip=ip)


def clear(username: str | None, ip: str) -> None:
    """A successful login forgets that pair's failures."""
    LoginFailure.objects.filter(username=_key(username), ip=ip).delete()


def unlock(*, username: str = "", ip: str = "") -> int:
    """Admin action: forget the failures of a username (any address), of an address, or of both."""
    queryset = LoginFailure.objects.all()
    if username:
        queryset = queryset.filter(username=_key(username))
    if ip:
        queryset = queryset.filter(ip=ip)
    if not username and not ip:
        return 0
    return int(queryset.delete()[0])


def current_failures(*, since: dt.datetime) -> list[dict[str, Any]]:
    """Failures per username+address since `since`, with whether the pair is locked now."""
    rows = (
        LoginFailure.objects.filter(at__gte=since)
        .values("username", "ip")
        .annotate(failures=Count("id"), last=Max("at"))
        .order_by("-failures")[:50]
    )
    now = timezone.now()
    result = []
    for row in rows:
        delay = pair_delay(row["failures"])
        result.append({**row, "locked": delay is not None and row["last"] + delay > now})
    return result


class LockoutBackend:
    """First authentication backend: a locked username+address gets no password check at all."""

    def authenticate(self, request: Any, username: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        lock = lock_for(username, client_ip(request))
        if lock is not None:
            request.kehu_lock = lock
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied  # stops the other backends; authenticate() returns None
        return None

    # No get_user(): sessions never name this backend (and test clients' force_login skips it).


@receiver(user_login_failed)
def _remember_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if request is None or getattr(request, "kehu_lock", None) is not None:
        return  # locked attempts were not checked, so they are not failures of the password
    record_failure(credentials.get("username"), client_ip(request))


@receiver(user_logged_in)
def _forget_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        clear(user.get_username(), client_ip(request))
