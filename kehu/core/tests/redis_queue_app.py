"""A huey app on a dedicated Redis database and key prefix, for test_two_workers_one_queue.

Imported by the huey consumers the test starts (python -m huey.bin.huey_consumer ...). Each task
run is counted in Redis by task id, with the process that ran it."""

from __future__ import annotations

import os
import time

from huey import RedisHuey

URL = os.environ.get("KEHU_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
NAME = os.environ.get("KEHU_TEST_REDIS_PREFIX", "kehu-test-queue")

huey = RedisHuey(NAME, url=URL)


@huey.task(context=True)
def record(n: int, task=None) -> None:  # type: ignore[no-untyped-def]
    redis = huey.storage.conn
    redis.hincrby(f"{NAME}:runs", task.id, 1)
    redis.rpush(f"{NAME}:who", os.getpid())
    time.sleep(0.005)
