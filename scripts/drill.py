"""Fault drill (`make drill`): kill -9, terminated database connections, a full disk, then
backup -> restore -> compare. Runs on a throwaway data directory, serves on 127.0.0.1 only, and
prints rows lost, duplicated and half-saved (all must be 0) and the restore time.

Usage: scripts/drill.sh [--customers N]   (DATABASE_URL=postgres://... for the PostgreSQL run)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- environment -----------------------------------------------------------------------------


class Site:
    """A throwaway Kehu: data directory, database, web (gunicorn) and worker (run_worker)."""

    def __init__(self, base: Path, database_url: str) -> None:
        self.base = base
        self.data = base / "data"
        self.data.mkdir(parents=True)
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KEHU_", "DATABASE_URL"))}
        self.env.update(
            SECRET_KEY=secrets.token_urlsafe(50),
            KEHU_FIELD_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            KEHU_BLIND_INDEX_KEY=secrets.token_urlsafe(32),
            KEHU_DATA_DIR=str(self.data),
            DJANGO_SETTINGS_MODULE="config.settings",
            ALLOWED_HOSTS="127.0.0.1",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.data / "mail"),
            LOG_LEVEL="WARNING",
        )
        self.pg_admin_url = ""
        self.pg_name = ""
        if database_url.startswith("postgres"):
            parsed = urllib.parse.urlsplit(database_url)
            self.pg_name = f"kehu_drill_{os.getpid()}"
            self.pg_admin_url = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
            self.env["DATABASE_URL"] = urllib.parse.urlunsplit(parsed._replace(path=f"/{self.pg_name}"))
            self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
            self._pg(f'CREATE DATABASE "{self.pg_name}"')
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.tmpfs = False

    @property
    def vendor(self) -> str:
        return "postgresql" if self.pg_name else "sqlite"

    def _pg(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as db:
            db.execute(sql)

    def manage(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def shell(self, code: str, timeout: float = 300) -> Any:
        run = self.manage("shell", "-c", code, check=False, timeout=timeout)
        lines = [line for line in run.stdout.splitlines() if line.startswith("JSON ")]
        if run.returncode or not lines:
            raise RuntimeError(f"shell failed: {run.stdout[-2000:]}\n{run.stderr[-3000:]}")
        return json.loads(lines[-1][5:])

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "error",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.data / "web.log", "ab"),  # noqa: SIM115 (the child keeps it open)
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=2)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError("web did not start")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [PY, "manage.py", "run_worker"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.data / "worker.log", "ab"),  # noqa: SIM115 (the child keeps it open)
            start_new_session=True,
        )

    @staticmethod
    def kill9(process: subprocess.Popen[bytes] | None) -> None:
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: gunicorn's master and its workers
        process.wait()

    @staticmethod
    def stop(process: subprocess.Popen[bytes] | None) -> None:
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            Site.kill9(process)

    def close(self) -> None:
        self.stop(self.web)
        self.stop(self.worker)
        if self.tmpfs:
            subprocess.run(["umount", str(self.data / "documents")], check=False)
        if self.pg_name:
            try:
                self._pg(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            except Exception as error:
                log(f"could not drop {self.pg_name}: {error}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- API client --------------------------------------------------------------------------------


class Api:
    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None


class Writer:
    """Creates customers (and a purchase for every third) through the API, as an integration would:
    after an error whose outcome is unknown it looks the record up before it tries again."""

    def __init__(self, api: Api, prefix: str) -> None:
        self.api = api
        self.prefix = prefix
        self.confirmed_customers: dict[str, int] = {}
        self.confirmed_transactions: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()
        self.done = 0

    def _note(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def _find_customer(self, name: str) -> int | None:
        status, body = self.api.call("GET", "/api/customers/?" + urllib.parse.urlencode({"q": name}))
        if status != 200:
            raise OSError(f"lookup answered {status}")
        ids = [row["id"] for row in body["results"] if row["name"] == name]
        return ids[0] if ids else None

    def _find_transaction(self, customer_id: int, note: str) -> int | None:
        status, body = self.api.call("GET", f"/api/transactions/?customer={customer_id}")
        if status != 200:
            raise OSError(f"lookup answered {status}")
        ids = [row["id"] for row in body["results"] if row["notes"] == note]
        return ids[0] if ids else None

    def _ensure(self, create, find) -> int:  # type: ignore[no-untyped-def]
        for _attempt in range(200):
            try:
                found = find()
                if found is not None:
                    return int(found)
                status, body = create()
                if status == 201:
                    return int(body["id"])
                self._note(f"http {status}")
            except (urllib.error.URLError, OSError, ConnectionError) as error:
                self._note(type(error).__name__)
            time.sleep(0.5 + random.random())
        raise RuntimeError("gave up")

    def item(self, i: int) -> None:
        name = f"{self.prefix}{i:05d}有限公司"
        customer_id = self._ensure(
            lambda: self.api.call("POST", "/api/customers/", {"name": name, "grade": random.choice("ABC")}),
            lambda: self._find_customer(name),
        )
        with self.lock:
            self.confirmed_customers[name] = customer_id
        if i % 3 == 0:
            note = f"drill-{self.prefix}{i}"
            body = {"customer": customer_id, "occurred_on": "2026-11-20", "amount": "1200.00", "notes": note}
            txn_id = self._ensure(
                lambda: self.api.call("POST", "/api/transactions/", body),
                lambda: self._find_transaction(customer_id, note),
            )
            with self.lock:
                self.confirmed_transactions[note] = txn_id
        with self.lock:
            self.done += 1

    def run(self, count: int, threads: int = 4) -> None:
        queue = list(range(count))
        lock = threading.Lock()

        def loop() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    i = queue.pop(0)
                self.item(i)

        workers = [threading.Thread(target=loop) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()


# --- checks ------------------------------------------------------------------------------------

INSPECT = r"""
import json
from collections import Counter
from kehu.core.models import OutboxEvent
from kehu.customers.models import ArchiveUpdate, Customer, Transaction
from kehu.engagement.models import ContactPlan, FollowUp
PREFIX = __PREFIX__
customers = list(
    Customer.objects.unscoped("drill").filter(name__startswith=PREFIX).values_list("id", "name", "archive_no")
)
names = Counter(name for _id, name, _no in customers)
ids = [pk for pk, _n, _no in customers]
with_update = set(ArchiveUpdate.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True))
planned = set(ContactPlan.objects.unscoped("drill").filter(customer_id__in=ids).values_list("customer_id", flat=True))
txns = list(Transaction.objects.unscoped("drill").filter(customer_id__in=ids).values_list("id", "notes"))
notes = Counter(note for _id, note in txns)
followed = set(FollowUp.objects.unscoped("drill").filter(source_type="transaction").values_list("source_id", flat=True))
print("JSON " + json.dumps({
    "customers": {name: count for name, count in names.items()},
    "transactions": {note: count for note, count in notes.items()},
    "no_archive_update": len([i for i in ids if i not in with_update]),
    "no_archive_no": len([1 for _i, _n, no in customers if not no]),
    "no_contact_plan": len([i for i in ids if i not in planned]),
    "no_followup": len([1 for pk, _n in txns if str(pk) not in followed]),
    "outbox_pending": OutboxEvent.objects.filter(done_at__isnull=True).count(),
}))
"""


def inspect(site: Site, prefix: str) -> dict[str, Any]:
    return site.shell(INSPECT.replace("__PREFIX__", repr(prefix)))


def wait_for_derived_work(site: Site, prefix: str, seconds: float = 150) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    while True:
        state = inspect(site, prefix)
        settled = not state["outbox_pending"] and not state["no_contact_plan"] and not state["no_followup"]
        if settled or time.monotonic() - started > seconds:
            return state, time.monotonic() - started
        time.sleep(3)


def score(writer: Writer, state: dict[str, Any]) -> dict[str, int]:
    customers, transactions = state["customers"], state["transactions"]
    lost = sum(1 for name in writer.confirmed_customers if name not in customers)
    lost += sum(1 for note in writer.confirmed_transactions if note not in transactions)
    duplicated = sum(count - 1 for count in customers.values()) + sum(count - 1 for count in transactions.values())
    half_saved = state["no_archive_update"] + state["no_archive_no"]
    derived_missing = state["no_contact_plan"] + state["no_followup"] + state["outbox_pending"]
    return {"lost": lost, "duplicated": duplicated, "half_saved": half_saved, "derived_missing": derived_missing}


# --- phases ------------------------------------------------------------------------------------


def phase_kill(site: Site, api: Api, count: int) -> dict[str, Any]:
    """kill -9 of web and worker while customers are written and while their follow-up work runs."""
    prefix = "演练甲"
    writer = Writer(api, prefix)
    runner = threading.Thread(target=writer.run, args=(count,))
    runner.start()
    kills = []
    plan = [(0.2, "web"), (0.4, "worker"), (0.6, "web+worker"), (0.8, "worker")]
    for fraction, target in plan:
        while runner.is_alive() and writer.done < count * fraction:
            time.sleep(0.1)
        if "web" in target:
            site.kill9(site.web)
        if "worker" in target:
            site.kill9(site.worker)
        kills.append(f"{target}@{writer.done}")
        time.sleep(1.5)
        if "web" in target:
            site.start_web()
        if "worker" in target:
            site.start_worker()
    runner.join()
    # kill -9 the worker again in the middle of the follow-up work, then let it finish.
    time.sleep(1)
    site.kill9(site.worker)
    kills.append("worker@follow-up")
    time.sleep(2)
    site.start_worker()
    state, waited = wait_for_derived_work(site, prefix)
    result = {
        "phase": "kill -9 web and worker",
        "written": len(writer.confirmed_customers),
        "transactions": len(writer.confirmed_transactions),
        "kills": kills,
        "errors_seen": writer.errors,
        "derived_work_settled_s": round(waited, 1),
        **score(writer, state),
    }
    return result


def phase_pg_terminate(site: Site, api: Api, count: int) -> dict[str, Any]:
    """pg_terminate_backend on every connection of the site's database, every 0.5 s for 20 s, while writing."""
    import psycopg

    prefix = "演练乙"
    writer = Writer(api, prefix)
    runner = threading.Thread(target=writer.run, args=(count,))
    runner.start()
    terminated = 0
    stop_at = time.monotonic() + 20  # bounded: then the writer finishes on a healthy database
    with psycopg.connect(site.pg_admin_url, autocommit=True) as db:
        while runner.is_alive() and time.monotonic() < stop_at:
            rows = db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (site.pg_name,),
            ).fetchall()
            terminated += sum(1 for (ok,) in rows if ok)
            time.sleep(0.5)
    runner.join()
    state, waited = wait_for_derived_work(site, prefix)
    return {
        "phase": "pg_terminate_backend during writes",
        "written": len(writer.confirmed_customers),
        "connections_terminated": terminated,
        "errors_seen": writer.errors,
        "derived_work_settled_s": round(waited, 1),
        **score(writer, state),
    }


