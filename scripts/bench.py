"""`make bench`: seed N demo customers, serve them with gunicorn as `make run` does, and time the
pages people use most next to bare reference views served by the same gunicorn.

Environment (or the matching --options):
  BENCH_CUSTOMERS=100000       number of demo customers
  BENCH_DB=sqlite|postgres|both
  BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/kehu_bench   a database of its own: it is dropped
                               and created again unless BENCH_REUSE=1
  BENCH_DATA_DIR=/tmp/x        keep the data directory (SQLite file, cache) between runs; with
                               BENCH_REUSE=1 an existing seeded database is reused (seed_demo adds
                               only missing customers)
  BENCH_JOBS=0                 skip the background jobs (grading run, re-plan)
  BENCH_SECONDS=5              seconds of throughput per page (4 concurrent clients)
  BENCH_ONLY=home,detail       only the pages whose name contains one of these words
  BENCH_SEED_ONLY=1            migrate and seed, then stop (seed 1M ahead; measure later with BENCH_REUSE=1)

For each page: sequential median and p95 (ms), throughput with 4 clients, and that throughput as a
share of its reference (hello, hello + session/auth, PK lookup -> JSON, keyset page -> JSON, bare
search; see kehu/core/benchrefs.py). The README's performance table quotes the output.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/kehu_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keys(data_dir: Path) -> dict[str, str]:
    """Keys are kept in the data directory, so a reused database stays readable."""
    from cryptography.fernet import Fernet

    path = data_dir / "bench-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    made = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "KEHU_FIELD_KEYS": Fernet.generate_key().decode(),
        "KEHU_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(made))
    return made


def environment(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KEHU_TASK_BACKEND", "REDIS_URL")}
    env.update(keys(data_dir))
    env.update(
        KEHU_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        KEHU_BENCH_REFS="1",
        # The pages are being moved to restrict(); until then "warn" would time a log line per query.
        KEHU_SCOPE_GUARD=os.environ.get("BENCH_SCOPE_GUARD", "off"),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def recreate_pg_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_database_exists(url: str) -> bool:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path.lstrip("/")]).fetchone())


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.headers: dict[str, str] = {}

    def get(self, path: str) -> bytes:
        request = urllib.request.Request(self.base + path, headers=self.headers)
        with self.opener.open(request, timeout=120) as response:
            return response.read()

    def status(self, path: str) -> int:
        try:
            return len(self.get(path)) and 200
        except urllib.error.HTTPError as error:
            return error.code

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

    def api_token(self, username: str, password: str) -> str:
        data = urllib.parse.urlencode({"username": username, "password": password}).encode()
        with urllib.request.urlopen(self.base + "/api/auth/token/", data=data, timeout=60) as response:
            return json.loads(response.read())["token"]


def sequential(client: Client, path: str, count: int) -> tuple[float, float]:
    for _ in range(3):
        client.get(path)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def throughput(client: Client, path: str, seconds: float, clients: int = 4) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        while time.monotonic() < stop:
            client.get(path)
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started)


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

# The analytics nightly work (issue 13), step by step, so the analytics pages read filled summaries.
from kehu.analytics import backtest, cube, services as analytics
from kehu.analytics.sales import sales_month_rebuild

for name, job in [
    ("grade snapshot", lambda: analytics.grade_snapshot_take()),
    ("monthly sales summary rebuild", lambda: sales_month_rebuild()),
    # every precomputed period (34-35) and grade-migration pair: what the composition and loyalty pages read
    ("period summaries (cube) rebuild", lambda: cube.rebuild_all()),
    ("contact-plan due dates", lambda: analytics.plan_dues_record()),
    ("churn model back-test", lambda: backtest.run(analytics.backtest_start(enqueue=False).pk).status),
    ("churn risk run", lambda: analytics.churn_run(analytics.churn_run_start(enqueue=False).pk).processed),
]:
    started = time.monotonic()
    result = job()
    print(f"| analytics: {name} | {result} | {time.monotonic() - started:.0f} | {peak()} MB |")
"""

Q_KEJI = urllib.parse.quote("科技")
Q_REGION = urllib.parse.quote("上海")


