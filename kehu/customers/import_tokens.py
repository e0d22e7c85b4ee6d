"""Search documents of imported rows, built once per row, in a process pool for large imports.

Tokenising Chinese (jieba words, bigrams, pypinyin) is the costliest part of an import (~1 ms per
new company name on this machine) and pure CPU: large imports spread it over worker processes
while the main process writes the previous batch. The documents are exactly what
services.customer_search_document / contact_search_document build for a single customer.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

POOL_MIN_ROWS = 20_000  # below this, starting processes costs more than it saves
AHEAD = 2  # batches tokenised ahead of the writer, per process: bounds memory


def _documents(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, str]]:
    from kehu.core.search import build_document

    out = []
    for _row, values in rows:
        contact = {
            "name": values.get("contact_name", ""),
            "position": values.get("contact_position", ""),
            "mobile": values.get("contact_mobile", ""),
            "direct_line": values.get("contact_direct_line", ""),
            "email": values.get("contact_email", ""),
        }
        has_contact = bool(contact["name"])
        contacts = [contact] if has_contact else []
        customer_doc = build_document(
            texts=[values.get("name", ""), "", values.get("region", ""), values.get("address", "")]
            + [c["name"] for c in contacts]
            + [c["position"] for c in contacts],
            phones=[values.get("phone", ""), values.get("fax", "")]
            + [c["mobile"] for c in contacts]
            + [c["direct_line"] for c in contacts],
            emails=[values.get("email", "")] + [c["email"] for c in contacts],
        )
        contact_doc = (
            build_document(
                texts=[contact["name"], contact["position"]],
                phones=[contact["mobile"], contact["direct_line"]],
                emails=[contact["email"]],
            )
            if has_contact
            else ""
        )
        out.append((customer_doc, contact_doc))
    return out


def with_archive_no(document: str, archive_no: str) -> str:
    """The archive number's tokens, added once it is known (numbers are reserved at write time)."""
    from kehu.core.search import text_tokens, with_digit_grams

    # The digit grams too, exactly as search.build_document makes them for a single create (they
    # are made token by token, so the document's own are already there).
    tokens = set(document.split()) | with_digit_grams(text_tokens(archive_no))
    return " ".join(sorted(tokens))


class Pool:
    """Context manager: `documents(batches)` yields (batch, documents) in order."""

    def __init__(self, rows: int, *, processes: int | None = None) -> None:
        cpus = os.cpu_count() or 1
        wanted = processes if processes is not None else (min(cpus, 4) if rows >= POOL_MIN_ROWS else 0)
        self.processes = wanted if wanted > 1 else 0
        self.pool: Any = None

    def __enter__(self) -> Pool:
        if self.processes:
            # spawn, not fork: the caller may be a threaded worker holding database connections.
            self.pool = multiprocessing.get_context("spawn").Pool(self.processes)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def documents(self, batches: Iterable[tuple[Any, list[Any]]]) -> Iterator[tuple[tuple[Any, list[Any]], Any]]:
        if self.pool is None:
            for batch in batches:
                yield batch, _documents(batch[1])
            return
        pending: deque[tuple[Any, Any]] = deque()
        for batch in batches:
            pending.append((batch, self.pool.apply_async(_documents, (batch[1],))))
            if len(pending) >= self.processes * AHEAD:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
