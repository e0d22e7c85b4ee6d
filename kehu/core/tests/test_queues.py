"""Long jobs go to the bulk queue, timers carry a priority on the main queue (kehu/core/queues.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from huey.contrib.djhuey import HUEY

from kehu.core.queues import BULK_HUEY, TIMER_PRIORITY

from .sample_tasks import bump_counter, long_batch

TASKS = {
    "default": {
        "BACKEND": "kehu.core.tasks_backend.KehuHueyBackend",
        "OPTIONS": {"enqueue_on_commit": False},
        "QUEUES": ["default", "bulk"],
    }
}


@pytest.fixture
def empty_queues():  # type: ignore[no-untyped-def]
    HUEY.flush()
    BULK_HUEY.flush()
    yield
    HUEY.flush()
    BULK_HUEY.flush()


@pytest.mark.django_db
def test_a_bulk_task_goes_to_the_bulk_queue_and_a_short_one_to_the_main_queue(empty_queues):
    with override_settings(TASKS=TASKS):
        result = long_batch.enqueue("b", 60)
        bump_counter.enqueue("s", 1)
    assert BULK_HUEY.pending_count() == 1 and HUEY.pending_count() == 1
    assert BULK_HUEY.pending()[0].args[0] == "kehu.core.tests.sample_tasks.long_batch"
    with override_settings(TASKS=TASKS):
        assert long_batch.get_backend().get_result(result.id).status == "READY"


def test_timers_outrank_ordinary_tasks_and_long_nightly_jobs_are_on_the_bulk_queue():
    from kehu.access.tasks import access_log_spool_flush, nightly_backup
    from kehu.core.tasks import nightly_optimize, outbox_drain_periodic
    from kehu.engagement.tasks import nightly_planning, replan_task
    from kehu.servicedesk.tasks import sla_sweep_every_minute

    for timer in (sla_sweep_every_minute, outbox_drain_periodic, access_log_spool_flush):
        assert timer.huey is HUEY and timer.settings["default_priority"] == TIMER_PRIORITY
    for job in (nightly_planning, nightly_backup, nightly_optimize):
        assert job.huey is BULK_HUEY
    assert replan_task.queue_name == "bulk"
