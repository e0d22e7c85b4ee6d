"""Shared fixtures of the analysis tests. The robot is played by messaging's local HTTP server
(FakeProvider), imported rather than copied, with messaging's fixed clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kehu.messaging.tests.conftest import Clock, FakeProvider, clock  # noqa: F401  (clock: a fixture)

__all__ = ["Clock", "robot_server"]


@pytest.fixture
def robot_server() -> Iterator[FakeProvider]:
    """A local HTTP server answering like a WeCom/DingTalk robot webhook; it records each request."""
    server = FakeProvider()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
