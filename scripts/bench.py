"""`make bench`: seed N demo customers into a throwaway data dir, serve them with
gunicorn as `make run` does, and time the pages people use most.

Usage: scripts/bench.py [--customers 100000] [--database-url postgres://...]
Prints a Markdown table (median / p95 latency of sequential requests and
throughput with 4 concurrent clients); the README's performance notes quote it.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(data_dir: Path, database_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        KEHU_FIELD_KEYS=Fernet.generate_key().decode(),
        KEHU_BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        KEHU_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read()

    def login(self, username: str, password: str) -> None:
        html = self.get("/accounts/login/").decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, "no CSRF token on the login page"
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=data, headers={"Referer": self.base})
        with self.opener.open(request, timeout=60) as response:
            assert "/accounts/login/" not in response.geturl(), "login failed"


def measure(session: Session, path: str, count: int) -> tuple[float, float]:
    for _ in range(3):
        session.get(path)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def throughput(session: Session, path: str, seconds: float, clients: int = 4) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        while time.monotonic() < stop:
            session.get(path)
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


# Run in a fresh process after seeding: the two jobs that walk every customer. Peak memory is the
# process's high-water mark (ru_maxrss), read after each job: keyset batches keep it flat.
BACKGROUND_JOBS = """
import resource, time
from kehu.customers.grading import grading_run
from kehu.customers.models import GradingRun
from kehu.engagement.models import ReplanJob
from kehu.engagement.services import _governed, replan_run

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

before = peak()
started = time.monotonic()
job = replan_run(ReplanJob.objects.create(total=_governed(None).count()).pk)
print(f"| re-plan every contact plan (policy change) | {job.processed:,} | {time.monotonic() - started:.0f} | "
      f"{peak()} MB (before: {before} MB) |")
started = time.monotonic()
run = grading_run(run_id=GradingRun.objects.create().pk)
print(f"| grading run (score and propose) | {run.processed:,} | {time.monotonic() - started:.0f} | {peak()} MB |")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp) / "data", args.database_url)
        if args.database_url:
            subprocess.run([PY, "manage.py", "flush", "--noinput"], cwd=ROOT, env=env, check=False)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        subprocess.run(
            [PY, "manage.py", "seed_demo", "--customers", str(args.customers)], cwd=ROOT, env=env, check=True
        )
        seed_seconds = time.monotonic() - started
        jobs = [PY, "manage.py", "shell", "--no-imports", "-c", BACKGROUND_JOBS]
        background_jobs = subprocess.run(jobs, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
            session = Session(base)
            session.login("mkt_mgr", "kehu-demo")
            detail_id = re.search(rb'href="/customers/(\d+)/"', session.get("/customers/"))
            paths = [
                ("customer list", "/customers/"),
                ("list, grade A", "/customers/?grade=A"),
                ("list, region", "/customers/?region=%E4%B8%8A%E6%B5%B7"),
                ("search 科技", "/customers/?q=%E7%A7%91%E6%8A%80"),
                ("search txkj", "/customers/?q=txkj"),
                ("search phone 0013", "/customers/?q=0013"),
                ("API list", "/api/customers/"),
                ("API search 科技", "/api/customers/?q=%E7%A7%91%E6%8A%80"),
                ("grading proposals", "/customers/grading/"),
            ]
            if detail_id:
                paths.append(("customer detail", f"/customers/{detail_id.group(1).decode()}/"))
            db = "PostgreSQL" if args.database_url else "SQLite"
            print(f"\n{args.customers:,} customers on {db}; seed_demo took {seed_seconds:.0f} s\n")
            print("| page | median ms | p95 ms | req/s (4 clients) |\n|---|---|---|---|")
            for name, path in paths:
                median, p95 = measure(session, path, args.requests)
                rate = throughput(session, path, 5)
                print(f"| {name} | {median:.1f} | {p95:.1f} | {rate:.0f} |")
            print("\n| background job (in one worker process) | customers | seconds | peak memory of the process |")
            print("|---|---|---|---|")
            print(background_jobs.strip())
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
