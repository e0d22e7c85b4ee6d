"""Files under MEDIA_ROOT are written fully, fsynced and verified before the row naming them commits.

A disk that fills up mid-write used to leave a truncated file behind a row that recorded the full
size, or a 0-byte orphan next to no row. `save_verified` writes to a new name (O_EXCL), hashes what
it writes, fsyncs file and directory, reads the file back and compares size and SHA-256 with what
it was given (and with the size the upload announced). Any failure removes the partial file and
raises StorageError, so the caller's transaction rolls back with nothing on disk.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from .exceptions import StorageError

logger = logging.getLogger(__name__)
CHUNK = 1 << 20
FILE_MODE = 0o640


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


# Files written inside `removed_on_error()`: removed again when the block (and so the
# transaction that would have named them) fails.
_written: ContextVar[list[Path] | None] = ContextVar("kehu_written_files", default=None)


@contextlib.contextmanager
def removed_on_error() -> Iterator[list[Path]]:
    """Wrap a transaction that writes files: if it fails, the files it wrote are deleted too.

    Yields the list of written paths, for a caller that rolls back without an exception."""
    written: list[Path] = []
    token = _written.set(written)
    try:
        yield written
    except BaseException:
        discard(written)
        raise
    finally:
        _written.reset(token)


def discard(paths: list[Path]) -> None:
    for path in paths:
        _remove(path)


# Indirection so that tests can make the disk "fill up" after a partial write.
_write = os.write


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = _write(fd, view)
        view = view[written:]


def sha256_of(path: str | Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _failure(error: OSError | None) -> StorageError:
    if error is not None and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(_("服务器存储空间不足，文件未保存，请联系管理员。"))
    return StorageError(_("文件未能完整保存，请重试。"))


def save_verified(field_file: FieldFile, filename: str, content: File) -> StoredFile:
    """Write `content` as the file of `field_file` (which is not saved; the caller saves the row)."""
    storage = field_file.storage
    name = field_file.field.generate_filename(field_file.instance, filename)
    if not isinstance(storage, FileSystemStorage):  # pragma: no cover - other storages verify by reading back
        return _save_through_storage(field_file, name, content)
    expected = getattr(content, "size", None)
    path: Path | None = None
    try:
        fd, name, path = _create(storage, name)
        digest = hashlib.sha256()
        size = 0
        try:
            if hasattr(content, "seek"):
                content.seek(0)
            for chunk in content.chunks(CHUNK):
                data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
                digest.update(data)
                size += len(data)
                _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(path.parent)
        on_disk = sha256_of(path)
        if on_disk != (size, digest.hexdigest()) or (expected is not None and expected != size):
            logger.error(
                "file %s: wrote %s bytes (announced %s) but found %s on disk; removed", name, size, expected, on_disk[0]
            )
            raise _failure(None)
    except OSError as error:
        logger.error("file %s could not be written: %s", name, error)
        _remove(path)
        raise _failure(error) from error
    except StorageError:
        _remove(path)
        raise
    field_file.name = name
    tracker = _written.get()
    if tracker is not None:
        tracker.append(path)
    return StoredFile(name=name, size=size, sha256=on_disk[1])


def _create(storage: FileSystemStorage, name: str) -> tuple[int, str, Path]:
    for _attempt in range(20):
        name = storage.get_available_name(name)
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
        except FileExistsError:
            continue  # another upload took the name between the check and the open
        return fd, name, path
    raise OSError(errno.EEXIST, "no free file name", name)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _save_through_storage(field_file: FieldFile, name: str, content: File) -> StoredFile:  # pragma: no cover
    storage = field_file.storage
    digest = hashlib.sha256()
    size = 0
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    name = storage.save(name, content)
    check = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            check.update(block)
    if check.hexdigest() != digest.hexdigest():
        storage.delete(name)
        raise _failure(None)
    field_file.name = name
    return StoredFile(name=name, size=size, sha256=digest.hexdigest())


def verify(field_file: FieldFile, *, size: int, sha256: str) -> bool:
    """True when the stored file still has the size and checksum recorded with its row."""
    try:
        path = field_file.path
    except NotImplementedError:  # pragma: no cover
        return True
    try:
        actual = sha256_of(path)
    except OSError:
        return False
    if sha256:
        return actual == (size, sha256)
    return actual[0] == size  # rows from before checksums were recorded


def remove_quietly(field_file: Any) -> None:
    """Used when the row that would have named the file is not saved after all."""
    with contextlib.suppress(Exception):
        _remove(Path(field_file.path))
