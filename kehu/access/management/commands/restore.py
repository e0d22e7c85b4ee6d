from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kehu.access.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`: REPLACES the database and the documents directory."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        if not yes and input(f"Replace the database and documents with {archive}? [y/N] ").strip().lower() != "y":
            raise CommandError("cancelled")
        try:
            manifest = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"restored {archive} ({manifest['created_at']}, {manifest['method']})"))
