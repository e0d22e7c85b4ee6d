"""Encryption at rest for personal data, with keys of its own (not SECRET_KEY).

EncryptedTextField stores a Fernet token; MultiFernet decrypts with any
configured key and encrypts with the first, so rotation is: put the new key
first, run `manage.py rotate_field_keys`, then drop the old key.
blind_index() gives a keyed HMAC of a normalised value so that equality lookups
(duplicate phone, find by ID number) work without decrypting every row.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

TOKEN_PREFIX = "fernet:"  # noqa: S105 (a marker, not a secret)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return TOKEN_PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(TOKEN_PREFIX):
        return stored  # written before encryption was switched on
    try:
        return fernet().decrypt(stored[len(TOKEN_PREFIX) :].encode()).decode()
    except InvalidToken as exc:  # a key was removed before rotation finished
        raise ValueError("cannot decrypt field: no configured key matches") from exc


def rotate(stored: str) -> str:
    if not stored.startswith(TOKEN_PREFIX):
        return encrypt(stored)
    return TOKEN_PREFIX + fernet().rotate(stored[len(TOKEN_PREFIX) :].encode()).decode()


def blind_index(value: str) -> str:
    normalised = "".join(value.split()).lower()
    if not normalised:
        return ""
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field whose value is ciphertext in the database and plain text in Python."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
