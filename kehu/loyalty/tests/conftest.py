"""The local servers (SMTP, SMS provider, robots) and the worker's clock of the messaging tests."""

from kehu.messaging.tests.conftest import (  # noqa: F401 (fixtures)
    Clock,
    clock,
    provider,
    sms_provider,
    smtp_server,
)
