"""Scale-out: two worker processes on one Redis queue never run a task twice (docs/scaling.md).

Real Redis at 127.0.0.1:6379 (a dedicated database number and key prefix), real huey consumers in
two separate processes, like two worker machines sharing one Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TASKS = 300


@pytest.fixture
def queue(monkeypatch):
    prefix = f"kehu-test-queue-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("KEHU_TEST_REDIS_PREFIX", prefix)
    import importlib

    from kehu.core.tests import redis_queue_app

    app = importlib.reload(redis_queue_app)
    yield app
    conn = app.huey.storage.conn
    for key in conn.scan_iter(f"*{prefix}*"):
        conn.delete(key)


def test_two_workers_on_one_redis_queue_run_each_task_exactly_once(queue):
    results = [queue.record(n) for n in range(TASKS)]  # enqueued before any worker starts
    env = {**os.environ, "KEHU_TEST_REDIS_PREFIX": queue.NAME, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "huey.bin.huey_consumer", "kehu.core.tests.redis_queue_app.huey", "-w", "2", "-q"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    conn = queue.huey.storage.conn
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and conn.hlen(f"{queue.NAME}:runs") < TASKS:
            time.sleep(0.2)
        time.sleep(1)  # a duplicate run would show up now
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    runs = {key.decode(): int(value) for key, value in conn.hgetall(f"{queue.NAME}:runs").items()}
    assert set(runs) == {r.id for r in results}  # every task ran ...
    assert set(runs.values()) == {1}  # ... exactly once
    pids = {int(p) for p in conn.lrange(f"{queue.NAME}:who", 0, -1)}
    assert pids <= {w.pid for w in workers} and len(pids) == 2  # and both workers took a share
