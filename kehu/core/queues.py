"""Two queues, so that timers never wait behind a long job (issue 9 item 11, ADR 0005).

The main huey queue (settings.HUEY) carries timers and short work: the every-minute SLA sweep,
outbox drains, reminders, mails. Long jobs (imports, re-plans, grading runs, the nightly planning,
backups, VACUUM) go to a second huey instance, BULK_HUEY, with its own storage (its own SQLite file,
or its own Redis key) and its own worker threads in `manage.py run_worker`. A 60 s batch therefore
occupies a bulk thread, never the thread the next minute's SLA sweep needs. On top of that the
timers carry a high priority, so a flood of short tasks (10k outbox kicks) does not delay them.

django.tasks code picks the queue with `@task(queue_name="bulk")`; huey periodic jobs use
`@bulk_periodic_task(...)` instead of `db_periodic_task`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from huey import PriorityRedisHuey, SqliteHuey
from huey.contrib.djhuey import close_db

BULK = "bulk"
# Priority of timers on the main queue (huey: higher runs first; default tasks have none = 0).
TIMER_PRIORITY = 100


def _make_bulk() -> Any:
    redis_url = getattr(settings, "REDIS_URL", "")
    if redis_url:
        return PriorityRedisHuey("kehu-bulk", url=redis_url)
    return SqliteHuey("kehu-bulk", filename=str(settings.DATA_DIR / "huey-bulk.sqlite3"))


BULK_HUEY = _make_bulk()


def bulk_periodic_task(*args: Any, **kwargs: Any) -> Any:
    """Like djhuey's db_periodic_task, on the bulk queue."""

    def decorator(fn: Any) -> Any:
        wrapped = BULK_HUEY.periodic_task(*args, **kwargs)(close_db(fn))
        wrapped.call_local = fn
        return wrapped

    return decorator


def bulk_workers() -> int:
    return int(getattr(settings, "KEHU_BULK_WORKERS", 1))
