"""The production task configuration: django.tasks enqueued through huey, on commit."""

import datetime as dt

import pytest
from django.test import override_settings
from huey.contrib.djhuey import HUEY

from kehu.core.models import Sequence

from .sample_tasks import bump_counter

PRODUCTION_TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    }
}


@pytest.fixture
def huey_backend():
    """huey's immediate mode runs queued work in-process, through the same path as the worker."""
    HUEY.immediate = True
    with override_settings(TASKS=PRODUCTION_TASKS):
        yield HUEY
    HUEY.immediate = False


@pytest.mark.django_db
def test_task_is_queued_only_when_the_transaction_commits(huey_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bump_counter.enqueue("demo", 3)
    assert not Sequence.objects.filter(key="demo").exists()
    for callback in callbacks:
        callback()
    assert Sequence.objects.get(key="demo").value == 3


@pytest.mark.django_db
def test_deferred_task_is_scheduled_not_run(huey_backend, django_capture_on_commit_callbacks):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        bump_counter.using(run_after=later).enqueue("later", 1)
    assert not Sequence.objects.filter(key="later").exists()
    assert len(huey_backend.scheduled()) == 1
