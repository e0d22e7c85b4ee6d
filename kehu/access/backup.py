"""Backups: one compressed archive with a consistent database snapshot, the documents and a
manifest of SHA-256 checksums; restore verifies the checksums before it touches anything.

Database snapshot: SQLite through its online backup API (consistent while the site runs, WAL
included); PostgreSQL through pg_dump (custom format) when the binary is installed, else
Django's dumpdata. Everything works on the connection's own database, so in tests it is the
test database.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from .conf import setting

MANIFEST = "manifest.json"
DOCUMENTS = "documents"


class BackupError(Exception):
    pass


def backup_dir() -> Path:
    configured = str(setting("BACKUP_DIR") or "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "backups"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env


def _pg_args() -> list[str]:
    s = connection.settings_dict
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return args


def _dump_database(workdir: Path, *, method: str) -> str:
    """Write the snapshot into workdir; return its file name."""
    if method == "sqlite":
        target = workdir / "db.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target.name
    if method == "pg_dump":
        target = workdir / "db.pgdump"
        subprocess.run(  # noqa: S603 (fixed binary, argument list)
            [shutil.which("pg_dump") or "pg_dump", "--format=custom", "--no-owner", "--file", str(target), *_pg_args()],
            check=True,
            env=_pg_env(),
            capture_output=True,
        )
        return target.name
    # XML, not JSON: Django's JSON encoder cuts datetimes to milliseconds.
    target = workdir / "db.xml"
    with target.open("w", encoding="utf-8") as handle:
        call_command(
            "dumpdata",
            "--format=xml",
            "--natural-foreign",
            "--exclude=contenttypes",
            "--exclude=auth.permission",
            "--exclude=sessions",
            stdout=handle,
        )
    return target.name


def default_method() -> str:
    if connection.vendor == "sqlite":
        return "sqlite"
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        return "pg_dump"
    return "dumpdata"


def create_backup(*, destination: Path | None = None, method: str | None = None) -> Path:
    method = method or default_method()
    out_dir = destination or backup_dir()
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # a backup holds every customer's personal data (a destination someone else owns: their choice)
    with contextlib.suppress(PermissionError):
        out_dir.chmod(0o700)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    archive = out_dir / f"kehu-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_file = _dump_database(workdir, method=method)
        files = {db_file: sha256(workdir / db_file)}
        media = Path(settings.MEDIA_ROOT)
        document_paths = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
        for path in document_paths:
            files[f"{DOCUMENTS}/{path.relative_to(media).as_posix()}"] = sha256(path)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "method": method,
            "vendor": connection.vendor,
            "database": db_file,
            "files": files,
        }
        partial = archive.with_suffix(".partial")
        partial.touch(mode=0o600)
        partial.chmod(0o600)  # readable by Kehu's user only, whatever the umask
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(workdir / db_file, arcname=db_file)
            for path in document_paths:
                tar.add(path, arcname=f"{DOCUMENTS}/{path.relative_to(media).as_posix()}")
        partial.replace(archive)  # a crashed run never leaves a file that looks complete
    return archive


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise BackupError("manifest missing")
        return dict(json.loads(member.read()))


def restore_backup(archive: Path) -> dict[str, Any]:
    """Verify every checksum, then replace the database and the documents directory."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(workdir, filter="data")
        manifest = json.loads((workdir / MANIFEST).read_text(encoding="utf-8"))
        for name, expected in manifest["files"].items():
            path = workdir / name
            if not path.is_file() or sha256(path) != expected:
                raise BackupError(f"checksum mismatch: {name}")
        _restore_database(workdir / manifest["database"], method=manifest["method"])
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        media.mkdir(parents=True, exist_ok=True)
        if (workdir / DOCUMENTS).exists():
            shutil.copytree(workdir / DOCUMENTS, media, dirs_exist_ok=True)
    return dict(manifest)


def _restore_database(snapshot: Path, *, method: str) -> None:
    if method == "sqlite":
        if connection.vendor != "sqlite":
            raise BackupError("this backup is a SQLite snapshot; the configured database is not SQLite")
        connection.ensure_connection()
        source = sqlite3.connect(snapshot)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    if method == "pg_dump":
        if connection.vendor != "postgresql":
            raise BackupError("this backup is a pg_dump; the configured database is not PostgreSQL")
        connection.close()  # our own idle session must not hold locks on the tables being replaced
        subprocess.run(  # noqa: S603 (fixed binary, argument list)
            [
                shutil.which("pg_restore") or "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(),
                str(snapshot),
            ],
            check=True,
            env=_pg_env(),
            capture_output=True,
        )
        return
    call_command("flush", "--no-input", verbosity=0)
    call_command("loaddata", str(snapshot), verbosity=0)


def prune_backups(*, keep: int, directory: Path | None = None) -> list[Path]:
    """Delete all but the newest `keep` archives; returns what was removed."""
    folder = directory or backup_dir()
    archives = sorted(folder.glob("kehu-backup-*.tar.gz"))
    doomed = archives[: max(len(archives) - keep, 0)]
    for path in doomed:
        path.unlink()
    return doomed
