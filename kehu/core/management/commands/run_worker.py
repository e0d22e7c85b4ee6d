"""`manage.py run_worker`: huey's consumer for the main queue plus the bulk queue's own threads.

The main queue (timers, short work) runs as `run_huey` does; the bulk queue (long jobs) gets
KEHU_BULK_WORKERS threads of its own (default 1) and its own scheduler for its periodic jobs.
Stopping the process (SIGTERM/SIGINT) stops both; a job cut off is retried by its own design
(imports and re-plans resume, the outbox redelivers).
"""

from __future__ import annotations

import logging
from typing import Any

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from kehu.core.queues import BULK_HUEY, bulk_workers

logger = logging.getLogger("huey")


class Command(RunHuey):
    help = "Run the worker: the timer/short-task queue and the long-job (bulk) queue."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--bulk-workers", type=int, default=None, help="threads for long jobs")

    def handle(self, *args: Any, **options: Any) -> None:
        import kehu.core.tasks_backend  # noqa: F401 (registers the bulk queue's django.tasks shim)

        count = options.pop("bulk_workers", None) or bulk_workers()
        bulk = BULK_HUEY.create_consumer(workers=count, worker_type="thread", periodic=True)
        # The main consumer owns the signal handlers (they need the main thread): start the bulk
        # consumer's scheduler and workers without them, and stop them when the main one returns.
        bulk.scheduler.start()
        for _worker, thread in bulk.worker_threads:
            thread.start()
        logger.info("bulk queue: %s worker thread(s)", count)
        try:
            super().handle(*args, **options)
        finally:
            bulk.stop(graceful=True)
