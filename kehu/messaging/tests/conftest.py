"""Local servers that play the SMTP server, the SMS provider and the robots, and a fixed clock."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import zoneinfo
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kehu.customers import services as customer_services

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) that Django's SMTP backend delivers to."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield inbox
    finally:
        controller.stop()


class FakeProvider:
    """An HTTP server recording every request; `answers` decides the reply to each path."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: dict[str, Any] = {}
        self.status = 200
        self.port = free_port()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                provider.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                self._reply({"errcode": 0, "access_token": "TOKEN-1", "expires_in": 7200})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                provider.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(raw),
                        "raw": raw,
                    }
                )
                self._reply(provider.answer or {"code": "OK", "errcode": 0, "biz_id": "B-1", "msgid": "M-1"})

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    server = FakeProvider()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture
def sms_provider(provider: FakeProvider, settings: Any) -> FakeProvider:
    settings.KEHU_MESSAGING = {
        **settings.KEHU_MESSAGING,
        "SMS": {
            "ENDPOINT": provider.url + "/sms/send",
            "ACCESS_KEY": "AK1",
            "SECRET": "sms-secret",
            "SIGN_NAME": "客户关怀",
            "TEMPLATES": {"default": "SMS_100", "promotions": "SMS_200"},
        },
    }
    return provider


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    """The worker's clock, fixed at 10:00 Shanghai time (inside the default 07:00-19:00 window)."""
    from kehu.messaging import services

    fixed = Clock(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    monkeypatch.setattr(services, "_now", fixed)
    return fixed


@pytest.fixture
def customer_with_contact(users: dict[str, Any]) -> tuple[Any, Any]:
    customer = customer_services.customer_create(
        actor=users["mkt"], owner=users["sales"], name="杭州远景电子有限公司", grade="B"
    )
    contact = customer_services.contact_create(
        actor=users["mkt"], customer=customer, name="王芳", email="wang@yuanjing.example", mobile="13800138000"
    )
    return customer, contact
