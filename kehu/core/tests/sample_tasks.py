"""A task used only by test_tasks_backend: proves a django.tasks task runs through huey."""

from django.tasks import task

from kehu.core.models import Sequence


@task
def bump_counter(key: str, by: int) -> int:
    sequence, _ = Sequence.objects.get_or_create(key=key)
    sequence.value += by
    sequence.save(update_fields=["value"])
    return sequence.value