DISK_FULL = r"""
import hashlib, json, os
from pathlib import Path
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from kehu.accounts.models import User
from kehu.core.exceptions import StorageError
from kehu.customers import services
from kehu.customers.models import Customer, DocumentVersion
actor = User.objects.get(username="drill")
customer = services.customer_create(actor=actor, name="演练丙磁盘满有限公司")
stored, refused, other = 0, 0, []
for i in range(40):
    payload = os.urandom(150_000 + i * 7_000)
    try:
        upload = SimpleUploadedFile(f"c{i}.pdf", payload)
        services.document_upload(actor=actor, customer=customer, title=f"合同{i}", file=upload)
        stored += 1
    except StorageError:
        refused += 1
    except Exception as error:
        other.append(repr(error))
root = Path(settings.MEDIA_ROOT)
on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
rows = list(DocumentVersion.objects.unscoped("drill").filter(document__customer=customer))
named = {v.file.name for v in rows}
bad = 0
for v in rows:
    path = root / v.file.name
    data = path.read_bytes() if path.exists() else b""
    if len(data) != v.size or hashlib.sha256(data).hexdigest() != v.sha256:
        bad += 1
print("JSON " + json.dumps({"stored": stored, "refused": refused, "other_errors": other,
    "orphan_files": len(on_disk - named), "rows_without_good_file": bad, "rows": len(rows)}))
"""


