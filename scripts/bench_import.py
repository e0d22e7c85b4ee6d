"""`make bench` (import part): a clean N-row 客户信息维护表 workbook, previewed and committed as the
worker does it, timed per phase with the peak memory of the process.

Usage: scripts/bench_import.py [--rows 100000] [--database-url postgres://...]
(BENCH_IMPORT_ROWS and BENCH_DATABASE_URL work too). Runs in a throwaway data directory; on
PostgreSQL the database is flushed first, so point it at a bench database.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
HEADER = [
    "客户名称",
    "联系人",
    "职务",
    "联系方式",
    "合作起始时间",
    "合作项目/产品",
    "需求偏好",
    "上次沟通时间",
    "下次沟通计划",
    "维护优先级",
    "地区",
    "地址",
    "电话",
    "邮箱",
]


def write_workbook(path: Path, rows: int) -> None:
    """Realistic, clean and unique company names (city + two brand words + industry + suffix)."""
    import datetime as dt

    from openpyxl import Workbook

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from kehu.customers import demo

    rng = random.Random(16)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户信息维护表")
    sheet.append(HEADER)
    seen: set[str] = set()
    cities = list(demo.REGIONS)
    priorities = ("核心客户", "普通客户", "潜在客户")
    while len(seen) < rows:
        city = rng.choice(cities)
        name = f"{city}{rng.choice(demo.WORDS)}{rng.choice(demo.WORDS)}{rng.choice(demo.INDUSTRIES)}"
        name += rng.choice(demo.SUFFIXES)
        if name in seen:
            continue
        seen.add(name)
        i = len(seen)
        since = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        last = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
        sheet.append(
            [
                name,
                demo._person(rng),
                rng.choice(demo.POSITIONS),
                f"1{rng.choice('3456789')}{i:09d}",
                since,
                rng.choice(demo.PRODUCTS),
                rng.choice(("注重稳定性", "关注售后响应", "价格敏感", "")),
                last,
                last + dt.timedelta(days=30),
                rng.choice(priorities),
                demo.REGIONS[city],
                f"{city}市{rng.choice(demo.WORDS)}路{rng.randrange(1, 999)}号",
                f"0{rng.randrange(10, 999)}-{rng.randrange(10**7, 10**8)}",
                f"info@c{i:07d}.example.cn",
            ]
        )
    book.save(path)


INNER = r"""
import resource, time
from django.core.files.uploadedfile import SimpleUploadedFile
from kehu.accounts.models import User
from kehu.customers import imports
from kehu.customers.imports import commit, preview
from kehu.customers.models import Customer

def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

def peak():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_maxrss // 1024, kids.ru_maxrss // 1024

actor = User.objects.get(username="mkt_mgr")
data = open(PATH, "rb").read()
started, cpu0 = time.monotonic(), cpu()
job = imports.import_start(actor=actor, file=SimpleUploadedFile("bench.xlsx", data))
del data
preview.run_preview(job.pk)
preview_s, preview_cpu = time.monotonic() - started, cpu() - cpu0
job.refresh_from_db()
assert job.status == "preview", job.message
after_preview = peak()
started, cpu0 = time.monotonic(), cpu()
imports.import_commit(actor=actor, job=job)  # its on-commit enqueue is replaced by the direct call below
commit.run_commit(job.pk)
commit_s, commit_cpu = time.monotonic() - started, cpu() - cpu0
job.refresh_from_db()
assert job.status == "done", job.message
n = job.valid_rows
total = preview_s + commit_s
load = open("/proc/loadavg").read().split()[0]
print(f"| {DB} | {n:,} | {preview_s:.1f} s = {n / preview_s:,.0f} rows/s (CPU {preview_cpu:.1f} s) "
      f"| {commit_s:.1f} s = {n / commit_s:,.0f} rows/s (CPU {commit_cpu:.1f} s) | {n / total:,.0f} rows/s "
      f"(per CPU-second: {n / (preview_cpu + commit_cpu):,.0f}) | {after_preview[0]} MB | {peak()[0]} MB "
      f"(tokeniser processes: {peak()[1]} MB each) | {load} |")
assert Customer.objects.unscoped("bench").count() == n
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", 100_000)))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import environment

    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp) / "data", args.database_url)
        if args.database_url:
            subprocess.run([PY, "manage.py", "flush", "--noinput"], cwd=ROOT, env=env, check=False)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PY, "manage.py", "seed_demo", "--customers", "0"], cwd=ROOT, env=env, check=True)
        workbook = Path(tmp) / "bench.xlsx"
        generate = [
            PY,
            "-c",
            "import pathlib, sys; sys.path.insert(0, 'scripts'); import bench_import as b; "
            f"b.write_workbook(pathlib.Path({str(workbook)!r}), {args.rows})",
        ]
        subprocess.run(generate, cwd=ROOT, env=env, check=True)
        db = "PostgreSQL" if args.database_url else "SQLite"
        code = f"PATH = {str(workbook)!r}\nDB = {db!r}\n" + INNER
        result = subprocess.run(
            [PY, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode:
            print(result.stdout, result.stderr, file=sys.stderr)
            raise SystemExit(result.returncode)
        size = workbook.stat().st_size / 1e6
        print(f"\nImport of a clean {args.rows:,}-row 客户信息维护表 workbook ({size:.1f} MB, 14 columns)\n")
        print("| database | rows | preview | commit | end to end | peak RSS after preview | peak RSS | load avg |")
        print("|---|---|---|---|---|---|---|---|")
        print(result.stdout.strip())


if __name__ == "__main__":
    main()
