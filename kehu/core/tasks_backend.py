"""huey's django.tasks backend, routing `queue_name="bulk"` to the bulk huey instance (queues.py).

Everything else (the result records, the on-commit enqueue, the shim that runs the function) is
huey's own; only the queue a task is put on differs.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY, close_db
from huey.contrib.djhuey import tasks_backend as huey_backend

from .queues import BULK, BULK_HUEY

# The same function huey's shim runs, registered on the bulk instance (under the same name, so
# that a task record written by either queue is understood by the same code).
_bulk_shim = BULK_HUEY.task(name="djtasks.run", context=True)(close_db(huey_backend._execute_django_task))


class KehuHueyBackend(huey_backend.HueyBackend):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        if task.queue_name != BULK:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        self._check_resolvable(task)
        args = huey_backend.normalize_json(list(args))
        kwargs = huey_backend.normalize_json(kwargs)
        huey_task = _bulk_shim.s(task.module_path, args, kwargs, priority=task.priority or None, eta=task.run_after)
        record = huey_backend._initial_record(self.alias, task, huey_task.id, args, kwargs)

        def _enqueue() -> None:
            record["enqueued_at"] = huey_backend._iso(timezone.now())
            # The record lives in the main instance's result store, where get_result looks.
            HUEY.put_result(huey_backend.KEY % huey_task.id, record)
            huey_backend.task_enqueued.send(
                sender=huey_backend.HueyBackend, task_result=huey_backend._record_to_result(record)
            )
            BULK_HUEY.enqueue(huey_task)

        if self.enqueue_on_commit:
            transaction.on_commit(_enqueue)
        else:
            _enqueue()
        return huey_backend._record_to_result(record)
