"""Inbound channel adapters: verify the sender's signature, then read the message out of its format.

- SMS gateway (generic): headers X-Kehu-Timestamp and X-Kehu-Signature = hex HMAC-SHA256(secret,
  "<timestamp>.<raw body>"); body JSON {"from", "text", "id"}.
- WeCom (企业微信 / 微信客服 callback): msg_signature = SHA1 of the sorted token, timestamp, nonce and
  the encrypted payload; payload AES-256-CBC with the EncodingAESKey (random 16 bytes, 4-byte length,
  the XML message, the corp id), as WeCom documents it.
- DingTalk outgoing robot: headers timestamp and sign = base64 HMAC-SHA256(app secret,
  "<timestamp>\n<app secret>"); body JSON with text.content, senderStaffId/senderId, senderNick, msgId.
Every adapter refuses a timestamp older than MAX_SKEW (a replayed request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as DefusedET
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException
from django.conf import settings

MAX_SKEW = 300  # seconds


class SignatureError(Exception):
    pass


class PayloadError(Exception):
    pass


@dataclass
class Inbound:
    handle: str
    text: str
    external_id: str
    name: str = ""


def secret(name: str) -> str:
    return str(getattr(settings, "KEHU", {}).get("CHANNELS", {}).get(name, "") or "")


def _fresh(timestamp: str, *, millis: bool = False) -> None:
    try:
        value = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise SignatureError("timestamp") from exc
    now = time.time() * (1000 if millis else 1)
    if abs(now - value) > MAX_SKEW * (1000 if millis else 1):
        raise SignatureError("stale")


# --- SMS ------------------------------------------------------------------------------------------------


def sms_sign(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sms_parse(headers: Any, body: bytes) -> Inbound:
    key = secret("SMS_SECRET")
    timestamp = headers.get("X-Kehu-Timestamp", "")
    if not key or not hmac.compare_digest(sms_sign(key, timestamp, body), headers.get("X-Kehu-Signature", "")):
        raise SignatureError("signature")
    _fresh(timestamp)
    try:
        data = json.loads(body)
        return Inbound(handle=str(data["from"]), text=str(data["text"]), external_id=str(data.get("id", ""))[:200])
    except (ValueError, KeyError, TypeError) as exc:
        raise PayloadError(str(exc)) from exc


# --- WeCom ----------------------------------------------------------------------------------------------


def wecom_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    # SHA-1 is what WeCom's callback protocol prescribes for msg_signature (the payload itself is AES)
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def _wecom_key() -> bytes:
    aes = secret("WECOM_AES_KEY")
    try:
        key = base64.b64decode(aes + "=")
    except ValueError as exc:
        raise SignatureError("aes key") from exc
    if len(key) != 32:
        raise SignatureError("aes key")
    return key


def wecom_encrypt(plain: bytes, *, receive_id: str, random16: bytes = b"0123456789abcdef") -> str:
    """The sender's side (the tests play WeCom with it)."""
    key = _wecom_key()
    data = random16 + struct.pack(">I", len(plain)) + plain + receive_id.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def wecom_decrypt(encrypted: str) -> bytes:
    key = _wecom_key()
    try:
        raw = base64.b64decode(encrypted)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        data = decryptor.update(raw) + decryptor.finalize()
        data = data[: -data[-1]]
        length = struct.unpack(">I", data[16:20])[0]
        message, receive_id = data[20 : 20 + length], data[20 + length :]
    except (ValueError, IndexError, struct.error) as exc:
        raise PayloadError("decrypt") from exc
    corp = secret("WECOM_CORP_ID")
    if corp and receive_id.decode(errors="replace") != corp:
        raise SignatureError("receive id")
    return message


def _xml(text: bytes) -> ET.Element:
    """defusedxml refuses DTDs and entities (XXE, billion laughs)."""
    try:
        return DefusedET.fromstring(text, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise PayloadError("xml") from exc


def wecom_verify(params: Any, encrypted: str) -> None:
    token = secret("WECOM_TOKEN")
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    expected = wecom_signature(token, timestamp, nonce, encrypted)
    if not token or not hmac.compare_digest(expected, params.get("msg_signature", "")):
        raise SignatureError("signature")
    _fresh(timestamp)


def wecom_echo(params: Any) -> bytes:
    """GET: WeCom checks the callback URL with an encrypted echostr we must return decrypted."""
    echo = params.get("echostr", "")
    wecom_verify(params, echo)
    return wecom_decrypt(echo)


def wecom_parse(params: Any, body: bytes) -> Inbound | None:
    outer = _xml(body)
    encrypted = outer.findtext("Encrypt") or ""
    wecom_verify(params, encrypted)
    inner = _xml(wecom_decrypt(encrypted))
    if (inner.findtext("MsgType") or "") != "text":
        return None  # events (enter chat, subscribe) and media are not messages to answer
    return Inbound(
        handle=inner.findtext("FromUserName") or "",
        text=inner.findtext("Content") or "",
        external_id=(inner.findtext("MsgId") or "")[:200],
    )


# --- DingTalk -------------------------------------------------------------------------------------------


def dingtalk_sign(app_secret: str, timestamp: str) -> str:
    digest = hmac.new(app_secret.encode(), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_parse(headers: Any, body: bytes) -> Inbound:
    app_secret = secret("DINGTALK_SECRET")
    timestamp = headers.get("timestamp", "")
    if not app_secret or not hmac.compare_digest(dingtalk_sign(app_secret, timestamp), headers.get("sign", "")):
        raise SignatureError("signature")
    _fresh(timestamp, millis=True)
    try:
        data = json.loads(body)
        return Inbound(
            handle=str(data.get("senderStaffId") or data["senderId"]),
            text=str(data["text"]["content"]).strip(),
            external_id=str(data.get("msgId", ""))[:200],
            name=str(data.get("senderNick", ""))[:80],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise PayloadError(str(exc)) from exc
