"""Timers never wait behind long jobs (issue 9 item 11): with 60 s batch jobs queued, the SLA sweep
still runs within its minute and short tasks run at once. A real `run_worker` process, as `make run`."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWEEP = re.compile(r"Executing kehu\.servicedesk\.tasks\.sla_sweep_every_minute")


def _value(data_dir: Path, key: str) -> int | None:
    with sqlite3.connect(data_dir / "kehu.sqlite3") as db:
        row = db.execute("SELECT value FROM core_sequence WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _wait(predicate, seconds: float) -> float | None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.3)
    return None


def test_the_sla_sweep_and_short_tasks_do_not_wait_behind_a_60_second_batch(tmp_path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KEHU_TASK_BACKEND"}}
    env.update(KEHU_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="INFO")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--workers", "1", "--bulk-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from kehu.core.tests.sample_tasks import bump_counter, long_batch\n"
                "long_batch.enqueue('batch1', 60)\n"
                "long_batch.enqueue('batch2', 60)\n"
                "bump_counter.enqueue('short', 1)\n",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        queued_at = dt.datetime.now()
        assert _wait(lambda: _value(data, "batch1-started") == 1, 60) is not None, log_text(log)
        # The short task on the main queue runs while the batch holds the bulk thread.
        assert _wait(lambda: _value(data, "short") == 1, 20) is not None, log_text(log)
        assert _value(data, "batch1-done") is None  # the batch is still running
        # The next SLA sweep (at the top of the next minute) runs on time although both batches wait.
        next_minute = (queued_at + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        deadline = (next_minute - dt.datetime.now()).total_seconds() + 20
        assert _wait(lambda: SWEEP.search(log_text(log)) is not None, deadline) is not None, log_text(log)
        assert _value(data, "batch2-started") is None  # the second batch waits for the bulk thread, not the sweep
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()  # the 60 s batch would make a graceful stop wait for it
            worker.wait()
        log.close()


def log_text(log) -> str:  # type: ignore[no-untyped-def]
    log.flush()
    return Path(log.name).read_text(errors="replace")
