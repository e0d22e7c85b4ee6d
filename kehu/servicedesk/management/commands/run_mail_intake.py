"""Run the SMTP intake listener (host/port from KEHU_INTAKE_SMTP_HOST / KEHU_INTAKE_SMTP_PORT)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from kehu.servicedesk.mail import make_controller


class Command(BaseCommand):
    help = "Listen for e-mail (SMTP) and turn mails into complaints and problem tickets."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("KEHU_INTAKE_SMTP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KEHU_INTAKE_SMTP_PORT", "2525")))

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO
        controller = make_controller(options["host"], options["port"])
        controller.start()
        self.stdout.write(f"mail intake listening on {options['host']}:{options['port']}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        controller.stop()