def phase_disk_full(site: Site) -> dict[str, Any]:
    if not site.tmpfs:
        return {
            "phase": "disk full",
            "skipped": "a 2 MB tmpfs could not be mounted (needs root); "
            "see kehu/customers/tests/test_disk_full.py for the simulated ENOSPC",
        }
    result = site.shell(DISK_FULL)
    return {
        "phase": "disk full on a 2 MB tmpfs (documents)",
        **result,
        "lost": 0,
        "duplicated": 0,
        "half_saved": result["orphan_files"] + result["rows_without_good_file"],
    }


SNAPSHOT = r"""
import hashlib, json
from pathlib import Path
from django.conf import settings
from django.db import connection
from kehu.access.logspool import flush
flush()
SKIP = {"django_session"}
tables = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names(cursor)):
        if table in SKIP or table.endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")):
            continue
        qn = connection.ops.quote_name(table)
        cursor.execute(f"SELECT * FROM {qn}")
        rows = sorted(repr(tuple(str(v) for v in row)) for row in cursor.fetchall())
        tables[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
root = Path(settings.MEDIA_ROOT)
documents = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(root.rglob("*")) if p.is_file()}
print("JSON " + json.dumps({"tables": tables, "documents": documents}))
"""


def phase_backup_restore(site: Site) -> dict[str, Any]:
    site.stop(site.web)
    site.stop(site.worker)
    before = site.shell(SNAPSHOT)
    archive = site.manage("backup").stdout.strip().splitlines()[-1]
    # Lose everything: the database and the documents directory.
    if site.tmpfs:
        subprocess.run(["umount", str(site.data / "documents")], check=True)
        site.tmpfs = False
    shutil.rmtree(site.data / "documents", ignore_errors=True)
    if site.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{site.data / 'kehu.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        site._pg(f'DROP DATABASE "{site.pg_name}" WITH (FORCE)')
        site._pg(f'CREATE DATABASE "{site.pg_name}"')
    started = time.monotonic()
    site.manage("restore", archive, "--yes")
    restore_seconds = time.monotonic() - started
    after = site.shell(SNAPSHOT)
    tables_differ = sorted(t for t in before["tables"] if before["tables"][t] != after["tables"].get(t))
    tables_missing = sorted(set(before["tables"]) - set(after["tables"]))
    docs_differ = sorted(d for d in before["documents"] if before["documents"][d] != after["documents"].get(d))
    rows_before = sum(count for count, _h in before["tables"].values())
    rows_after = sum(count for count, _h in after["tables"].values())
    return {
        "phase": "backup -> restore -> compare",
        "tables": len(before["tables"]),
        "rows": rows_before,
        "documents": len(before["documents"]),
        "tables_differ": tables_differ,
        "tables_missing": tables_missing,
        "documents_differ": docs_differ,
        "lost": max(rows_before - rows_after, 0) + len(docs_differ),
        "duplicated": max(rows_after - rows_before, 0),
        "half_saved": len(tables_differ),
        "restore_seconds": round(restore_seconds, 2),
        "archive_bytes": Path(archive).stat().st_size,
    }


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=int(os.environ.get("DRILL_CUSTOMERS", 120)))
    parser.add_argument("--keep", action="store_true", help="keep the throwaway directory")
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="kehu-drill-"))
    site = Site(base, os.environ.get("DATABASE_URL", ""))
    results: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        log(f"data directory {site.data}, database {site.vendor}, http://127.0.0.1:{site.port}/")
        site.manage("migrate", "--noinput")
        token = site.shell(
            "import json\nfrom rest_framework.authtoken.models import Token\nfrom kehu.accounts.models import User\n"
            "u = User.objects.create_superuser('drill', 'drill@example.invalid', 'drill-password-1', "
            "department='marketing', level=40)\n"
            "print('JSON ' + json.dumps(Token.objects.create(user=u).key))"
        )
        documents = site.data / "documents"
        documents.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            mounted = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(documents)], capture_output=True, text=True
            )
            site.tmpfs = mounted.returncode == 0
            if not site.tmpfs:
                log(f"tmpfs not mountable: {mounted.stderr.strip()}")
        site.start_web()
        site.start_worker()
        api = Api(site.port, token)
        log(f"phase 1: {options.customers} customers through the API, kill -9 of web and worker")
        results.append(phase_kill(site, api, options.customers))
        if site.vendor == "postgresql":
            log("phase 2: pg_terminate_backend during writes")
            results.append(phase_pg_terminate(site, api, options.customers // 3))
        log("phase 3: disk full")
        results.append(phase_disk_full(site))
        log("phase 4: backup -> restore -> compare")
        results.append(phase_backup_restore(site))
    finally:
        site.close()
        if not options.keep:
            shutil.rmtree(base, ignore_errors=True)
    print()
    print(f"Fault drill on {site.vendor} ({round(time.monotonic() - started)} s)")
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    totals = {key: sum(int(r.get(key, 0)) for r in results) for key in ("lost", "duplicated", "half_saved")}
    derived = sum(int(r.get("derived_missing", 0)) for r in results)
    restore = next((r["restore_seconds"] for r in results if "restore_seconds" in r), None)
    print(
        f"rows lost: {totals['lost']}  duplicated: {totals['duplicated']}  half-saved: {totals['half_saved']}  "
        f"derived work missing: {derived}  restore time: {restore} s"
    )
    return 0 if not any(totals.values()) and not derived else 1


if __name__ == "__main__":
    sys.exit(main())
