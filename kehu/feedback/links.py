"""Per-recipient links signed with a key of their own (not SECRET_KEY): rotating one never logs
anybody out of the other, and a leaked SECRET_KEY does not forge survey links.

A token is "<kind><id>-<nonce>" signed by django.core.signing.Signer with KEHU_LINK_KEY; the
nonce is random and stored on the row, so a token names exactly one row and cannot be guessed
from its id. Expiry and single use are the row's (expires_at, completed_at): they can be checked
and changed without re-issuing links.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core import signing

SALT = "kehu.feedback.link"
_TOKEN = re.compile(r"^(?P<kind>[su])(?P<id>\d{1,18})-(?P<nonce>[0-9a-f]{32})$")


def link_key() -> str:
    """KEHU_LINK_KEY from the environment; in development a key derived from SECRET_KEY."""
    key = str(getattr(settings, "KEHU_LINK_KEY", "") or "")
    if key:
        return key
    return hashlib.sha256(f"kehu-link-key:{settings.SECRET_KEY}".encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def _signer() -> signing.Signer:
    return signing.Signer(key=link_key(), salt=SALT, sep=".")


def make_token(kind: str, pk: int, nonce: str) -> str:
    return _signer().sign(f"{kind}{pk}-{nonce}")


def read_token(token: str, kind: str) -> tuple[int, str] | None:
    """(id, nonce) of a token of `kind` whose signature holds; None for anything altered."""
    try:
        value = _signer().unsign(token[:200])
    except signing.BadSignature:
        return None
    match = _TOKEN.match(value)
    if match is None or match["kind"] != kind:
        return None
    return int(match["id"]), match["nonce"]