def pages(detail_id: str, sales_detail_id: str) -> list[tuple[str, str, str, str]]:
    """(name, path, reference name, reference path); API paths are fetched with a token."""
    pk_ref = ("PK lookup → JSON", f"/_bench/pk/{detail_id}/")
    page_ref = ("keyset page → JSON", "/_bench/page/")

    def search_ref(q: str) -> tuple[str, str]:
        return (f"bare search {urllib.parse.unquote(q)}", f"/_bench/search/?q={q}")

    return [
        ("hello + session/auth", "/_bench/hello-auth/", "hello", "/_bench/hello/"),
        ("customer detail UI", f"/customers/{detail_id}/", *pk_ref),
        ("customer detail API", f"/api/customers/{detail_id}/", *pk_ref),
        # a salesperson opens one of their own customers: rules with owner terms and a grant probe
        ("customer detail UI (sales)", f"/customers/{sales_detail_id}/", *pk_ref),
        ("customer list UI", "/customers/", *page_ref),
        ("customer list API", "/api/customers/", *page_ref),
        ("list, grade A UI", "/customers/?grade=A", *page_ref),
        ("list, region UI", f"/customers/?region={Q_REGION}", *page_ref),
        ("search 科技 UI", f"/customers/?q={Q_KEJI}", *search_ref(Q_KEJI)),
        ("search 科技 API", f"/api/customers/?q={Q_KEJI}", *search_ref(Q_KEJI)),
        ("search txkj UI", "/customers/?q=txkj", *search_ref("txkj")),
        ("search phone 0013 UI", "/customers/?q=0013", *search_ref("0013")),
        ("search phone 0013 API", "/api/customers/?q=0013", *search_ref("0013")),
        ("search e-mail c00001 UI", "/customers/?q=c00001", *search_ref("c00001")),
        ("grading proposals UI", "/customers/grading/", "", ""),
        ("工作台 home UI", "/", *page_ref),  # issue 11: p95 <= 100 ms at 100k customers
        # a salesperson's home: a quarter of the customers are theirs, and so are their plan dates
        ("工作台 home UI (sales)", "/", *page_ref),
        # issue 11: the service-desk lists with their total, saved filters and batch bar
        ("complaint list UI", "/service/complaints/", *page_ref),
        ("ticket list UI", "/service/tickets/", *page_ref),
        ("demand list UI", "/service/demands/", *page_ref),
        ("customer picker 科技", f"/workbench/pick/customers/?q={urllib.parse.quote('科技')}", *search_ref(Q_KEJI)),
        # issue 13: every analytics page p95 <= 200 ms at 1M customers
        # the default range is a precomputed period: read from the worker's summary (mkt_mgr sees every customer)
        ("analytics composition UI", "/analytics/composition/", "", ""),
        ("analytics composition UI by owner", "/analytics/composition/?by=owner", "", ""),
        ("analytics composition API", "/api/analytics/composition/?by=grade", "", ""),
        ("analytics composition API by product", "/api/analytics/composition/?by=product", "", ""),
        ("analytics composition export", "/analytics/composition/export/", "", ""),
        # viewers whose scope is limited read the cells of their rules' scope (ADR 0023)
        ("analytics composition UI (sales)", "/analytics/composition/", "", ""),
        ("analytics composition UI by owner (cs)", "/analytics/composition/?by=owner", "", ""),
        ("analytics composition UI (cs)", "/analytics/composition/", "", ""),
        ("analytics composition export (cs)", "/analytics/composition/export/", "", ""),
        ("analytics loyalty by grade UI (cs)", "/analytics/loyalty/", "", ""),
        ("analytics churn risk UI (cs)", "/analytics/churn/", "", ""),
        ("analytics KPIs UI (sales)", "/analytics/kpis/", "", ""),
        ("analytics service UI (cs)", "/analytics/service/", "", ""),
        ("analytics survey-wave trend UI (cs)", "/analytics/loyalty/waves/", "", ""),
        ("analytics periodic review UI (cs)", "/analytics/review/", "", ""),
        ("analytics churn risk UI", "/analytics/churn/", "", ""),
        ("analytics churn risk API", "/api/analytics/churn-risk/", "", ""),
        ("analytics KPIs UI", "/analytics/kpis/", "", ""),
        ("analytics KPIs API", "/api/analytics/kpis/", "", ""),
        ("analytics service UI", "/analytics/service/", "", ""),
        ("analytics service API", "/api/analytics/service/", "", ""),
        ("analytics SLA breaches drill-down", "/analytics/service/timers/?outcome=breached", "", ""),
        ("analytics loyalty by grade UI", "/analytics/loyalty/", "", ""),
        ("analytics survey-wave trend UI", "/analytics/loyalty/waves/", "", ""),
        ("analytics periodic review UI", "/analytics/review/", "", ""),
    ]


