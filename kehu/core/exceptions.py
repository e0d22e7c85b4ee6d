"""Errors that services raise and both the UI and the API translate for the user."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ConflictError(DomainError):
    """Someone else changed the record since the user loaded it (optimistic lock)."""

    def __init__(self, message: str, *, current_version: int | None = None, current: Any = None) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.current = current


class InvalidTransition(DomainError):
    """A workflow step was requested out of order."""


class StorageError(DomainError):
    """A file could not be written completely (disk full, I/O error); nothing was kept.

    Not the user's fault: the API answers 507 Insufficient Storage, the UI shows the message."""
