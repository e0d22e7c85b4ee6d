"""Cached database sessions whose refresh never makes a read wait for a writer.

Reads come from the cache (no session query per page, docs/adr/0006-perf-fast-at-a-million.md);
every write goes through to the database so a restart or a second web process loses nothing.

SESSION_SAVE_EVERY_REQUEST saves the session on every page to push its expiry forward. While a
long import holds SQLite's write lock that save waited up to the busy timeout and then failed the
page. A save that only refreshes the expiry is skipped when the lock is taken (the next request
refreshes it); a save with changed content (login, language) waits as before.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.db import OperationalError

from .sqlite_wait import is_locked, not_waiting

logger = logging.getLogger(__name__)


class SessionStore(CachedDbSessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.modified:
            super().save(must_create=must_create)
            return
        with not_waiting() as short:
            try:
                super().save(must_create=must_create)
            except (OperationalError, UpdateError) as error:
                # The db backend turns the failed write into UpdateError; the cause is its context.
                cause = error if isinstance(error, OperationalError) else error.__context__
                if not (short and isinstance(cause, OperationalError) and is_locked(cause)):
                    raise
                logger.info("session expiry not refreshed: the database is busy with a long write")
