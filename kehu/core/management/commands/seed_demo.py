"""Load demo data: each Kehu app may offer `kehu.<app>.demo.seed(customers=N, stdout=...)`.

Idempotent: running it twice leaves one set of demo data. Apps are seeded in
INSTALLED_APPS order, so accounts and customers exist before what refers to them.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from kehu.core.maintenance import analyze_database


class Command(BaseCommand):
    help = "Create demo users, customers and related records (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=300, help="number of demo customers (default 300)")

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if not config.name.startswith("kehu."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            started = time.monotonic()
            module.seed(customers=options["customers"], stdout=self.stdout)
            self.stdout.write(f"  {config.label}: {time.monotonic() - started:.1f}s")
        # A bulk load leaves the planner without statistics: PostgreSQL then guesses a frequent search
        # term (科技) to be rare and reads 30k rows for a page of 50 (247 ms instead of 9 ms at 100k).
        analyze_database()
        self.stdout.write(self.style.SUCCESS("demo data ready"))
