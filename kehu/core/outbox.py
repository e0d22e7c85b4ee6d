"""The durable outbox behind kehu.core.events (ADR 0005).

`record` writes one row per published event inside the caller's transaction and asks, on
commit, for a drain of exactly those rows (the "kick"). The kick is best effort: if the process
dies right after the commit, or the queue cannot be reached, the periodic drain (every minute,
and once when a worker starts) finds the row. Handlers must be idempotent: a handler whose
transaction committed is never run again for that row, but a crash inside it runs it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import OutboxEvent

logger = logging.getLogger(__name__)

# A claimed row is invisible to other drains for this long; a worker killed mid-handler
# therefore delays that row by at most the lease. Handlers take milliseconds (a mail at most
# the SMTP timeout); one that outlives the lease may run twice, which idempotence allows.
LEASE = dt.timedelta(minutes=1)
# After this many failed attempts (or this age) a row shows as stuck on the security page.
STUCK_ATTEMPTS = 5
STUCK_AGE = dt.timedelta(minutes=15)
KEEP_DONE = dt.timedelta(days=7)


def backoff(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s ... capped at one hour."""
    return dt.timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def handler_key(handler: Any) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"


def _keyed(handlers: Iterable[Any]) -> list[tuple[str, Any]]:
    """Stable names for the handlers of one event; two with the same name get #2, #3 ..."""
    seen: dict[str, int] = {}
    keyed = []
    for handler in handlers:
        key = handler_key(handler)
        seen[key] = seen.get(key, 0) + 1
        keyed.append((key if seen[key] == 1 else f"{key}#{seen[key]}", handler))
    return keyed


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record(event: str, payload: dict[str, Any]) -> OutboxEvent:
    """Write the event in the current transaction; drain it once that transaction commits."""
    row = OutboxEvent.objects.create(event=event, payload=_jsonable(payload), available_at=timezone.now())
    # robust: the write has committed by then; a queue that cannot take the kick must not turn
    # the user's successful request into an error (the periodic drain will pick the row up).
    transaction.on_commit(_Kick(row.pk), robust=True)
    return row


class _Kick:
    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.__qualname__ = f"outbox kick #{pk}"

    def __call__(self) -> None:
        from .tasks import outbox_drain_task

        outbox_drain_task.enqueue([self.pk])


def drain(ids: list[int] | None = None, *, limit: int = 1000) -> int:
    """Run the handlers of due, pending rows (only `ids` if given); return how many rows finished."""
    now = timezone.now()
    pending = OutboxEvent.objects.filter(done_at__isnull=True, available_at__lte=now)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    finished = 0
    for pk in list(pending.order_by("id").values_list("pk", flat=True)[:limit]):
        if _claim(pk) and _run(pk):
            finished += 1
    return finished


def _claim(pk: int) -> bool:
    """Take the row for LEASE; False if another drain took it first."""
    now = timezone.now()
    from django.db.models import F

    return bool(
        OutboxEvent.objects.filter(pk=pk, done_at__isnull=True, available_at__lte=now).update(
            available_at=now + LEASE, attempts=F("attempts") + 1
        )
    )


def _run(pk: int) -> bool:
    """Handlers do derived work for the system (plans, follow-ups), not for a request's user: they run
    outside the request's restrict() guard even when the on-commit kick runs them in the request."""
    from kehu.access.scoping import unguarded

    with unguarded():
        return _run_handlers(pk)


def _run_handlers(pk: int) -> bool:
    from . import events

    row = OutboxEvent.objects.get(pk=pk)
    done = list(row.done_handlers)
    for key, handler in _keyed(events.handlers_for(row.event)):
        if key in done:
            continue
        try:
            with transaction.atomic():
                handler(**row.payload)
                done.append(key)
                OutboxEvent.objects.filter(pk=pk).update(done_handlers=done)
        except Exception:
            logger.exception("outbox: handler %s failed on %s #%s", key, row.event, pk)
            retry_at = timezone.now() + backoff(row.attempts)
            OutboxEvent.objects.filter(pk=pk).update(
                available_at=retry_at, last_error=f"{key}\n{traceback.format_exc()}"[-4000:]
            )
            _schedule_retry(pk, retry_at)
            return False
    OutboxEvent.objects.filter(pk=pk).update(done_at=timezone.now(), last_error="")
    return True


def _schedule_retry(pk: int, when: dt.datetime) -> None:
    from .tasks import outbox_drain_task

    try:
        outbox_drain_task.using(run_after=when).enqueue([pk])
    except Exception:  # the periodic drain retries anyway
        logger.warning("outbox: could not schedule the retry of #%s", pk, exc_info=True)


def purge_done(*, older_than: dt.timedelta = KEEP_DONE) -> int:
    deleted, _ = OutboxEvent.objects.filter(done_at__lt=timezone.now() - older_than).delete()
    return deleted


def stuck_events(*, limit: int = 50) -> list[OutboxEvent]:
    """Pending rows that failed repeatedly or waited too long: shown to admins."""
    from django.db.models import Q

    old = timezone.now() - STUCK_AGE
    return list(
        OutboxEvent.objects.filter(done_at__isnull=True)
        .filter(Q(attempts__gte=STUCK_ATTEMPTS) | Q(created_at__lt=old))
        .order_by("id")[:limit]
    )
