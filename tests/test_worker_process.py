"""The worker that `make run` starts really consumes tasks enqueued by another process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "KEHU_TASK_BACKEND"}}
    env.update(KEHU_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="config.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def _counter(data_dir: str, key: str) -> int | None:
    with sqlite3.connect(Path(data_dir) / "kehu.sqlite3") as db:
        row = db.execute("SELECT value FROM core_sequence WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def test_run_huey_executes_a_task_enqueued_elsewhere(worker_env):
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1"],
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from kehu.core.tests.sample_tasks import bump_counter; bump_counter.enqueue('from-web', 5)",
            ],
            cwd=ROOT,
            env=worker_env,
            check=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _counter(worker_env["KEHU_DATA_DIR"], "from-web") is None:
            time.sleep(0.3)
        assert _counter(worker_env["KEHU_DATA_DIR"], "from-web") == 5
    finally:
        worker.terminate()
        worker.wait(timeout=15)
