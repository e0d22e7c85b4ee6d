"""A task used only by test_tasks_backend: proves a django.tasks task runs through huey."""

from django.tasks import task

from kehu.core.models import Sequence


@task
def bump_counter(key: str, by: int) -> int:
    sequence, _ = Sequence.objects.get_or_create(key=key)
    sequence.value += by
    sequence.save(update_fields=["value"])
    return sequence.value


@task(queue_name="bulk")
def long_batch(key: str, seconds: float) -> None:
    """Stands in for an import or re-plan: marks its start, then works for `seconds`."""
    import time

    Sequence.objects.update_or_create(key=f"{key}-started", defaults={"value": 1})
    time.sleep(seconds)
    Sequence.objects.update_or_create(key=f"{key}-done", defaults={"value": 1})