def run_one(db: str, args: argparse.Namespace) -> str:
    pg_url = args.pg_url if db == "postgres" else ""
    keep = bool(args.data_dir)
    base_dir = Path(args.data_dir) if keep else Path(tempfile.mkdtemp(prefix="kehu-bench-"))
    data_dir = base_dir / db
    out: list[str] = []
    try:
        if not args.reuse:
            shutil.rmtree(data_dir, ignore_errors=True)
            if pg_url:
                recreate_pg_database(pg_url)
        elif pg_url and not pg_database_exists(pg_url):
            recreate_pg_database(pg_url)
        env = environment(data_dir, pg_url)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        seeding = subprocess.run(
            [PY, "manage.py", "seed_demo", "--customers", str(args.customers)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seed_seconds = time.monotonic() - started
        steps = [line.strip() for line in seeding.stdout.splitlines() if line.strip().endswith("s") and ":" in line]
        print(f"[{db}] seed_demo {seed_seconds:.0f} s ({'; '.join(steps)})", file=sys.stderr, flush=True)
        if args.seed_only:
            return f"[{db}] seeded {args.customers:,} customers in {seed_seconds:.0f} s:\n{seeding.stdout}"
        background = ""
        if args.jobs:
            jobs = [PY, "manage.py", "shell", "--no-imports", "-c", BACKGROUND_JOBS]
            background = subprocess.run(jobs, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
            print(f"[{db}] background jobs done", file=sys.stderr, flush=True)
        if not (ROOT / "build" / "static" / "vendor").exists():  # compressing the vendor files takes minutes
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
            out += measure_all(f"http://127.0.0.1:{port}", db, args, seed_seconds, background)
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        if not keep:
            shutil.rmtree(base_dir, ignore_errors=True)
    return "\n".join(out)


def measure_all(base: str, db: str, args: argparse.Namespace, seed_seconds: float, background: str) -> list[str]:
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    ui = Client(base)
    ui.login("mkt_mgr", "kehu-demo")
    api = Client(base)
    api.headers["Authorization"] = f"Token {api.api_token('mkt_mgr', 'kehu-demo')}"
    anonymous = Client(base)
    # pages named "... (sales)" are fetched as the salesperson `sales` (their own B and C customers),
    # "... (cs)" as customer service `cs` (every B and C customer): viewers whose scope is limited
    limited: dict[str, Client] = {}
    for username in ("sales", "cs"):
        limited[username] = Client(base)
        limited[username].login(username, "kehu-demo")
    found = re.search(rb'href="/customers/(\d+)/"', ui.get("/customers/"))
    assert found, "no customer on the list page"
    detail_id = found.group(1).decode()
    sales_detail_id = next(
        (
            pk.decode()
            for pk in re.findall(rb'href="/customers/(\d+)/"', limited["sales"].get("/customers/"))
            if limited["sales"].status(f"/customers/{pk.decode()}/") == 200
        ),
        detail_id,
    )
    name = "PostgreSQL" if db == "postgres" else "SQLite"
    out = [
        f"\n{args.customers:,} customers on {name}; seed_demo took {seed_seconds:.0f} s; "
        f"gunicorn 2 gthread workers × 4 threads, 4 concurrent clients, {os.cpu_count()} cores "
        f"({platform.machine()})\n",
        "| page | p50 ms | p95 ms | req/s | reference | ref req/s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    references: dict[str, tuple[float, float, float]] = {}

    def timed(client: Client, path: str) -> tuple[float, float, float]:
        median, p95 = sequential(client, path, args.requests)
        return median, p95, throughput(client, path, args.seconds)

    only = [word for word in args.only.split(",") if word]
    for page, path, ref_name, ref_path in pages(detail_id, sales_detail_id):
        if only and not any(word in page for word in only):
            continue
        as_user = re.search(r"\((\w+)\)$", page)
        client = limited[as_user.group(1)] if as_user else api if path.startswith("/api/") else ui
        if ref_path and ref_name not in references:
            references[ref_name] = timed(anonymous if ref_name == "hello" else ui, ref_path)
            r = references[ref_name]
            out.append(f"| *{ref_name}* | {r[0]:.1f} | {r[1]:.1f} | {r[2]:.0f} | | | |")
        median, p95, rate = timed(client, path)
        if ref_path:
            ref_rate = references[ref_name][2]
            out.append(
                f"| {page} | {median:.1f} | {p95:.1f} | {rate:.0f} | {ref_name} | {ref_rate:.0f} | "
                f"{100 * rate / ref_rate:.0f} % |"
            )
        else:
            out.append(f"| {page} | {median:.1f} | {p95:.1f} | {rate:.0f} | | | |")
        print(out[-1], file=sys.stderr, flush=True)
    if background:
        out += [
            "",
            "| background job (one worker process) | customers | seconds | peak memory of the process |",
            "|---|---|---|---|",
            background.strip(),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100_000)))
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=os.environ.get("BENCH_DB", "both"))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR", ""))
    parser.add_argument("--reuse", action="store_true", default=os.environ.get("BENCH_REUSE") == "1")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BENCH_JOBS", 1)))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 50)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument(
        "--seed-only",
        action="store_true",
        default=os.environ.get("BENCH_SEED_ONLY") == "1",
        help="migrate and seed, then stop (a big database seeded ahead, measured later with --reuse)",
    )
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="pages whose name has these words")
    args = parser.parse_args()
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        print(run_one(db, args), flush=True)


if __name__ == "__main__":
    sys.exit(main())
