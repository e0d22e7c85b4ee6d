from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from kehu.access.backup import create_backup


class Command(BaseCommand):
    help = "Write one compressed backup (database snapshot, documents, manifest with SHA-256 checksums)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output-dir", type=Path, default=None)
        parser.add_argument("--method", choices=["sqlite", "pg_dump", "dumpdata"], default=None)

    def handle(self, *args: Any, output_dir: Path | None, method: str | None, **options: Any) -> None:
        archive = create_backup(destination=output_dir, method=method)
        self.stdout.write(self.style.SUCCESS(str(archive)))
